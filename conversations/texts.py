"""Every word the bot says to a person, in one place, in plain Chinese.

Read this file top to bottom to proofread the bot. Placeholders in {braces} are filled
in by the code; keep each reply short enough for one phone screen.
"""

from __future__ import annotations

# The main menu ---------------------------------------------------------------------

WELCOME = "您好，欢迎关注{account}政务服务号！这里可以办事、反映问题、查进度、看政策通知。"
MENU_TITLE = "请回复数字选择："
MENU_FOOTER = "随时回复“菜单”回到这里，回复“帮助”看说明。"
MENU_ITEMS = {
    "service": "办事",
    "feedback": "反映问题",
    "progress": "查进度",
    "notices": "政策通知",
    "mine": "我的",
}

# Global commands -------------------------------------------------------------------

CMD_MENU = ("菜单", "主菜单", "目录")
CMD_CANCEL = ("取消", "退出", "不办了")
CMD_BACK = ("返回", "上一步", "后退")
CMD_HELP = ("帮助", "说明", "怎么用")
CMD_HUMAN = ("人工", "人工服务", "转人工", "找人", "客服")

CANCELLED = "好的，已经取消。"
NOTHING_TO_CANCEL = "现在没有正在办的事项。"
BACK_AT_START = "已经是第一步了。"
HELP = (
    "使用说明：\n"
    "· 回复数字选择，比如回复 1；也可以直接说或打出选项的字。\n"
    "· 可以发语音，和打字一样。\n"
    "· 回复“返回”回到上一步，“取消”结束当前事项，“菜单”回到主菜单，"
    "“人工”找工作人员。"
)
HUMAN = (
    "需要工作人员帮忙，请拨打{account}便民服务中心电话 {hotline}（{office_hours}），"
    "或直接到乡镇便民服务中心窗口办理。"
)
CONTINUE_HINT = "继续刚才的事项，请回答："

# Answers the bot could not use -----------------------------------------------------

NOT_UNDERSTOOD = "没有看明白您的意思。"
PICK_A_NUMBER = "请回复 1 到 {count} 之间的数字，或选项的字。"
PICK_THE_ONLY = "请回复 1，或选项的字。"
NEED_TEXT = "这一步请打字或发语音回答。"
MENU_NEEDS_WORDS = "收到了。要办什么事，请先回复数字选择，或者打字、发语音说。"
CHOICE_HINT = "回复数字选择；回复“返回”回到上一步。"

GREETINGS = ("你好", "您好", "在吗", "在不在", "有人吗", "喂")
GREETING_REPLY = "您好！"
THANKS = ("谢谢", "谢谢你", "谢谢您", "感谢", "好的谢谢")
THANKS_REPLY = "不客气！还有别的事，请回复数字选择。"
VOICE_NOT_RECOGNISED = "这段语音没有听清，请再说一遍，或者打字。"
TOO_MANY_MISSES = "如果不方便操作，回复“人工”找工作人员帮忙，回复“取消”结束。"
UNSUPPORTED = "暂不支持这种消息。"
SESSION_EXPIRED = "您有{minutes}分钟没有回复，刚才的事项已经结束，需要时请重新选择。"
CONVERSATION_RESTORED = "（刚才系统中断了一下，您已填写的内容都还在，我们接着办。）"
FLOW_CHANGED = "抱歉，服务刚刚更新，刚才的事项需要重新开始。"
SORRY_ERROR = "抱歉，系统出了点问题，请稍后再试，或拨打 {hotline}。"
TOO_FAST = "您发消息太快了，刚才这条没有处理。请稍等一会儿再发。"

# 我的 (what is stored about the person) ---------------------------------------------

MINE_SUMMARY = "我的信息\n所在村（社区）：{village}\n姓名：{name}\n手机号：{phone}"
MINE_NO_VILLAGE = "还没有填写"
MINE_CHOICES = {
    "village": "填写或修改所在村（社区）",
    "name": "填写或修改姓名",
    "phone": "填写或修改手机号",
    "delete": "删除我的信息",
}
MINE_SAVED_NAME = "已记下您的姓名：{name}。"
MINE_SAVED_PHONE = "已记下您的手机号：{phone}。"
MINE_DELETE_ASK = (
    "确定删除您的姓名、手机号和所在村（社区）吗？删除后再办事需要重新填写；"
    "已经提交的事项会照常办完。"
)
MINE_DELETE_CHOICES = {"yes": "确定删除", "no": "不删除"}
MINE_DELETED = "已删除您的姓名、手机号和所在村（社区）。"
MINE_NOTHING_TO_DELETE = "您没有留下任何个人信息，不用删除。"
CONSENT = (
    "个人信息告知：为了办理您的事情，需要记录您的姓名、手机号和所在村（社区）。"
    "这些信息只用于政务服务，只给办理您事情的工作人员看；"
    "您可以随时在“我的”里查看、修改或删除。"
)
CONSENT_CHOICES = {"yes": "同意", "no": "不同意"}
CONSENT_REFUSED = "好的，没有记录任何信息。"
ASK_TOWNSHIP = "您住在哪个乡镇？"
ASK_VILLAGE = "您住在{township}的哪个村（社区）？"
ASK_CONFIRM_VILLAGE = "请确认：{township}{village}。"
CONFIRM_CHOICES = {"yes": "确认", "no": "重新选"}
VILLAGE_SAVED = "已记下：您住在{township}{village}。"

# 政策通知 (policy notices) ------------------------------------------------------------

# Stable keys (stored) and the names people see. 应急预警 reaches everyone in scope.
NOTICE_AREAS = {
    "benefits": "惠民政策",
    "planning": "乡村建设规划",
    "land": "土地征用",
    "homestead": "宅基地审批",
    "family": "计划生育",
    "funds": "项目资金分配",
    "announcement": "通知公告",
    "emergency": "应急预警",
}
# What a new follower gets without asking.
DEFAULT_NOTICE_AREAS = ("announcement", "emergency")
ALWAYS_SENT_AREA = "emergency"

FOLLOW_SUBSCRIBED = (
    "已为您订阅{place}的“通知公告”和“应急预警”，有新通知会推送给您；回复“政策通知”可以查看和修改。"
)
FOLLOW_PLACE_UNKNOWN = "全县"
NOTICES_TITLE = "最新政策通知（{place}）："
NOTICES_NONE = "{place}暂时没有政策通知。"
NOTICE_LINE = "{title}（{date}）"
NOTICES_SETTINGS = "订阅设置"
NOTICES_HINT = "回复数字看全文；回复“返回”回到上一步。"
NOTICES_SET_PLACE = "填写所在村（社区）后，还能看到本乡镇、本村的通知：回复“我的”填写。"
NOTICE_FULL = "【{area}】{title}\n{date} {place}\n{body}"
NOTICE_PAGE_MARK = "（第{page}/{pages}页）"
NOTICE_CHOICES = {"more": "更多", "list": "返回通知列表"}
NOTICE_GONE = "这条通知已经撤回。"
NOTICE_LINK = "详情：{link}"
SUBS_TITLE = "订阅设置：回复数字可以订阅或退订（√ 表示已订阅）。"
SUBS_LINE_ON = "√ {area}"
SUBS_LINE_OFF = "  {area}"
SUBS_ALWAYS = "“应急预警”关系安全，所有人都会收到，不能退订。"
SUBS_DONE = "完成"
SUBS_ON = "已订阅“{area}”。"
SUBS_OFF = "已退订“{area}”，以后不再推送这类通知。"
SUBS_SAVED = "订阅设置已保存。"
SUBS_ALL_OFF = "全部退订"
SUBS_ALL_OFF_WORDS = ("全部退订", "都退订", "全部取消", "都不要了")
SUBS_ALL_OFF_DONE = "已全部退订，以后只推送应急预警（关系安全，不能退订）。"
SUBS_STOP_HOW = "不想收通知，回复“全部退订”，以后只收应急预警；也可以回复数字，一类一类退订。"

# What a notice looks like when it is pushed.
NOTICE_PUSH_TEXT = "【{area}】{title}\n{summary}\n回复“政策通知”查看全文。"
NOTICE_PUSH_FIRST = "{account}发布了一条{area}"
NOTICE_PUSH_REMARK = "回复“政策通知”查看全文，回复“菜单”办事。"

# Words for staff (the staff API and the delivery report) -------------------------------

STAFF_BAD_LOGIN = "用户名或密码不对"
STAFF_NEED_LOGIN = "请先登录（Authorization: Bearer <token>）"
STAFF_FORBIDDEN_ROLE = "您的角色不能做这件事"
STAFF_NOT_YOUR_TICKET = (
    "这件工单已指定由同单位的其他人办理，您不能操作；需要改由您办理的，请乡镇重新分派"
)
STAFF_OUTSIDE_JURISDICTION = "只能发布本辖区（{township}）的通知"
STAFF_BAD_JSON = "请求体必须是 JSON 对象"
STAFF_FIELD_REQUIRED = "缺少 {field}"
STAFF_FIELD_EMPTY = "{field} 不能为空"
STAFF_FIELD_TOO_LONG = "{field} 太长（最多 {limit} 字）"
STAFF_FIELD_BAD = "{field} 的值不对：{why}"
STAFF_UNKNOWN_AREA = "没有这个领域，可选：{areas}"
STAFF_UNKNOWN_SCOPE = "范围只能是 county、township 或 village"
STAFF_UNKNOWN_TOWNSHIP = "没有这个乡镇：{name}"
STAFF_UNKNOWN_VILLAGE = "{township}没有这个村（社区）：{name}"
STAFF_NOTICE_NOT_FOUND = "没有这条通知"
STAFF_ALREADY_PUBLISHED = "这条通知已经发布过了"
STAFF_NOT_PUBLISHED = "这条通知还没有发布，不能撤回"
STAFF_ALREADY_RETRACTED = "这条通知已经撤回了"
STAFF_RETRACTED_NO_PUBLISH = "已撤回的通知不能再发布"
STAFF_NOTHING_TO_RESEND = "没有需要重发的失败消息"
STAFF_HALTED_BAD_TEMPLATE = (
    "模板或参数有误（错误码 {errcode}），整条通知已停止发送，请检查模板设置后重发"
)

# Why a delivery did not reach someone, as staff read it in the delivery report.
REASON_NOT_FOLLOWING = "不再关注公众号"
REASON_NO_CONSENT = "没有订阅授权或授权已用完"
REASON_WINDOW_CLOSED = "客服消息窗口已关闭或额度已用完"
REASON_BAD_REQUEST = "模板或参数有误，需要工作人员处理"
REASON_QUOTA = "今日额度已用完"
REASON_FAILED_OFTEN = "多次发送失败（错误码 {errcode}）"
REASON_ERRCODE = "错误码 {errcode}"
REASON_UNKNOWN = "发送结果未知（微信没有回应），请工作人员核实"
REASON_NOT_TRIED = "未发出：发送前数据库中断，已重新排队"
REASON_NO_CONNECTION = "多次无法连接微信"
REASON_USER_BLOCKED = "用户拒收"
REASON_WECHAT_FAILED = "微信报告发送失败（{status}）"
REASON_RETRACTED = "通知已撤回"
REASON_UNSUBSCRIBED = "已退订这类通知"
REASON_HALTED = "整条通知已停止发送（模板或参数有误）"
REASON_FELL_BACK = "改用{channel}发送"
REASON_MASS_QUOTA = "本月群发已满4次"
REASON_MASS_TOO_FEW = "群发至少要两人，改用其他方式"
REASON_MASS_FAILED = "微信报告群发失败"
CHANNEL_NAMES = {
    "custom": "客服消息",
    "template": "模板消息",
    "subscribe": "订阅通知",
    "mass": "群发",
}
STAFF_LOGIN_SLOWED = "这个用户名登录失败太多，请 {seconds} 秒后再试"
STAFF_LOGIN_ADDRESS_BUSY = "从这里登录的尝试太多，请 {seconds} 秒后再试"
STAFF_TOO_FAST = "请求太频繁，请 {seconds} 秒后再试"
STAFF_KEY_REUSED = "这个 Idempotency-Key 刚用于另一个请求，请换一个"
STAFF_KEY_BAD = "Idempotency-Key 应为 1 到 100 个可见的英文字符"
STAFF_UNAVAILABLE = "服务暂时不可用，请 {seconds} 秒后再试"
STAFF_SCHEDULE_PAST = "scheduled_at 已经过去了"
STAFF_SCHEDULE_FAR = "scheduled_at 不对：最多提前一年安排"
STAFF_NOT_URL = "link 必须是 http:// 或 https:// 开头的网址"
STAFF_UNKNOWN_FIELDS = "不认识的字段：{fields}"
# Why a field's value is wrong (the {why} of STAFF_FIELD_BAD).
STAFF_WHY_TEXT = "应为文字"
STAFF_WHY_FORM = "格式不对"
STAFF_WHY_NUL = "含有无法保存的空字符"
STAFF_WHY_ONCE = "只能给一次"
STAFF_WHY_WHOLE = "应为整数"
STAFF_WHY_COUNT = "应为 1 到 100 的整数"
STAFF_WHY_BOOL = "应为 true 或 false"
STAFF_WHY_TIME = "应为 ISO 8601 时间"
STAFF_WHY_DATE = "应为日期 YYYY-MM-DD"
STAFF_WHY_NOT_FOR_COUNTY = "全县范围不用填"
STAFF_WHY_NOT_FOR_TOWNSHIP = "乡镇范围不用填"
STAFF_WHY_EXTENSION_DAYS = "应为 1 到 {days} 的整数（工作日）"
STAFF_WHY_BETWEEN = "应为 -{limit} 到 {limit} 之间的数"
STAFF_WHY_CHOICES = "可选 {choices}"

# Staff accounts, reply templates, holidays (county admin) ------------------------------

STAFF_ACCOUNT_NOT_FOUND = "没有这个工作人员账号"
STAFF_ACCOUNT_TAKEN = "用户名 {username} 已经有人用了，请换一个"
STAFF_ACCOUNT_NOT_SELF = "不能停用自己的账号"
STAFF_ACCOUNT_NOT_A_LEAD = "只有部门经办人和乡镇工作人员可以设为负责人"
STAFF_ACCOUNT_ROLES = {
    "county_admin": "县级管理员",
    "township_staff": "乡镇工作人员",
    "department_handler": "部门经办人",
    "supervisor": "督办人员",
}
STAFF_WHY_USERNAME = "应为 1 到 64 个英文字母、数字或 . _ - @"
STAFF_WHY_PASSWORD = "应为 8 到 1024 个字符"
STAFF_WHY_ROLE = (
    "可选 county_admin（县级管理员）、township_staff（乡镇工作人员）、"
    "department_handler（部门经办人）、supervisor（督办人员）"
)
STAFF_ACCOUNT_NEEDS_TOWNSHIP = "乡镇工作人员要填所在乡镇（township）"
STAFF_ACCOUNT_NEEDS_UNIT = "部门经办人要填所在单位（unit）"
STAFF_WHY_NOT_FOR_ROLE = "这个角色不用填"
STAFF_PASSWORD_SHOWN_ONCE = "密码只显示这一次，请当面或电话告诉本人，并请本人登录后妥善保管。"
STAFF_SHOWN_ONCE_NOT_KEPT = "（已在第一次回答中显示，没有保存；忘了请重置密码）"
STAFF_TEMPLATE_NOT_FOUND = "没有这条常用语"
STAFF_TEMPLATE_RETIRED_ONLY_ADMIN = "只有县级管理员能看停用的常用语"
STAFF_WHY_KINDS = "应为工单类型的列表，可选 {choices}"
STAFF_HOLIDAY_NOT_FOUND = "{day} 没有录入过"
STAFF_HOLIDAY_OUTSIDE_YEAR = "days 的值不对：{day} 不在 {year} 年内"
STAFF_HOLIDAY_TWICE = "days 的值不对：{day} 填了两次"
STAFF_HOLIDAY_WEEKDAY_WORKDAY = (
    "days 的值不对：{day} 是{weekday}，本来就上班，调休上班只填周六、周日"
)
STAFF_WHY_YEAR = "应为 2000 到 2100 年"
STAFF_WHY_DAY_KIND = "应为 holiday（放假）或 workday（调休上班）"
WEEKDAY_NAMES = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")

# Tickets (工单): what a request is called and where it stands ---------------------------

TICKET_KINDS = {
    "service": "代办申请",
    "complaint": "投诉",
    "suggestion": "建议",
    "help": "求助",
    "incident": "网格事件",
}
TICKET_STATUS = {
    "submitted": "待受理",
    "accepted": "已受理",
    "in_progress": "办理中",
    "resolved": "已办结",
    "closed": "已评价",
    "rejected": "不予受理",
    "withdrawn": "已撤回",
}
# Listed 1 to 5 so the number said is the score: "5" is the best, as with stars.
RATINGS = {1: "非常不满意", 2: "不满意", 3: "基本满意", 4: "满意", 5: "非常满意"}

# Pushed to the resident when staff move their request (through the outbox).
TICKET_PUSH = {
    "accept": "【已受理】受理编号 {number}（{title}）\n已受理，将在{due}前办结（{days}个工作日）。",
    "reject": "【不予受理】受理编号 {number}（{title}）\n原因：{note}\n有疑问请拨打 {hotline}。",
    "assign": "【办理中】受理编号 {number}（{title}）\n已转交{unit}办理。",
    "approve-extension": (
        "【延期】受理编号 {number}（{title}）\n办理时间延长到{due}。原因：{reason}"
    ),
    "reply": "【回复】受理编号 {number}（{title}）\n{note}",
    "resolve": (
        "【已办结】受理编号 {number}（{title}）\n办理结果：{note}\n请回复“评价”为这次办理打分。"
    ),
    "reopen": "【重新办理】受理编号 {number}（{title}）\n已安排重新办理，将在{due}前办结。",
    "return": "【重新安排】受理编号 {number}（{title}）\n正在重新安排办理单位，办结期限不变。",
    "auto-close": (
        "【已结束】受理编号 {number}（{title}）\n办结后7天没有评价，已自动结束。"
        "还有问题请回复“反映问题”。"
    ),
}
TICKET_PUSH_FIRST = "您反映的事项有新进展"
TICKET_PUSH_REMARK = "回复“查进度”查看详情。"
TICKET_DUE = "{month}月{day}日"
# How a day is written back to people: a date they gave, a day in a list.
DAY_FULL = "{year}年{month}月{day}日"
DAY_SHORT = "{month}月{day}日"
DAY_NUMERIC = "%Y-%m-%d"  # strftime: a notice's date beside its title

# The catalog file, as `township catalog import` reports it (for the county IT office).
CATALOG_PROBLEMS = {
    "json": "第{line}行不是一行合法的 JSON（{detail}）",
    "not_object": "第{line}行应是一个 JSON 对象 {{...}}",
    "missing": "第{line}行缺少“{field}”",
    "unknown_field": "第{line}行有不认识的字段“{field}”",
    "bad_value": "第{line}行“{field}”的值不对：{detail}",
    "duplicate": "第{line}行的编码 code 与第{detail}行重复",
    "empty": "文件里没有任何事项",
}
CATALOG_NOTHING_LOADED = "共 {count} 处问题，整个文件都没有导入，改好后请重新导入。"
CATALOG_LOADED = "目录已导入：共 {count} 项，新增 {added}，更新 {updated}，下架 {retired}。"
SCOREBOARD_REBUILT = "考核数据已按办理记录重新生成：共 {count} 件。"
STAFF_TICKET_NOT_FOUND = "没有这个受理编号"
STAFF_UNKNOWN_UNIT = "没有这个责任单位：{name}"
STAFF_NOT_A_HANDLER = "这个人不是{unit}的经办人"
STAFF_NO_SUCH_ACTION = "没有这个操作，可选：{actions}"
STAFF_NO_EXTENSION = "没有待批准的延期申请"
STAFF_EXTENSION_PENDING = "已有一个延期申请在等待批准"
STAFF_TICKET_CHANGED = "这张工单刚被别人改过，请刷新后再试"
STAFF_TICKET_WRONG_STATUS = "工单现在是“{status}”，不能{action}"
STAFF_ITEM_NOT_FOUND = "没有这个事项编码"
TICKET_ACTIONS = {
    "accept": "受理",
    "reject": "不予受理",
    "assign": "转办",
    "return": "退单",
    "request-extension": "申请延期",
    "approve-extension": "批准延期",
    "reply": "回复",
    "resolve": "办结",
    "reopen": "重办",
    "withdraw": "撤回",
    "rate": "评价",
    "submit": "提交",
    "auto-close": "到期自动结束",
    "urge": "催办",
    "supervise": "督办",
    "supervise-answer": "督办反馈",
    "supervise-close": "督办销号",
    "follow-up": "回访",
}
# Who took a step of a ticket's life when it was not a staff member (the console's
# timeline; a staff member is shown by name).
TICKET_ACTORS = {"resident": "群众", "system": "系统", "staff": "工作人员"}

# 办事 (finding a service and its 办事指南) -----------------------------------------------

CMD_RATE = ("评价", "打分", "我要评价")
SERVICE_FIND = (
    "请说您要办什么事，比如“我想办低保”“残疾人补贴怎么申请”，打字、语音都行；"
    "也可以回复数字按类别找："
)
SERVICE_NOT_FOUND = "没有找到和“{said}”有关的事项，请换个说法，或回复数字按类别找。"
SERVICE_PICK = "找到这些事项，请回复数字选择："
SERVICE_AREA = "“{area}”类的事项："
SERVICE_ITEM_GONE = "这个事项已经停止网上办理，请重新选择，或拨打电话咨询。"
SERVICE_HELP = (
    "说出要办的事就能找到，比如“我想办低保”；看完办事指南，回复“我要申请”就能在这里申请。"
)
GUIDE = (
    "【{name}】办事指南\n{summary}\n办理时限：{days}个工作日\n申请条件：{eligibility}\n"
    "所需材料：\n{materials}\n办理步骤：\n{steps}\n办理地点：{where}\n责任单位：{unit}\n"
    "{extras}咨询电话：{hotline}"
)
GUIDE_PROXY = "可由乡镇便民服务中心代办。\n"
GUIDE_HOME_VISIT = "行动不便的老人、残疾人可以申请上门服务。\n"
GUIDE_CHOICES = {"apply": "我要申请", "more": "更多"}
GUIDE_ALIASES = {"apply": ("申请", "办理", "我要办"), "more": ("下一页", "继续")}

# Applying and raising a problem: the steps every request shares ------------------------

CONSENT_REFUSED_REQUEST = (
    "好的，没有记录任何信息。不留信息也可以到乡镇便民服务中心办理，或拨打 {hotline}。"
)
REG_NAME = "请告诉我您的姓名："
REG_NAME_BAD = "姓名请用 2 到 20 个汉字或字母。"
REG_PHONE = "请告诉我您的手机号（11 位），办理中有事会打电话联系您："
REG_PHONE_BAD = "这个手机号不对，应是 1 开头的 11 位数字。"
NEED_DETAILS_AGAIN = "您的联系信息刚被删除了，需要重新填写才能提交。"

QUESTION_MARK = "（第{n}/{count}问）"
QUESTION_OPTIONAL = "（可以不填，回复“跳过”）"
QUESTION_PHOTO = "请拍照或从相册选一张照片发过来。"
QUESTION_PHOTO_BAD = "这一步请发一张照片。"
QUESTION_DATE = "请按“2026年3月5日”这样回复。"
QUESTION_MULTI = "可以选几个，比如回复“1 3”。"
WORDS_SKIP = ("跳过", "没有", "不填", "略过", "无")
ANSWER_SKIPPED = "（未填）"
ANSWER_PHOTO = "（已发照片）"
NUMBER_BAD = "请回复一个数字{range}。"
NUMBER_RANGE = "（{low} 到 {high}）"
DATE_BAD = "没有看懂这个日期，请按“2026年3月5日”这样回复。"
TEXT_TOO_LONG = "说得太长了，请简短一些（{limit}字以内）。"

SUMMARY_TITLE = "请核对：\n事项：{title}"
SUMMARY_CONTENT = "情况：{content}"
SUMMARY_ANSWER = "{q}：{a}"
SUMMARY_CONTACT = "联系人：{name} {phone}\n住址：{place}"
SUMMARY_PHOTOS = "照片{count}张"
SUMMARY_VOICES = "语音{count}条"
SUMMARY_LOCATION = "位置"
SUMMARY_EXTRAS = "已附：{extras}"
SUMMARY_ADD_MORE = "还可以发照片、语音或位置补充。"
SUBMIT_CHOICES = {"submit": "确认提交", "restart": "重新填写"}
# Words that also mean a choice. 确认/提交 submit a request or a report; a report also takes
# 好了/好 (a worker on the move), a request 对/是的/没错 (what a resident says to a summary).
WORDS_SUBMIT = ("确认", "提交")
WORDS_YES = ("对", "是的", "没错")
WORDS_REPORT_DONE = ("好了", "好")
WORDS_AGREE = ("好", "可以")
GOT_PHOTO = "收到照片。"
GOT_VOICE = "收到语音。"
GOT_LOCATION = "收到位置。"
TOO_MANY_FILES = "最多附 {limit} 个照片或语音。"
TICKET_CREATED = "已提交！受理编号：{number}\n请记下这个编号，查进度时用。\n{next}"
TICKET_NEXT_SERVICE = "乡镇便民服务中心受理后，{days}个工作日内办结；每一步都会发消息告诉您。"
TICKET_NEXT_FEEDBACK = "工作人员会尽快受理并处理，有进展会发消息告诉您。"
ALREADY_SUBMITTED = "您刚才已经提交过了，受理编号：{number}，不用重复提交。"

# 反映问题 ---------------------------------------------------------------------------------

FEEDBACK_KINDS = {
    "complaint": "投诉",
    "suggestion": "提建议",
    "help": "求助",
    "home": "上门服务（老人、残疾人）",
}
FEEDBACK_CATEGORIES = {
    "complaint": ("环境卫生", "道路交通", "邻里纠纷", "工作作风", "惠民资金", "其他"),
    "suggestion": ("村庄建设", "公共服务", "产业发展", "其他"),
    "help": ("生活困难", "看病就医", "安全隐患", "其他"),
    "home": ("代办证件", "代缴费用", "政策咨询", "其他"),
}
FEEDBACK_ASK_KIND = "您要反映什么？"
FEEDBACK_ASK_CATEGORY = "是哪方面的？"
FEEDBACK_ASK_CONTENT = "请把情况说一说，打字或发语音都行（什么时间、什么地方、什么事）："
FEEDBACK_CONTENT_SHORT = "请多说几句（至少 5 个字），好让工作人员弄清楚。"
FEEDBACK_HELP = "说清楚什么时间、什么地方、什么事；可以发照片和位置。提交后会给您受理编号。"

# 查进度 and 评价 ---------------------------------------------------------------------------

PROGRESS_TITLE = "您的事项（没办完的在前）："
PROGRESS_LINE = "{number} {title}【{status}】"
PROGRESS_HINT = "回复数字看详情，也可以直接发受理编号。"
PROGRESS_NONE = "您还没有提交过事项。回复“办事”或“反映问题”开始。"
PROGRESS_NOT_FOUND = "没有找到这个受理编号，请核对一下。"
DETAIL_HEAD = "受理编号：{number}\n事项：{title}\n状态：{status}\n提交：{created}"
DETAIL_HOLDER = "办理单位：{holder}"
DETAIL_TOWNSHIP_DESK = "{township}便民服务中心"
DETAIL_DUE = "办结期限：{due}{late}"
DETAIL_LATE = "（已超期，已督办）"
DETAIL_WAITING = "正在等待工作人员受理。"
DETAIL_REPLY = "最新回复：{reply}"
DETAIL_RESULT = "办理结果：{result}"
DETAIL_RATED = "您的评价：{rating}"
DETAIL_MORE = "…（完整内容见推送给您的消息）"
DETAIL_CHOICES = {"withdraw": "撤回", "rate": "评价", "list": "返回列表"}
WITHDRAW_ASK = "确定撤回 {number}（{title}）吗？撤回后不再办理。"
WITHDRAW_CHOICES = {"yes": "确定撤回", "no": "不撤回"}
WITHDRAW_NOTE = "群众撤回"
WITHDRAWN = "已撤回 {number}。"
WITHDRAW_TOO_LATE = "这件事刚刚已经受理，不能撤回了；有变化请拨打 {hotline}。"
RATE_NONE = "您现在没有等待评价的事项。"
RATE_NONE_HINT = "回复“菜单”回到主菜单。"
RATE_WHICH = "请选择要评价的事项："
RATE_ASK = "{number}（{title}）已办结。您对办理结果满意吗？"
RATE_COMMENT = "您选的是“{rating}”。还有什么想说的吗？直接回复；没有就回复“跳过”。"
RATE_COMMENT_REDO = "您选的是“{rating}”，这件事会重新办理。请说说哪里不满意（回复“返回”可以改选）："
RATE_THANKS = "谢谢您的评价！"
RATE_REDO = "很抱歉让您不满意。已安排重新办理，并报告督办，办理情况会再通知您。"
RATE_ALREADY = "这件事已经评价过了。"

# What people say: the words the intent decision reads (conversations.intents) --------
# Every list here is data: add a word and the phrase table in tests/test_intents.py says
# whether the decision got better or worse.

# Dialect and slips of one finger or of voice recognition, read as the usual word before
# anything else is looked at (longest first).
SAID_AS = {
    "俺们": "我们",
    "俺": "我",
    "咱家": "我家",
    "咋样": "怎么样",
    "咋整": "怎么办",
    "咋弄": "怎么弄",
    "咋": "怎么",
    "啥子": "什么",
    "啥": "什么",
    "木有": "没有",
    "没得": "没有",
    "莫得": "没有",
    "么有": "没有",
    "投述": "投诉",
    "投拆": "投诉",
    "头诉": "投诉",
    "偷诉": "投诉",
    "举抱": "举报",
    "举扳": "举报",
    "建意": "建议",
    "见议": "建议",
    "剑议": "建议",
    "建仪": "建议",
    "反应问题": "反映问题",
    "反应情况": "反映情况",
    "反应个": "反映个",
    "反应一下": "反映一下",
    "求住": "求助",
    "球助": "求助",
    "进渡": "进度",
    "近度": "进度",
    "进读": "进度",
    "尽度": "进度",
    "通之": "通知",
    "痛知": "通知",
    "同志": "通知",
    "政册": "政策",
    "正策": "政策",
    "定阅": "订阅",
    "订月": "订阅",
    "退定": "退订",
    "手机好": "手机号",
    "手鸡号": "手机号",
    "电话好": "电话号",
    "受里": "受理",
    "上们": "上门",
    "办里": "办理",
    "申清": "申请",
    "由门": "上门",
    "人公": "人工",
    "卫生间": "厕所",
    "茅房": "厕所",
    "茅厕": "厕所",
}
# Said before or between what people mean (voice adds them): dropped first.
FILLERS = (
    "嗯嗯",
    "嗯",
    "呃",
    "额",
    "那个",
    "这个",
    "就是说",
    "就是",
    "然后",
    "哎呀",
    "哎",
    "唉",
    "噢",
    "哦",
    "啊",
    "呀",
    "吧",
    "呢",
)
# Words that turn the next words round: "不想收通知" is 退订, "不是投诉" is no complaint.
# A regular expression; 不会/不知道/不懂 are not here: they ask for help, not the opposite.
NEGATION = (
    r"(?:不是|不想|不要|不用|没有要|没要|不再|不必|不需要|不打算|再也不|甭|"
    r"(?<![特区分级类性识告])别(?![人的处家])|不(?![会知懂明清了太到能行好错管给公合通]))"
)
# How far before a word a negation still reaches ("不想再收到通知": 3 characters).
NEGATION_REACH = 4
# Not wanting pushes is said at length ("不想再收到你们发的通知"): the reach there.
NEGATION_REACH_PUSH = 9
# Words that end a negation's reach: "不是投诉是建议" is a suggestion.
NEGATION_ENDS = r"是|但|而|可"

# One pattern per meaning (regular expressions over the words as read above).
# 受理编号 are found by conversations.answers.number_in.
INTENT_HUMAN = (
    r"人工|真人|找工作人员|工作人员.{0,3}(?:联系|打电话|回电)|客服|热线|电话多少|电话是多少|"
    r"打电话|找个人|找人|找谁|找.{0,3}(?:领导|负责人|干部)"
)
INTENT_HELP = (
    r"不会用|不会弄|不会操作|不会打字|不会搞|不会整|怎么用|怎么弄|怎么操作|看不懂|不懂|"
    r"看不明白|不明白|什么意思|不知道怎么|不知道咋|教教我|教我|帮帮我弄|能干什么|能做什么|干什么的|是干什么|有什么用|怎么玩"
)
INTENT_GREETING = (
    r"你好|您好|在吗|在不在|在没在|有人吗|有人在吗|有没有人|喂|哈喽|早上好|中午好|下午好|晚上好|早|"
    r"大家好|你们好"
)
# What may be left around a greeting or thanks that is still only a greeting or thanks.
GREETING_REST = r"你们|你|您|了|啊|呀|哈|啦|喽|嗯|哦|嘞|呐|大家|们|太|非常|真是|真|好的"
INTENT_THANKS = r"谢谢|感谢|多谢|谢了|辛苦了|麻烦了|知道了|明白了|再见|拜拜"
# Stopping pushes, said outright.
INTENT_STOP = (
    r"退订|取消订阅|取消通知|取消推送|不订阅|别发了|别再发|不要再发|不要发了|别推送|别推了|停止推送|关闭推送|关掉推送|"
    r"不想收|不要收|不收了|太多了|烦死|骚扰|打扰|屏蔽|别给我发"
)
# Pushes and notices: negated ("不想收通知"), they are a wish to stop.
INTENT_PUSH = r"推送|收通知|收到通知|发通知|收消息|发消息|收到消息|提醒|通知"
INTENT_SUBSCRIBE = r"订阅|想收|要收|接收|推送给我|发给我|通知我|订一下|订个"
INTENT_NOTICES = r"通知|政策|公告|文件|新闻|消息|有什么新|有没有新|新规定|惠民|宣传"
INTENT_PROGRESS = (
    r"进度|进展|查进|办到哪|到哪一步|到哪了|办好了没|办好没|办完了没|办完没|办了没|"
    r"怎么样了|怎么还没|咋还没|还没办|还没批|还没下来|还没有消息|有消息没|有没有消息|有结果|"
    r"结果出来|批下来|批了没|批了吗|批没批|批准了|通过了没|通过了吗|通过没|审核|审批|受理编号|"
    r"我申请的|我提交的|我反映的|我报的|我交的|我的申请|我的事|我那个事|我的那个|查一下我|查查我|"
    r"多久能办|多长时间能|什么时候能办|什么时候能批|什么时候下来|处理了没|处理得怎么样|"
    r"有人管没|回复了没|回复没|给个说法没"
)
# 反映问题 and its kinds, said outright.
INTENT_COMPLAINT = r"投诉|举报|告状|检举|揭发|控告|曝光"
# 反映: a problem, its kind not said.
INTENT_RAISE = r"反映问题|反映个问题|反映一下|反映个事|反映情况|反映"
INTENT_SUGGESTION = r"建议|提意见|提个意见|意见|想法|出个主意|提议"
INTENT_HELP_REQUEST = (
    r"求助|求救|帮帮我|帮帮忙|帮个忙|救救|帮一下|需要帮助|要帮助|请帮忙|求你们|求求|帮忙"
)
INTENT_HOME_VISIT = (
    r"上门|到家里|来家里|到我家来|来我家|到家来|上家里|家里来人|送上门|能来人|派人来|派个人来"
)
# A problem told as a story: any of these makes the words a complaint (or a call for help,
# or a suggestion), kept as the complaint's content.
STORY_PROBLEM = (
    r"坏了|坏掉|不亮|不通|漏水|漏雨|堵了|堵住|堵塞|臭|脏|乱扔|乱倒|乱堆|乱搭|乱建|乱停|乱收|"
    r"乱占|占道|占了|占用|吵|噪音|扰民|没人管|不管|没人修|没修|塌了|裂了|危险|隐患|着火|冒烟|"
    r"停水|没水|停电|没电|断水|断电|积水|淹了|污染|排污|垃圾|粪|打人|打架|骂人|吵架|欺负|偷|"
    r"丢了|被盗|诈骗|骗了|欠|拖欠|不给钱|不发|克扣|扣我|不公平|不公正|不合理|不透明|优亲厚友|"
    r"吃拿卡要|态度|刁难|推诿|不作为|不办事|收费|多收|收钱|要钱|好处费|野狗|狗咬|老鼠|蚊子|"
    r"坑|泥|路不好走|路太烂|年久失修|没有路灯|不让|挡着|放鞭炮|烧秸秆|焚烧|烟熏|味道大|停了|停发|"
    r"被取消|取消了|给取消|被停|被砍|没批|不给|不盖章|评不上|没评上|推来推去|老是坏|总是坏|又坏|"
    r"赌博|赌钱|吸毒|传销|偷电|偷水|怪味|异味|裂缝|怕塌|要塌|快塌|冒水|过期|假货|排到|灌到|"
    r"没发|少发|漏发|少给|没给|没到账|不到账|推脱|破了|淌水"
)
# Which kind a story most likely is when it does not say (a 投诉 otherwise).
STORY_HELP = (
    r"困难|没钱|穷|揭不开锅|吃不上饭|看不起病|住不起|生病|病了|住院|没人照顾|没人管我|孤寡|"
    r"一个人住|摔倒|摔了|瘫痪|下不了床|走不动|救济|急需|急用|走失|找不到了|失联|老人在家|留守|"
    r"老人没人管|没人管的老人"
)
STORY_HOME = (
    r"走不动|腿脚不好|腿脚不便|行动不便|下不了床|瘫痪|卧床|出不了门|腿不好|眼睛看不见|"
    r"年纪大了去不了"
)
STORY_SUGGESTION = (
    r"希望|最好|应该|能不能|可不可以|要是能|如果能|建个|修个|装个|增加|多安|多建|多装|多设|"
    r"盼着|盼望"
)
# Which category a story is in, by kind, the first that fits (else the last of the kind's).
STORY_CATEGORIES = {
    "complaint": {
        "环境卫生": (
            r"垃圾|臭|脏|乱扔|乱倒|乱堆|污水|排污|污染|粪|厕所|苍蝇|蚊子|老鼠|焚烧|烧秸秆|烟熏|味道"
        ),
        "道路交通": r"路|桥|路灯|坑|积水|占道|乱停|车|红绿灯|泥",
        "邻里纠纷": r"邻居|邻里|吵架|打架|骂人|欺负|宅基地|地界|地边|占了我",
        "工作作风": (
            r"态度|刁难|推诿|推脱|不作为|不办事|吃拿卡要|好处费|干部|村长|支书|工作人员|不理"
        ),
        "惠民资金": r"补贴|补助|低保|救助|钱|资金|不公平|优亲厚友|克扣|不发|拖欠|欠",
    },
    "suggestion": {
        "村庄建设": r"路|路灯|桥|广场|厕所|房|建|修|绿化|排水",
        "公共服务": r"医|学校|上学|车|公交|服务|办事|窗口|网|文化|书",
        "产业发展": r"种|养|产业|合作社|企业|打工|就业|技术|销路|市场",
    },
    "help": {
        "生活困难": r"困难|没钱|穷|吃不上|住不起|揭不开锅|孤寡|没人照顾",
        "看病就医": r"病|医|住院|药|看不起",
        "安全隐患": r"危险|隐患|塌|裂|着火|冒烟|漏电|走失",
    },
    "home": {
        "代办证件": r"证|卡|户口|身份",
        "代缴费用": r"缴|交钱|交费|费",
        "政策咨询": r"政策|咨询|问问",
    },
}
# Words around a story that are not the story: what is left must be worth keeping.
STORY_NOT_CONTENT = (
    r"不知道|怎么|不会|如何|在哪|哪里|派人|派个人|我要|我想|想要|我有|有个|一个|一下|个|问题|"
    r"事情|事儿|事|情况|村里|我|要|想|说|给你们|向你们|你们|能不能|可以|吗|了|的|点"
)
# 我的 and its parts. 我的 alone (or with 信息/资料) is the screen; "我的事" is 查进度.
INTENT_MINE = r"^我的$|我的信息|我的资料|个人信息|我的账号|我的账户|我的主页|个人中心|我留的信息"
INTENT_MINE_PHONE = (
    r"(?:换|改|变|错|新|更换|更改|修改).{0,4}(?:手机|电话)|"
    r"(?:手机|电话).{0,4}(?:换|改|变|错|不用了|停了|新)"
)
INTENT_MINE_VILLAGE = (
    r"搬家|搬到|(?:换|改|变|错|修改|更改).{0,4}(?:村|住址|地址|乡镇)|"
    r"(?:村|住址|地址).{0,3}(?:换|改|变|错|填错|选错)"
)
INTENT_MINE_NAME = r"(?:改|错|修改|更改).{0,3}(?:名字|姓名)|(?:名字|姓名).{0,3}(?:改|错|写错|打错)"
INTENT_MINE_DELETE = (
    r"删除.{0,4}(?:信息|资料|我)|删掉.{0,4}(?:信息|资料)|(?:信息|资料).{0,3}(?:删|注销)|"
    r"注销账号|注销我|清除我的"
)
# 办事, said outright (the catalog search then finds which).
INTENT_SERVICE = (
    r"办事|办个事|办点事|办件事|办理|办手续|怎么办理|怎么申请|申请|要什么材料|需要什么材料|带什么|"
    r"材料|手续|流程|条件|怎么办|在哪办|去哪办|哪里办|能办|能不能办|补办|领取|怎么领|去哪领"
)

# What a message meant, answered (conversations.flows.route) ----------------------------

HELP_PLAIN = (
    "不用记数字，直接说想办的事就行，打字、发语音都可以。比如：\n"
    "· 办事：“我想办低保”“残疾证怎么办”\n"
    "· 反映问题：“村里路灯坏了好几天了”\n"
    "· 查进度：“我的事办得怎么样了”，或者说出受理编号\n"
    "· 政策通知：“最近有什么新政策”；不想收通知，说“不想收通知了”\n"
    "· 我的：“我换手机号了”\n"
    "实在不会，回复“人工”找工作人员。"
)
EITHER_ASK = "您是要："
EITHER_CHOICES = {"feedback": "反映{named}的问题", "service": "了解怎么申请{named}"}
PROGRESS_NONE_FOR = "没有找到您申请“{name}”的记录。"
FEEDBACK_KIND_NAMES = {
    "complaint": "投诉",
    "suggestion": "建议",
    "help": "求助",
    "home": "上门服务",
}
FEEDBACK_STORY_ASK = "记下了您说的：“{content}”\n这件事按“{kind}”提交，对吗？"
FEEDBACK_STORY_YES = "对，按“{kind}”提交"
FEEDBACK_STORY_OTHER = "改成“{kind}”"
WORDS_RIGHT = ("对", "是", "是的", "对的", "没错", "对对", "嗯对", "可以", "行", "好")

# Words that mean the bot's own menu, never a name or a comment.
RESERVED_WORDS = (*MENU_ITEMS.values(), *CMD_RATE, *GREETINGS, *THANKS)
STAFF_GRID_NOT_FOUND = "没有这个网格"
STAFF_WORKER_NOT_FOUND = "这个网格没有这位网格员"
STAFF_OUTSIDE_GRIDS = "只能管理本辖区（{township}）的网格"
STAFF_GRID_CODE_TAKEN = "网格编码 {code} 已经有了"
STAFF_INVITE_HOW = (
    "请网格员在公众号里发送“绑定 {code}”，或扫描用这个场景值生成的二维码；"
    "72小时内有效，只能用一次。"
)

# Grid workers (网格员) ------------------------------------------------------------------

BIND_DONE = "绑定成功！您现在是“{grid}”的网格员，菜单已换成网格员菜单。"
BIND_ALREADY = "您已经是“{grid}”的网格员了。"
BIND_UNKNOWN = "这个绑定码不对，请核对后再发，比如“绑定 123456”。"
BIND_EXPIRED = "这个绑定码已经过期（72小时内有效），请找乡镇工作人员重新生成。"
BIND_USED = "这个绑定码已经用过了，每个码只能用一次，请找乡镇工作人员重新生成。"
BIND_TOO_MANY = "绑定码错了太多次，请一小时后再试，或找乡镇工作人员帮忙。"
GRID_MENU_TITLE = "网格员菜单，请回复数字选择（直接发照片、位置或语音也能上报）："
GRID_MENU_ITEMS = {
    "report": "事件上报",
    "mine": "我的上报",
    "events": "网格事件",
    "visit": "走访登记",
    "resident": "群众服务（办事、查进度等）",
}
GRID_CATEGORIES = {
    "dispute": "矛盾纠纷",
    "hazard": "安全隐患",
    "sanitation": "环境卫生",
    "security": "治安问题",
    "care": "特殊人群关爱",
    "facility": "设施损坏",
    "other": "其他",
}
# What a report's words say of its category (GRID_CATEGORIES' keys): guessed when the words
# fit exactly one, asked otherwise; and words that make it urgent (not when calmed).
GRID_CATEGORY_WORDS = {
    "dispute": r"吵|打架|打起来|纠纷|矛盾|争执|闹事|骂|宅基地|地界|地边|邻里|分家|赡养",
    "hazard": (
        r"隐患|危险|冒烟|着火|起火|失火|火灾|漏电|电线|变压器|燃气|煤气|漏气|塌|裂缝|裂了|危房|"
        r"歪了|要倒|快倒|溺水|落水|井盖|滑坡"
    ),
    "sanitation": r"垃圾|污水|臭|脏|卫生|粪|乱倒|乱堆|乱扔|焚烧|烧秸秆|死猪|死鸡|苍蝇|老鼠",
    "security": r"偷|盗|小偷|贼|赌|诈骗|骗子|可疑|陌生人|传销|吸毒",
    "care": r"独居|空巢|留守|孤寡|五保|残疾|走失|没人照顾|没人管|精神病|低保户",
    "facility": r"路灯|坏了|破损|损坏|水管|管道|路面|坑|桥|护栏|停水|停电|堵了",
}
GRID_URGENT_WORDS = r"紧急|急|马上|立刻|赶紧|快点|着火|起火|失火|有人受伤|受伤|流血|溺水|要倒|快倒"
GRID_CALM_WORDS = r"不急|不紧急|不着急|不用急|一般"
# At the summary, what changes a report's urgency (the category: its name).
GRID_SAY_URGENT = ("紧急", "紧急，马上处理", "很急", "急", "改成紧急")
GRID_SAY_NORMAL = ("一般", "不急", "不紧急", "改成一般")
GRID_ASK_CATEGORY = "上报什么事？"
GRID_ASK_WORDS = "简单说说情况（打字或发语音）："
GRID_WORDS_SHORT = "请多说几个字。"
GRID_ASK_PHOTO = "请拍一张现场照片发过来（可以发几张）；没有照片回复“跳过”。"
GRID_ASK_LOCATION = "请发送位置（点“+”选“位置”），或说出地点；就在自己网格里，回复 1："
GRID_IN_GRID = ("就在网格里", "网格里", "本网格", "就在这")
GRID_LOCATION_NEEDED = "请发送位置、说出地点，或回复 1（就在网格里）。"
GRID_GOT_PHOTO = "收到照片（共{count}张）。"
GRID_SUMMARY = "请核对：\n类别：{category}\n情况：{words}\n照片：{photos}张\n位置：{place}"
GRID_SUMMARY_URGENT = "紧急：是，会马上通知值班人员（不急请回复“一般”）"
GRID_SUMMARY_NORMAL = "紧急程度：一般（紧急请回复“紧急”）"
GRID_SUMMARY_GUESSED = "类别是按您说的事定的，不对请回复正确的类别，如“安全隐患”。"
GRID_PLACE_PIN = "已发送的位置"
GRID_ADD_MORE = "还可以再发照片或语音补充。"
GRID_TICKET_TITLE = "网格事件：{category}"
GRID_REPORTED = "已上报！受理编号：{number}\n乡镇会尽快处理，进展会发消息告诉您。"
GRID_NOT_BOUND = "您现在不是网格员了，上报没有提交；有事请用“反映问题”。"
GRID_MY_REPORTS = "我的上报（最新在前）："
GRID_NO_REPORTS = "您还没有上报过事件。"
GRID_EVENTS = "本网格未办完的事件："
GRID_NO_EVENTS = "本网格现在没有未办完的事件。"
GRID_REPORT_HELP = "照片、位置、语音可以随时发，先发后发都行；缺什么我会再问。"
STAFF_FILE_NOT_FOUND = "没有这个附件（或还没有取回）"
STAFF_LINK_DONE = "已把这个微信绑定到工作人员账号 {username}：值班时，紧急上报会发到这里。"
STAFF_LINK_BAD = "这个工作人员绑定码不对或已过期（30分钟内有效），请在工作台重新生成。"
STAFF_LINK_HOW = "请用自己的微信给公众号发送“绑定 {code}”，30分钟内有效。"
STAFF_ALERT = (
    "【紧急上报】{township}{grid}网格员上报“{category}”：{words}\n受理编号 {number}，请尽快处理。"
)
STAFF_ALERT_FIRST = "紧急事件，请尽快处理"
# Every new request, to the staff on duty who asked for them (their 新诉求提醒 switch).
STAFF_NEW_TICKET = "【新诉求】{township}收到群众诉求：{number}“{title}”，请及时受理。"
STAFF_NEW_TICKET_FIRST = "有新的群众诉求"
# Reminders and 催办 to staff, on working days within the working day ([supervision]):
# due soon (预警), overdue (超期, daily), escalated to a 督办单, a 督办单 not answered.
REMIND_FIRST = "工单提醒"
URGE_FIRST = "催办通知"
SUPERVISE_FIRST = "督办通知"
REMIND_ACCEPT_SOON = "【待受理】{township}的群众诉求{number}“{title}”请在{due}前受理（首问负责）。"
REMIND_SOON = "【即将到期】工单{number}“{title}”将于{due}到期，请抓紧办理。"
URGE_ACCEPT = "【催办】群众诉求{number}“{title}”已超过受理时限{days}个工作日仍未受理，请尽快受理。"
URGE = "【催办】工单{number}“{title}”已超期{days}个工作日（期限{due}），请尽快办结。"
ESCALATED = (
    "【督办】工单{number}“{title}”超期{days}个工作日，已发出督办单，请在{answer_by}前反馈办理情况。"
)
ESCALATE_REASON = "超期{days}个工作日仍未办结，系统自动督办。"
URGE_ORDER = (
    "【督办催办】工单{number}“{title}”的督办单要求{answer_by}前反馈，至今未反馈，请尽快反馈。"
)
# A 催办's note on the ticket's timeline.
URGE_NOTE = "超期{days}个工作日，已提醒：{who}"
URGE_ORDER_NOTE = "督办单逾期未反馈，已提醒：{who}"
URGE_NOBODY = "（无人绑定微信）"
# The weekly digest to supervisors and leads (notifications.digest).
DIGEST_FIRST = "上周工作简报"
DIGEST_COUNTY = "全县"
DIGEST_NONE = "—"
DIGEST_PERIOD = "{start:%Y-%m-%d}至{end:%Y-%m-%d}"
DIGEST = (
    "【上周简报】{place}（{start}至{end}）：受理{accepted}件，办结{resolved}件，"
    "按期办结率{on_time}，满意率{satisfied}。现在超期未办结{overdue}件，"
    "待反馈的督办单{orders}件。详情请到工作台查看：{link}"
)
VISIT_GROUPS = {
    "left_behind_child": "留守儿童",
    "child_in_need": "困境儿童",
    "elderly": "高龄老人",
    "disabled": "残疾人",
    "other": "其他需要关爱的人",
}
VISIT_ASK_GROUP = "走访的是哪类人员？"
VISIT_ASK_PERSON = "走访对象的姓名："
VISIT_PERSON_BAD = "请写姓名（2 到 20 个字）。"
VISIT_ASK_WHEN = "哪天走访的？回复“今天”“昨天”，或像“11月20日”这样："
VISIT_WHEN_BAD = "请回复走访的日期（最近{days}天内），比如“今天”或“11月20日”。"
VISIT_ASK_FINDINGS = "看到了什么情况（打字或语音）："
VISIT_ASK_HEALTH = "身体情况怎样？没有特别的回复“跳过”："
VISIT_ASK_HELP = "需要乡镇帮忙吗？"
VISIT_HELP_CHOICES = {"yes": "需要帮忙", "no": "不需要"}
VISIT_SUMMARY = (
    "请核对走访登记：\n{when} {group} {person}\n情况：{findings}\n身体：{health}\n需要帮忙：{help}"
)
VISIT_SAVED = "走访已登记，记入本网格台账。"
STAFF_VISITS_PRIVATE = "仅本乡镇工作人员可见"
GRID_PHOTOS_FULL = "照片最多{limit}张，这张没有收。"
GRID_GOT_WORDS = "记下了。"
GRID_VOICE_ONLY = "（语音）"
GRID_UNBOUND_NOTICE = "您已不是网格员，刚才的事项已经结束。有事请用“反映问题”。"
GRID_ASK_WHICH = "是哪个网格的事？"
GRID_NOBODY_ON_DUTY = "现在没有值班人员在线，情况紧急请马上拨打 {hotline}。"

# The staff console (/console) -------------------------------------------------------------
# Every label, heading and sentence of its pages, read by the templates as w.<name>.
CONSOLE: dict[str, str] = {
    "brand": "便民服务工作台",
    "home": "工作台",
    "queue": "工单",
    "notices": "通知公告",
    "grids": "网格",
    "catalog": "办事指南",
    "scoreboard": "考核",
    "staff": "人员",
    "templates": "常用语",
    "holidays": "节假日",
    "help": "帮助",
    "sign_in": "登录",
    "sign_out": "退出",
    "username": "用户名",
    "password": "密码",
    "sign_in_title": "工作人员登录",
    "sign_in_hint": "用县里发给您的用户名和密码登录。忘记密码请找县管理员重置。",
    "session_over": "登录已过期，请重新登录。",
    "signed_out": "您已退出。",
    "hello": "您好，{name}",
    "on_duty": "值班",
    "on_duty_on": "正在值班：紧急的网格上报会推送到您绑定的微信。",
    "on_duty_off": "没有值班。",
    "duty_start": "开始值班",
    "duty_stop": "结束值班",
    "new_requests_on": "值班时每一件新诉求都会推送到您的微信。",
    "new_requests_off": "值班时只推送紧急的网格上报。",
    "new_requests_start": "新诉求也推送给我",
    "new_requests_stop": "只推送紧急上报",
    "duty_needs_link": "先绑定微信才能值班：向公众号发送“绑定 {code}”（{minutes}分钟内有效）。",
    "link_code": "绑定微信",
    "link_code_get": "取绑定码",
    "link_code_hint": "用自己的微信向公众号发送“绑定 {code}”，{minutes}分钟内有效。",
    "linked": "已绑定微信",
    "filters": "筛选",
    "filter_apply": "筛选",
    "filter_clear": "清除",
    "status": "状态",
    "kind": "类别",
    "township": "乡镇",
    "village": "村/社区",
    "unit": "责任单位",
    "grid": "网格",
    "urgent": "紧急",
    "deadline": "时限",
    "due": "到期",
    "from": "从",
    "to": "到",
    "text": "关键词",
    "text_hint": "标题、内容或受理编号",
    "any": "全部",
    "open": "未办结",
    "yes": "是",
    "no": "否",
    "number": "受理编号",
    "title": "标题",
    "created": "提交时间",
    "none": "没有符合条件的工单。",
    "more": "下一页",
    "first_page": "回到第一页",
    "new_arrived": "有新工单",
    "select": "选择",
    "select_all": "全选",
    "bulk_assign": "把选中的工单转办到",
    "bulk_assign_go": "转办",
    "bulk_none": "请先勾选要转办的工单。",
    "bulk_done": "已转办 {done} 件。",
    "bulk_failed": "{number}：{why}",
    "back_to_queue": "返回工单列表",
    "content": "群众原话",
    "answers": "填写的内容",
    "location": "位置",
    "map_place": "地点",
    "contact": "联系人",
    "contact_masked": "联系方式已隐去（只有经办人可见）",
    "photos": "照片",
    "voice": "语音",
    "download": "下载",
    "file_pending": "正在从微信取回",
    "file_failed": "未能取回：{why}",
    "timeline": "办理经过",
    "rating": "评价",
    "not_rated": "还没有评价",
    "item": "事项",
    "handler": "办理人",
    "accepted_by": "首问负责人",
    "time_limit": "办理时限",
    "days": "{days}个工作日",
    "result": "办理结果",
    "last_reply": "最近回复",
    "extension_waiting": "申请延期 {days} 个工作日：{reason}",
    "redo": "重办 {count} 次",
    "flagged": "需督办关注",
    "home_visit": "需要上门服务",
    "actions": "办理",
    "no_actions": "您对这件工单没有可做的操作。",
    "done": "已{action}。",
    "gone": "已{action}，这件工单已不在您的列表里。",
    "reason": "原因",
    "note": "备注（可不填）",
    "reply_text": "回复内容（群众会收到）",
    "result_text": "办理结果（群众会收到）",
    "days_label": "延长几个工作日",
    "handler_label": "办理人用户名（可不填）",
    "templates_pick": "常用语",
    "templates_none": "（不用常用语）",
    "forbidden": "您没有权限做这件事。",
    "csrf": "页面已过期或来源不明，操作没有执行。请刷新页面后再试。",
    "not_found": "没有找到这个页面，或者它不在您的管辖范围内。",
    "ticket_not_found": "没有找到这件工单，或者它不在您的管辖范围内。",
    "error_title": "出错了",
    "unavailable": "系统暂时忙，请稍后再试。",
    "skip": "跳到正文",
    "menu": "菜单",
    "page_of": "第 {page} 页",
    "due_filter_overdue": "已超期",
    "due_filter_soon": "即将到期",
    "supervision": "督办",
}
CONSOLE_ROLES = {
    "county_admin": "县管理员",
    "township_staff": "乡镇工作人员",
    "department_handler": "部门办理人",
    "supervisor": "督办人员",
}
CONSOLE_COUNTS = {
    "submitted": "待受理",
    "working": "办理中",
    "due_soon": "即将到期",
    "overdue": "已超期",
    "extension": "待审批延期",
}
CONSOLE_DEADLINE_STATE = {"normal": "正常", "due_soon": "预警", "overdue": "超期"}
# The console's help page (帮助): what a new clerk needs on their first day. Each section
# is a heading, its paragraphs, and the screenshot the browser tests take of it (or "").
CONSOLE_HELP = [
    (
        "登录",
        [
            "用县管理员给您的用户名和密码登录。第一次用，请县管理员在“人员”里为您开账号。",
            "连续输错密码，系统会让您等一会儿再试，这是为了防止别人猜密码；等提示的秒数过后再输就可以。",
            "两个小时不操作会自动退出，登录满十二小时也要重新登录。离开电脑时请点右上角“退出”。",
        ],
        "login-phone.png",
    ),
    (
        "工作台",
        [
            "登录后先看到工作台：待受理、办理中、即将到期、已超期、待审批延期各有多少件。点一个数字，就列出这些工单。",
            "乡镇工作人员可以在这里“开始值班”：值班时，网格员上报的紧急情况会推送到您绑定的微信。先点“取绑定码”，用自己的微信向公众号发送“绑定”和这个码。",
        ],
        "home-desktop.png",
    ),
    (
        "工单列表",
        [
            "“工单”里是您管辖范围内群众和网格员提交的所有事项，新的在最上面。群众在微信上刚提交的事项，几秒钟内会自己出现在列表顶上，不用刷新。",
            "点“筛选”可以按状态、类别、村、责任单位、网格、是否紧急、是否超期或即将到期、日期和关键词查找。受理编号也可以直接填在关键词里。",
            "左边的颜色表示时限：绿色正常，黄色即将到期（预警），红色已超期。",
            "勾选几件工单，在下面选责任单位，点“转办”，可以一次转给同一个部门。",
        ],
        "queue-desktop.png",
    ),
    (
        "办理一件工单",
        [
            "点工单标题进入详情：群众的原话、填写的内容、照片（点开看大图）、语音、位置、联系人和每一步的办理经过都在这里。",
            "页面下方“办理”里只列出您现在能做的操作：受理、不予受理、转办、回复、申请延期、办结等。填好原因或回复内容后点按钮；群众会在微信上收到通知。",
            "联系人的电话只有经办人能看到完整号码，每次查看都会留下记录。",
            "如果操作不了，页面上方会用一句话说明原因，比如这件工单已经被别人受理了。",
        ],
        "ticket-phone.png",
    ),
    (
        "发布通知公告",
        [
            "在“通知公告”里写一条通知：标题、正文、类别，发给全县、本乡镇或某个村。先存为草稿，看过无误再点“发布”。",
            "发布后，订阅了这类通知的群众会在微信上收到；应急预警发给范围内的所有人。",
            "每条通知都有送达报告：按渠道统计送到了多少人，没送到的按原因统计，还有一张按时间的送达图。没送到的可以点“重发”。",
        ],
        "notice-report-desktop.png",
    ),
    (
        "网格和网格员",
        [
            "在“网格”里可以看到本乡镇的网格和网格员。要让一位网格员上岗，进入网格，点“生成绑定码和二维码”，把打印页交给他；他用微信向公众号发送“绑定”和绑定码就绑好了。",
            "网格员不再负责某个网格时，点“解除某某的网格员身份”。走访台账里群众的姓名和电话按规定隐去。",
        ],
        "grid-invite-desktop.png",
    ),
    (
        "县管理员：人员、常用语、节假日",
        [
            "“人员”里为新同事开账号：选角色、乡镇或单位，密码由系统生成，只显示这一次，请当面告诉本人。同事离职时点“停用”，他在所有地方立即退出登录。",
            "“常用语”里的话，办理人在回复群众时可以直接选用，也可以只给某几类工单用。",
            "“节假日”里录入国务院公布的每年放假和调休安排。工作台上出现提醒时，说明明年的安排还没录入，办理时限可能算错。",
        ],
        "",
    ),
    (
        "督办和回访",
        [
            "督办就是催着把事办好：一件工单超期了，或者群众反映了多次，督办人员给负责的单位发一张督办单，写明为什么督办、哪天前要答复。单位办了以后要写反馈，督办人员核实后销号，这件事才算了结。",
            "督办人员和县管理员在工单详情下方的“督办”里写明督办事由，发出督办单；反馈期限不填，就按工作日自动算。超期太久的工单，系统也会自动发督办单。",
            "收到督办单的单位，在“工单”列表最上面和工作台上都能看到待反馈的督办单，红色的是已过反馈期限的。点开督办单，写明办理情况，点“提交反馈”。",
            "督办人员核实反馈后点“销号”。督办、反馈、销号每一步都记在工单的办理经过里。",
            "工单办结后，乡镇工作人员在工单详情下方“回访”里记下怎么联系的、问题解决了没有、群众满不满意。群众已经在微信上评价过的，按群众自己的评价记录。回访发现没有解决，工单会重新办理，群众也会收到通知。",
        ],
        "supervision-desktop.png",
    ),
    (
        "考核",
        [
            "考核就是看一段时间里各乡镇、各单位、各经办人把群众的事办得怎么样：受理了多少件，按期办结的占多少，群众满意的占多少，回访了多少，有没有退单、延期、重办，被催办、督办了几次，受理后多久开始处理。数字都从每件工单的办理经过里算出来，过去哪个月都能重新算。",
            "点上面的“本月”“上月”“本季度”，或者填好开始日期和结束日期点“查看”。再点“按乡镇”“按责任单位”“按经办人”，换一种分法。每个人只看得到自己管辖范围内的数字。",
            "表格下面有两张图：每周受理多少件、按期办结率多少；各组的满意率。每个数字怎么算，写在页面最下面的“指标说明”里。",
            "受理量太少的单位只列出、不排名，免得几件工单就定了高低。点“导出Excel”，把这张表下载下来，可以直接报给县里。",
        ],
        "scoreboard-desktop.png",
    ),
]
# The county admin's console pages: 人员, 常用语, 节假日.
CONSOLE_ADMIN = {
    "accounts_title": "人员",
    "account_new": "新建账号",
    "account_create": "建立账号",
    "password_optional": "密码（不填则自动生成）",
    "created": "账号 {username} 已建立。",
    "password_once": "{username} 的密码：{password}",
    "disable": "停用",
    "enable": "启用",
    "reset": "重置密码",
    "disabled_done": "{username} 已停用，已在所有地方退出登录。",
    "enabled_done": "{username} 已启用。",
    "reset_done": "{username} 的密码已重置。",
    "lead": "设为负责人",
    "not_lead": "取消负责人",
    "is_lead": "负责人（收每周简报）",
    "lead_done": "{username} 已设为负责人，每周一会收到本单位的简报。",
    "not_lead_done": "{username} 不再是负责人。",
    "active": "在用",
    "inactive": "已停用",
    "last_login": "上次登录",
    "never": "从未登录",
    "role": "角色",
    "place": "乡镇/单位",
    "state": "状态",
    "none_listed": "没有符合条件的账号。",
    "township_hint": "乡镇工作人员必填；督办人员不填即全县",
    "unit_hint": "部门办理人必填",
    "templates_title": "常用语",
    "template_new": "新增常用语",
    "template_add": "添加",
    "template_save": "保存修改",
    "template_retire": "停用",
    "template_title": "名称",
    "template_text": "内容",
    "template_kinds": "适用类别（都不选即全部）",
    "template_all_kinds": "全部类别",
    "template_retired": "已停用",
    "show_retired": "显示已停用的",
    "template_added": "已添加。",
    "template_saved": "已保存。",
    "template_retired_done": "已停用。",
    "templates_none": "还没有常用语。",
    "holidays_title": "节假日",
    "holidays_year": "年份",
    "holidays_show": "查看",
    "holidays_known": "系统已知道 {year} 年的放假安排；这里录入的日子会覆盖它。",
    "holidays_unknown": (
        "系统还不知道 {year} 年的放假安排：请按国务院办公厅的通知录入，"
        "否则办理时限只按周一到周五、除元旦劳动节国庆计算。"
    ),
    "holidays_entered": "已录入的日子",
    "holidays_none": "这一年还没有录入。",
    "holidays_form": "录入 {year} 年的放假安排（会替换这一年已录入的全部日子）",
    "holidays_lines_holiday": "放假的日子：每行一天，日期和名称，例如 2027-02-06 春节",
    "holidays_lines_workday": "调休上班的日子（周末上班）：每行一天，例如 2027-02-14 春节调休",
    "holidays_save": "保存",
    "holidays_saved": "已保存，所有工单的办理时限马上按新安排计算。",
    "holidays_removed": "已删除 {day}。",
    "holidays_remove": "删除",
    "holidays_line_bad": "第 {line} 行看不懂：请写“日期 名称”，日期像 2027-02-06。",
    "holiday": "放假",
    "workday": "上班",
    "holidays_warning": "{years} 年的节假日还没有录入，相关工单的办理时限可能算错。",
    "holidays_warning_link": "去录入",
}

# The console's 网格 and 办事指南 pages (bot/console/grids.py, bot/console/catalog.py) -------
CONSOLE_GRIDS = {
    "grids_title": "网格",
    "grids_intro": "本辖区的网格和网格员。给新网格员生成绑定码，打印出来交给他。",
    "grids_none": "没有网格。",
    "grid_code": "网格编码",
    "grid_place": "默认上报地点",
    "grid_open": "进入",
    "grid_workers": "网格员",
    "grid_workers_count": "{count} 名网格员",
    "grid_no_workers": "还没有网格员。",
    "grid_not_found": "没有找到这个网格，或者它不在您的管辖范围内。",
    "back_to_grids": "返回网格列表",
    "worker_name": "姓名",
    "worker_unnamed": "（没有留姓名）",
    "worker_wechat": "微信",
    "worker_bound_at": "绑定时间",
    "unbind_button": "解除 {name} 的网格员身份",
    "unbind_hint": "解除后，这位网格员马上变回普通群众，不能再上报网格事件、登记走访。",
    "unbound_done": "已解除绑定，这位网格员现在是普通群众了。",
    "invite_section": "新网格员",
    "invite_hint": "生成一次性绑定码和二维码（{hours}小时内有效，只能用一次），打印后交给网格员。",
    "invite_button": "生成绑定码和二维码",
    "invite_title": "网格员绑定码",
    "invite_code": "绑定码",
    "invite_grid": "网格",
    "invite_expires": "有效期至",
    "invite_how": "怎么用",
    "invite_step_follow": "用微信关注我们的公众号。",
    "invite_step_send": "在公众号里发送：绑定 {code}",
    "invite_step_scan": "也可以用微信“扫一扫”扫上面的二维码，把识别出的文字复制下来，发给公众号。",
    "invite_step_done": "收到“绑定成功”后，公众号的菜单就换成网格员菜单。",
    "invite_once": "{hours}小时内有效，只能用一次；用过或过期了，请找乡镇工作人员重新生成。",
    "invite_print": "用浏览器的“打印”打印这一页，剪下来交给网格员。",
    "invite_png": "下载二维码图片",
    "invite_gone": "这个绑定码已经用过或过期了，请重新生成。",
    "qr_text": "绑定 {code}",
    "qr_alt": "二维码，内容是“绑定 {code}”",
    "visits_title": "走访台账：{grid}",
    "visits_open": "走访台账",
    "visits_none": "还没有走访记录。",
    "visits_masked": "走访对象的姓名、情况和身体只给本乡镇工作人员看，这里已隐去。",
    "visits_audited": "每次查看台账都会记录查看人和时间。",
    "visit_when": "走访日期",
    "visit_group": "人员类别",
    "visit_person": "走访对象",
    "visit_findings": "情况",
    "visit_health": "身体",
    "visit_help": "需要乡镇帮忙",
    "visit_worker": "网格员",
}
CONSOLE_CATALOG = {
    "catalog_title": "办事指南",
    "catalog_search": "查找事项",
    "catalog_search_hint": "用群众的说法也行，比如“吃低保”“残疾人补贴怎么申请”",
    "catalog_search_go": "查找",
    "catalog_area": "领域",
    "catalog_all_areas": "全部领域",
    "catalog_found": "和“{words}”有关的事项：",
    "catalog_found_none": "没有找到和“{words}”有关的事项。换个说法，或按领域找。",
    "catalog_area_items": "“{area}”类的事项：",
    "catalog_area_none": "这个领域还没有事项。",
    "catalog_pick": "按领域找，或输入群众的说法查找。",
    "catalog_retired": "已停用",
    "catalog_not_found": "没有找到这个事项。",
    "back_to_catalog": "返回办事指南",
    "item_code": "事项编码",
    "item_name": "事项名称",
    "item_area": "领域",
    "item_aliases": "群众常说的叫法",
    "item_summary": "是什么",
    "item_eligibility": "谁能办",
    "item_materials": "要带的材料",
    "item_steps": "办理步骤",
    "item_time_limit_days": "办理时限（工作日）",
    "item_unit": "责任单位",
    "item_where": "在哪办",
    "item_proxy": "乡镇代办",
    "item_home_visit": "上门服务",
    "item_active": "群众能看到（启用）",
    "item_questions": "申请时要问的问题",
    "item_questions_none": "不用另外问。",
    "item_days": "{days}个工作日",
    "item_edit": "修改这个事项",
    "edit_title": "修改事项：{name}",
    "edit_one_per_line": "一行一条",
    "edit_questions_note": "申请时要问的问题不在这里改，请用导入目录文件修改。",
    "edit_save": "保存修改",
    "edit_cancel": "不改了，返回",
    "edit_saved": "已保存。群众在公众号里看到的是改好的内容。",
    "edit_fix": "没有保存，有一处要改：",
    "why_empty": "“{label}”不能空着。",
    "why_too_long": "“{label}”最多 {limit} 个字。",
    "why_too_many": "“{label}”最多 {limit} 条。",
    "why_too_few": "“{label}”至少要有 {limit} 条。",
    "why_number": "“{label}”请填 {low} 到 {high} 之间的整数。",
    "why_choice": "“{label}”请从列表里选。",
}

# The console's 通知公告 pages (bot/console/notices.py; templates read them as ``n``).
CONSOLE_NOTICES: dict[str, str] = {
    "title": "通知公告",
    "new": "写通知",
    "none": "还没有通知。",
    "read_only": "您可以查看通知和送达情况；写通知和发布由乡镇工作人员和县管理员负责。",
    "more": "下一页",
    "first_page": "回到第一页",
    "back": "返回通知列表",
    "not_found": "没有找到这条通知，或者它不在您的管辖范围内。",
    "cannot_write": "您的角色不能写通知。",
    "state_draft": "草稿",
    "state_published": "已发布",
    "state_retracted": "已撤回",
    "scope_county": "全县",
    "scope_township": "全乡镇",
    "scope_village": "一个村（社区）",
    "new_title": "写通知（先存为草稿，检查后再发布）",
    "f_title": "标题",
    "f_body": "正文",
    "f_area": "领域",
    "f_scope": "发布范围",
    "f_township": "乡镇",
    "f_village": "村（社区）：范围选“一个村（社区）”时填写",
    "f_link": "原文链接（可不填，http 或 https 开头）",
    "f_scheduled_at": "定时发布（可不填，北京时间）",
    # A field as a refusal names it (the API's sentences say "title", the form "标题").
    "name_title": "标题",
    "name_body": "正文",
    "name_area": "领域",
    "name_scope": "发布范围",
    "name_township": "乡镇",
    "name_village": "村（社区）",
    "name_link": "原文链接",
    "name_scheduled_at": "定时发布",
    "limits": "标题最多 {title} 字，正文最多 {body} 字。",
    "emergency_hint": "“应急预警”会发给范围内的每一户，不管是否订阅。",
    "save": "保存草稿",
    "fix": "请改正下面标出的问题，填写的内容都还在。",
    "publish": "发布",
    "retract": "撤回",
    "resend": "重发失败的消息",
    "publish_hint": "发布后推送给范围内订阅了这个领域的群众；定时的到时间再发。",
    "retract_hint": "撤回后，还没发出的不再发送。",
    "resend_hint": "修好原因后，把发送失败和结果未知的重新发送。",
    "done_create": "草稿已保存，检查无误后点“发布”。",
    "done_publish": "已发布，正在推送。送达情况见下方，稍后刷新。",
    "done_retract": "已撤回，还没发出的不再发送。",
    "done_resend": "失败的消息已重新排队发送。",
    "actions": "操作",
    "area": "领域",
    "scope": "范围",
    "state": "状态",
    "created": "起草时间",
    "scheduled_at": "定时发送",
    "published_at": "发布时间",
    "retracted_at": "撤回时间",
    "link": "原文链接",
    "body": "正文",
    "halted": "整条通知已停止发送：{reason}",
    "report": "送达情况",
    "refresh": "刷新",
    "households": "应送达户数",
    "reached_total": "已送达",
    "waiting": "等待发送",
    "reached_by_channel": "按渠道送达",
    "channel": "渠道",
    "count": "户数",
    "not_reached": "未送达及原因",
    "nothing_missed": "没有未送达的。",
    "reason": "原因",
    "reason_none": "（没有说明）",
    "miss_failed": "待重试",
    "miss_dead": "发送失败",
    "miss_unknown": "结果未知",
    "miss_skipped": "未发送",
    "over_time": "发送时间分布",
    "chart_label": "每{bucket}发出的户数，从 {first} 到 {last}",
    "chart_none": "还没有发出的消息。",
    "bucket_minutes": "{n}分钟",
    "bucket_hours": "{n}小时",
    "bucket_days": "{n}天",
    "bar": "{at} 起：{n} 户",
    "chart_table": "按时间列出",
    "time": "时间",
    "mass_sends": "群发任务（微信报告）",
    "mass_line": "{households} 户 · {status} · 发出 {sent} · 过滤 {filtered} · 出错 {errors}",
    "failures": "未送达明细（最近 {n} 条）",
    "who": "微信号（部分）",
    "attempts": "尝试次数",
}

# 考核 (the scoreboard) ------------------------------------------------------------------
STAFF_SCOREBOARD_ORDER = "end 不能早于 start"
STAFF_SCOREBOARD_TOO_LONG = "统计时段最长 {days} 天，请缩短"
STAFF_SCOREBOARD_YEARS = "统计时段要在 {first} 年到 {last} 年之间"
# What each figure is, beside it (the API's definitions and the console's table).
SCOREBOARD_FIGURES = {
    "accepted": "受理量",
    "on_time_rate": "按期办结率",
    "satisfaction": "满意率",
    "basic_share": "基本满意",
    "follow_rate": "回访率",
    "once_rate": "一次办结率",
    "return_rate": "退单率",
    "extension_rate": "延期率",
    "redo_rate": "重办率",
    "urged": "催办",
    "supervised": "督办",
    "wait_median": "响应时间中位数",
    "wait_p90": "响应时间90分位",
}
SCOREBOARD_DEFINITIONS = {
    "accepted": "统计时段内受理的工单数。",
    "on_time_rate": (
        "按期办结的工单 ÷ 办结期限在统计时段内的工单。办结期限以第一次办结时的期限为准"
        "（含批准的延期）；还没办结的以现在的期限为准，过了期限还没办结的也算在分母里。"
        "办结当天不晚于期限算按期。"
    ),
    "satisfaction": (
        "（非常满意 + 满意）÷ 有评价的工单，统计时段内第一次办结的工单。"
        "群众自己的评价优先，没有评价的用回访时问到的满意度。"
    ),
    "basic_share": "评价为“基本满意”的工单 ÷ 有评价的工单，单独列出，不算进满意率。",
    "follow_rate": "有回访记录的工单 ÷ 统计时段内第一次办结的工单。",
    "once_rate": (
        "没有退过单、也没有重办（重新办理或群众不满意退回）的工单 ÷ 统计时段内第一次办结的工单。"
    ),
    "return_rate": "退过单的工单 ÷ 统计时段内受理的工单。",
    "extension_rate": "批准过延期的工单 ÷ 统计时段内受理的工单。",
    "redo_rate": "重办过的工单 ÷ 统计时段内第一次办结的工单。",
    "urged": "统计时段内的催办次数。",
    "supervised": "统计时段内的督办次数。",
    "wait_median": (
        "从受理到第一次处理（回复、办结、退单或申请延期）的工作时长，单位小时，"
        "只算工作日的上班时间；统计时段内受理、已有处理的工单。"
    ),
    "wait_p90": "同上，九成工单的响应时间不超过这个数。",
}
SCOREBOARD_GROUPING = {
    "township": "按乡镇（工单所属乡镇）",
    "unit": "按责任单位（工单现在的责任单位；没有转办的算乡镇便民服务中心）",
    "handler": "按经办人（第一次办结的人；还没办结的算现在的经办人）",
}
SCOREBOARD_RANKING = (
    "受理量不少于 {min_sample} 件的参加排名，按按期办结率从高到低，相同的再看满意率；"
    "不足 {min_sample} 件的列出但不排名。"
)
SCOREBOARD_NO_HANDLER = "未指定经办人"
SCOREBOARD_COUNTY = "全县"
SCOREBOARD_TOTAL = "合计"

# 督办单 (supervision orders) and 回访 (follow-ups) -----------------------------------------
SUPERVISION_STATES = {"open": "待反馈", "answered": "已反馈", "closed": "已销号"}
FOLLOW_UP_METHODS = {"phone": "电话", "visit": "上门", "wechat": "微信"}
STAFF_ORDER_NOT_FOUND = "没有这张督办单"
STAFF_ORDER_WRONG_STATE = "督办单现在是“{state}”，不能{step}"
STAFF_ORDER_STEPS = {"answer": "反馈", "close": "销号"}
STAFF_ORDER_NOT_YOURS = "这张督办单不是发给您单位的，不能反馈"
STAFF_ANSWER_BY_PAST = "answer_by 的值不对：反馈期限不能早于今天（{today}）"
STAFF_WHY_SATISFACTION = "应为 1 到 5 的整数（5 非常满意，1 非常不满意）"

# The console's 督办 pages and the ticket page's 督办 and 回访 (bot/console/supervision.py;
# templates read them as ``s``).
CONSOLE_SUPERVISION: dict[str, str] = {
    "title": "督办",
    "none": "没有符合条件的督办单。",
    "any": "全部",
    "state": "状态",
    "filter": "筛选",
    "more": "下一页",
    "first_page": "回到第一页",
    "back": "返回督办列表",
    "not_found": "没有找到这张督办单，或者它不在您的管辖范围内。",
    "ticket": "工单",
    "unit": "督办对象",
    "reason": "督办事由",
    "answer_by": "反馈期限",
    "overdue": "已逾期",
    "issued_by": "督办人",
    "automatic": "超期自动督办",
    "answer": "反馈内容",
    "answered": "反馈",
    "closed": "销号",
    "close_note": "销号意见",
    "answer_form": "反馈（写明办理情况）",
    "answer_go": "提交反馈",
    "close_form": "销号（确认反馈属实后销号）",
    "close_note_label": "意见（可不填）",
    "close_go": "销号",
    "done_answer": "已反馈，等待督办人销号。",
    "done_close": "已销号。",
    "no_steps": "这张督办单现在没有您可做的操作。",
    "open_orders": "待反馈的督办单",
    "export_open": "导出待反馈的督办单（Excel）",
    "open_orders_count": "待反馈督办",
    "orders": "督办单",
    "supervise_form": "督办",
    "supervise_reason": "督办事由（责任单位会看到）",
    "supervise_answer_by": "反馈期限（不填则为 {days} 个工作日后）",
    "supervise_go": "发出督办单",
    "follow_ups": "回访",
    "follow_up_form": "回访",
    "method": "回访方式",
    "solved": "问题解决了吗",
    "solved_yes": "已解决",
    "solved_no": "没有解决（将重新办理）",
    "satisfaction": "满意程度",
    "satisfaction_none": "（对方没有说）",
    "satisfaction_rated": "群众已在微信评价：{name}。回访按群众自己的评价记录。",
    "follow_up_note": "回访记录（可不填）",
    "follow_up_go": "记录回访",
    "by_at": "{who} · {at}",
}

# Exports (Excel and CSV files) ------------------------------------------------------------

# The tickets export's columns, in order.
EXPORT_TICKET_COLUMNS = {
    "number": "受理编号",
    "kind": "类型",
    "status": "状态",
    "title": "标题",
    "township": "乡镇",
    "village": "村/社区",
    "unit": "责任单位",
    "contact_name": "联系人",
    "contact_phone": "联系电话",
    "created": "提交时间",
    "accepted_by": "受理人",
    "accepted_at": "受理时间",
    "assigned_by": "转办人",
    "assigned_at": "转办时间",
    "handler": "经办人",
    "resolved_by": "办结人",
    "resolved_at": "办结时间",
    "due_on": "办理期限",
    "deadline": "期限状态",
    "extensions": "延期次数",
    "returns": "退单次数",
    "redos": "重办次数",
    "rating": "评价",
    "steps": "办理经过",
}
EXPORT_VISIT_COLUMNS = {
    "visited_at": "走访时间",
    "group": "人员类别",
    "person": "走访对象",
    "findings": "情况",
    "health": "身体",
    "needs_help": "需要乡镇帮忙",
    "worker": "网格员",
}
EXPORT_REPORT_COLUMNS = {"item": "项目", "detail": "说明", "count": "户数"}
# What a file is named after (工单_桑园镇_20261201-20261231.xlsx).
EXPORT_TICKETS = "工单"
EXPORT_VISITS = "走访台账"
EXPORT_REPORT = "送达情况"
EXPORT_COUNTY = "全县"
# A notice's report as rows: the summary, then what was reached and what was not.
EXPORT_REPORT_ROWS = {
    "notice": "通知",
    "published_at": "发布时间",
    "households": "应送达户数",
    "reached_total": "已送达",
    "waiting": "等待发送",
    "reached": "按渠道送达",
    "not_reached": "未送达",
}
STAFF_EXPORT_TOO_MANY = (
    "符合条件的有 {count} 条，一次最多导出 {most} 条，请缩小范围（比如分几段日期）再导出"
)
# The open 督办单 as a file (bot.desk.order_export).
EXPORT_ORDERS = "待反馈督办单"
EXPORT_ORDER_COLUMNS = {
    "number": "受理编号",
    "title": "工单标题",
    "township": "乡镇",
    "unit": "督办对象",
    "reason": "督办事由",
    "answer_by": "反馈期限",
    "overdue": "已逾期",
    "issued_by": "督办人",
    "issued_at": "督办时间",
}
# The scoreboard as a file (bot.desk.scoreboard_export).
EXPORT_SCOREBOARD_TITLE = "考核"
EXPORT_SCOREBOARD = {
    "rank": "排名",
    "name": "名称",
    "percent": "{name}（%）",
    "hours": "{name}（小时）",
}
CONSOLE_EXPORT = {
    "export_xlsx": "导出Excel",
    "export_csv": "导出CSV",
    "export_hint": "按当前筛选条件导出全部工单（不止这一页），联系方式已隐去；每次导出都会记录。",
}

CONSOLE_SCOREBOARD: dict[str, str] = {
    "title": "考核",
    "period": "统计时段",
    "this_month": "本月",
    "last_month": "上月",
    "this_quarter": "本季度",
    "custom": "自定义",
    "start": "开始日期",
    "end": "结束日期",
    "show": "查看",
    "grouping": "分组",
    "by_township": "按乡镇",
    "by_unit": "按责任单位",
    "by_handler": "按经办人",
    "shown": "{jurisdiction} · {start} 至 {end}",
    "rank": "排名",
    "name": "名称",
    "unranked": "不排名",
    "none": "这个时段没有工单。",
    "total": "合计",
    "hours": "（小时）",
    "definitions": "指标说明",
    "table_hint": "表格较宽，可以左右滑动。",
    "weekly": "每周受理量和按期办结率",
    "weekly_caption": (
        "柱：每周受理量（最多 {peak} 件）；线：按期办结率（0–100%），"
        "{first:%Y-%m-%d} 至 {last:%Y-%m-%d}"
    ),
    "week_of": "{month}月{day}日起",
    "weekly_bar": "{week}的一周：受理 {n} 件",
    "weekly_dot": "{week}的一周：按期办结率 {rate}",
    "satisfaction_chart": "满意率",
    "no_ratings": "这个时段办结的工单还没有评价。",
    "satisfaction_caption": "各组满意率（非常满意 + 满意 ÷ 有评价），没有评价的不画",
    "satisfaction_bar": "{name}：{rate}（{rated} 件有评价）",
    "chart_table": "按数字列出",
    "week": "周",
    "no_rate": "—",
}

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
NOT_BUILT_YET = "“{label}”功能正在建设中，暂时还不能用，请先拨打电话 {hotline} 办理。"

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
FLOW_CHANGED = "抱歉，服务刚刚更新，刚才的事项需要重新开始。"
SORRY_ERROR = "抱歉，系统出了点问题，请稍后再试，或拨打 {hotline}。"

# 我的 (what is stored about the person) ---------------------------------------------

MINE_SUMMARY = "我的信息\n所在村（社区）：{village}"
MINE_NO_VILLAGE = "还没有填写"
MINE_CHOICES = {"village": "填写或修改所在村（社区）"}
CONSENT = (
    "个人信息告知：为了把您的事情转给所在乡镇办理，需要记录您所在的村（社区）。"
    "信息只用于政务服务，不会给别人看；您可以随时在“我的”里修改。"
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
NOTICE_LAST_PAGE = "已经是最后一页。"
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

# What a notice looks like when it is pushed.
NOTICE_PUSH_TEXT = "【{area}】{title}\n{summary}\n回复“政策通知”查看全文。"
NOTICE_PUSH_FIRST = "{account}发布了一条{area}"
NOTICE_PUSH_REMARK = "回复“政策通知”查看全文，回复“菜单”办事。"

# Words for staff (the staff API and the delivery report) -------------------------------

STAFF_BAD_LOGIN = "用户名或密码不对"
STAFF_NEED_LOGIN = "请先登录（Authorization: Bearer <token>）"
STAFF_FORBIDDEN_ROLE = "您的角色不能做这件事"
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
STAFF_TOO_MANY_FAILURES = "登录失败次数太多，请 15 分钟后再试"
STAFF_SCHEDULE_PAST = "scheduled_at 已经过去了"
STAFF_SCHEDULE_FAR = "scheduled_at 不对：最多提前一年安排"
STAFF_NOT_URL = "link 必须是 http:// 或 https:// 开头的网址"
STAFF_UNKNOWN_FIELDS = "不认识的字段：{fields}"

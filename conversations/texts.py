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

"""Everyday words, typed or spoken, reach the right place through the webhook: a complaint
told as a story, a 受理编号 said at the menu, "不想收通知了", a service named inside a
complaint, "我要投诉" from deep in the 办事 browser (conversations.intents)."""

from __future__ import annotations

from bot import keys
from storage.db import use
from storage.models import Ticket
from tests.conftest import Desk
from tests.test_grid import WORKER, bound_worker
from tests.test_menu import assert_menu
from tests.test_notices_bot import subscriptions
from tests.test_service_desk import FIRST, PHONE, SECOND, register_and_apply

STORY = "村里路灯坏了好几天了"


async def said(desk: Desk, text: str, openid: str = FIRST) -> str:
    reply = await desk.say(text, openid=openid)
    assert reply is not None
    return reply


async def register(desk: Desk, openid: str = FIRST) -> None:
    """Name, mobile number and village, each reached by saying what changed."""
    assert "个人信息告知" in await said(desk, "俺换手机号了", openid)
    assert "手机号" in await said(desk, "同意", openid)
    assert "已记下您的手机号：138****5678" in await said(desk, PHONE, openid)
    assert "姓名" in await said(desk, "名字写错了", openid)
    await said(desk, "李秀英", openid)
    assert "哪个乡镇" in await said(desk, "我搬家了", openid)
    assert "哪个村" in await said(desk, "桑园镇", openid)
    assert "请确认" in await said(desk, "1", openid)
    assert "已记下：您住在桑园镇" in await said(desk, "确认", openid)


async def story_complaint(desk: Desk, openid: str = FIRST) -> str:
    """A complaint said into the voice button in one breath; its 受理编号."""
    voice = desk.sim.voice(openid, f"嗯，那个，{STORY}。", media_id=f"story-{openid}")
    asked = await desk.send(voice) or ""
    assert asked.startswith(f"记下了您说的：“{STORY}”")
    assert "按“投诉”提交，对吗？" in asked and "1. 对，按“投诉”提交" in asked
    summary = await said(desk, "对", openid)  # one more message
    assert summary.startswith("请核对") and f"情况：{STORY}" in summary
    assert "还可以发照片、语音或位置补充" in summary  # optional: skipped by not sending any
    done = await said(desk, "确认", openid)  # two more
    assert done.startswith("已提交！受理编号：")
    return done.split("受理编号：")[1][:13]


async def test_a_complaint_told_as_a_story_is_a_ticket_two_messages_later(desk: Desk) -> None:
    await register(desk)
    number = await story_complaint(desk)
    with use(desk.app[keys.DATABASE]):
        ticket = await Ticket.get(number=number).prefetch_related("attachments")
    assert ticket.kind == "complaint" and ticket.content == STORY
    assert ticket.category == "道路交通" and ticket.title == "投诉：道路交通"
    assert [a.kind for a in ticket.attachments] == ["voice"]  # staff may listen


async def test_a_story_of_another_kind_is_changed_with_one_answer(desk: Desk) -> None:
    await register(desk)
    asked = await said(desk, "希望村里多装几个路灯")
    assert "按“建议”提交，对吗？" in asked
    summary = await said(desk, "改成“求助”")
    assert summary.startswith("请核对：\n事项：求助：") and "情况：希望村里多装几个路灯" in summary
    # said with its kind, nothing is asked but the summary
    await said(desk, "菜单")
    summary = await said(desk, "我要投诉，村口垃圾好几天没人拉了")
    assert summary.startswith("请核对：\n事项：投诉：环境卫生")


async def test_a_number_said_at_the_menu_shows_that_ticket_to_its_owner_only(desk: Desk) -> None:
    await register(desk)
    number = await story_complaint(desk)
    plain = number.replace("-", "")
    shown = await said(desk, f"受理编号{plain}")
    assert shown.startswith(f"受理编号：{number}\n事项：投诉：道路交通\n状态：待受理")
    await said(desk, "菜单")
    spoken = desk.sim.voice(FIRST, f"帮我查一下{number}。", media_id="spoken-number")
    assert ((await desk.send(spoken)) or "").startswith(f"受理编号：{number}")
    # someone else's number shows nothing, as a number that does not exist
    other = await said(desk, number, SECOND)
    assert other.startswith("没有找到这个受理编号") and "道路交通" not in other


async def test_not_wanting_notices_reaches_the_way_to_stop_them_all(desk: Desk) -> None:
    await desk.send(desk.sim.event(FIRST, "subscribe"))
    assert await subscriptions(desk, FIRST) == {"announcement", "emergency"}
    reply = await said(desk, "嗯，不想收通知了。")
    assert reply.startswith("不想收通知，回复“全部退订”") and "订阅设置" in reply
    assert "全部退订" in reply.splitlines()[-2]
    reply = await said(desk, "全部退订")
    assert reply.startswith("已全部退订")
    assert await subscriptions(desk, FIRST) == {"emergency"}


async def test_a_service_named_inside_a_complaint_is_asked_about(desk: Desk) -> None:
    asked = await said(desk, "俺村低保评的不公平")
    assert asked.startswith("您是要：\n1. 反映低保的问题\n2. 了解怎么申请低保")
    assert (await said(desk, "2")).startswith("【最低生活保障】办事指南")
    await said(desk, "菜单")
    await said(desk, "低保评的不公平")
    reply = await said(desk, "1")
    assert reply.startswith("记下了您说的：“低保评的不公平”")


async def test_words_said_mid_flow_go_where_they_say(desk: Desk) -> None:
    assert "请说您要办什么事" in await said(desk, "办事")
    assert (await said(desk, "我要投诉")).startswith("是哪方面的？")  # from the search
    await said(desk, "办事")
    assert (await said(desk, "社保卡")).startswith("【社会保障卡办理】")
    assert (await said(desk, "我要投诉")).startswith("是哪方面的？")  # from the guide
    assert (await said(desk, "我的事办得咋样了")).startswith("您还没有提交过事项")
    assert (await said(desk, "人工")).startswith("需要工作人员帮忙")
    # the step's own answers first: 投诉 here is the kind asked for
    await said(desk, "反映问题")
    assert (await said(desk, "投诉")).startswith("是哪方面的？")
    reply = await said(desk, "我不会弄")  # help, and the question again
    assert reply.startswith("使用说明") and reply.endswith("回复数字选择；回复“返回”回到上一步。")
    # 我要投诉 while telling one is not a fresh start: the category chosen stays
    assert (await said(desk, "环境卫生")).startswith("请把情况说一说")
    reply = await said(desk, "我要投诉")
    assert "是哪方面的" not in reply and "请把情况说一说" in reply, reply


async def test_asking_after_ones_own_application_shows_it_not_the_guide(desk: Desk) -> None:
    number, _ = await register_and_apply(desk)
    reply = await said(desk, "俺的低保批下来没")
    assert reply.startswith(f"受理编号：{number}\n事项：最低生活保障")
    reply = await said(desk, "我的事办得咋样了")
    assert reply.startswith("您的事项") and number in reply
    reply = await said(desk, "我的残疾证办好没")
    assert reply.startswith("没有找到您申请“残疾证”的记录。")


async def test_help_and_greetings_at_the_menu_answer_in_plain_words(desk: Desk) -> None:
    reply = await said(desk, "俺不会用")
    assert reply.startswith("不用记数字，直接说想办的事就行")
    assert_menu(reply)
    reply = await said(desk, "你好。")
    assert reply.startswith("您好！")
    assert_menu(reply)


async def test_a_grid_workers_menu_keeps_its_own_words(desk: Desk) -> None:
    """Resident words do not take a grid worker out of their menu or a report; from their
    resident menu (群众服务) they work as for anyone."""
    await bound_worker(desk)
    reply = await said(desk, "我要投诉", WORKER)
    assert reply.startswith("没有看明白") and "网格员菜单" in reply
    assert (await said(desk, "你好", WORKER)).startswith("您好！\n网格员菜单")
    await said(desk, "事件上报", WORKER)
    reply = await said(desk, "不想收通知了", WORKER)  # the report's words, not 订阅设置
    assert reply.startswith("上报什么事？")  # words that name no category: it is asked
    await said(desk, "菜单", WORKER)
    await said(desk, "群众服务", WORKER)
    assert (await said(desk, "我要投诉", WORKER)).startswith("是哪方面的？")


LONG = "我要投诉，" + "村里路灯坏了好几天了，晚上出门黑乎乎的，老人孩子都怕摔。" * 12  # > 300


async def test_words_too_long_for_a_request_are_asked_shorter_at_the_menu_and_mid_flow(
    desk: Desk,
) -> None:
    """A story longer than a request's content may be is not kept whole from the menu,
    nor does it take a person out of the step that refused it for its length."""
    await register(desk)
    reply = await said(desk, LONG)
    assert reply.startswith("说得太长了，请简短一些（300字以内）。") and "请把情况说一说" in reply
    await said(desk, "菜单")
    reply = await said(desk, f"嗯，那个，就是{LONG}")  # read in part, kept whole or not at all
    assert reply.startswith("说得太长了") and "请把情况说一说" in reply
    await said(desk, "菜单")
    reply = await said(desk, LONG)
    assert (await said(desk, STORY)).startswith("请核对：\n事项：投诉：道路交通")
    await said(desk, "菜单")
    await said(desk, "反映问题")
    await said(desk, "投诉")
    await said(desk, "1")  # a category: the step that takes the words
    reply = await said(desk, LONG)
    assert reply.startswith("说得太长了") and "请把情况说一说" in reply  # the question again
    assert (await said(desk, STORY)).startswith("请核对：\n事项：投诉")


async def test_an_id_number_is_not_a_ticket_number(desk: Desk) -> None:
    """Twelve digits inside a longer run (a 身份证号, a bank card) are no 受理编号."""
    reply = await said(desk, "俺身份证号130428199001011234，低保咋申请")
    assert reply.startswith("找到这些事项") and "最低生活保障" in reply
    assert "受理编号" not in reply


async def test_a_story_is_kept_with_its_own_punctuation(desk: Desk) -> None:
    asked = await said(desk, "嗯，村口路灯坏了，晚上黑乎乎的？")
    assert asked.startswith("记下了您说的：“村口路灯坏了，晚上黑乎乎的”")


async def test_a_phone_number_said_in_a_sentence_while_registering_keeps_the_complaint(
    desk: Desk,
) -> None:
    """Asked for a mobile number on the way to submitting a story, "俺手机号换了…" is the
    answer: it used to leave for 我的, where the number was saved and the story lost."""
    await said(desk, STORY)
    assert "个人信息告知" in await said(desk, "对")
    assert "姓名" in await said(desk, "同意")
    assert "手机号" in await said(desk, "李秀英")
    reply = await said(desk, f"俺手机号换了，新的是{PHONE}")
    assert reply.startswith("您住在哪个乡镇？")  # the next question of the same request
    await said(desk, "桑园镇")
    summary = await said(desk, "1")
    assert summary.startswith("请核对：\n事项：投诉：道路交通") and f"情况：{STORY}" in summary


async def test_details_said_while_registering_are_answers_not_a_way_to_mine(desk: Desk) -> None:
    """ "俺搬家了" asked where one lives is asked again, the story kept; it used to leave
    for 我的's change of village, whose questions look the same, and drop the complaint."""
    await said(desk, STORY)
    await said(desk, "对")
    await said(desk, "同意")
    await said(desk, "李秀英")
    assert (await said(desk, PHONE)).startswith("您住在哪个乡镇？")
    reply = await said(desk, "俺搬家了")
    assert reply.startswith("没有看明白") and "您住在哪个乡镇？" in reply
    await said(desk, "桑园镇")
    summary = await said(desk, "1")
    assert summary.startswith("请核对：\n事项：投诉：道路交通") and f"情况：{STORY}" in summary

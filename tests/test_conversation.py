"""The conversation engine as a resident meets it: global commands, wrong answers,
返回, idle timeouts and flows that changed under a running conversation."""

from __future__ import annotations

import asyncio
import dataclasses
import json

from bot import keys
from conversations.flows import FlowRegistry, mine
from conversations.flows import menu as main_menu
from storage.db import use
from storage.models import Resident
from tests.conftest import APPID, Desk, DeskFactory
from tests.test_menu import assert_menu

RESIDENT = "oResident000000000000000001"
TOWNSHIP_QUESTION = "您住在哪个乡镇？"


async def start_village_flow(desk: Desk) -> None:
    assert (await desk.say("我的") or "").startswith("我的信息")
    assert (await desk.say("1") or "").startswith("个人信息告知")
    assert (await desk.say("同意") or "").startswith(TOWNSHIP_QUESTION)


async def test_setting_a_village_end_to_end_is_stored(desk: Desk) -> None:
    await start_village_flow(desk)
    reply = await desk.say("铁城镇")
    assert reply is not None and reply.startswith("您住在铁城镇的哪个村（社区）？")
    assert "1. 铁城村" in reply.splitlines()
    assert (await desk.say("二") or "").startswith("请确认：铁城镇马王庄村。")
    reply = await desk.say("确认")
    assert reply is not None and reply.startswith("已记下：您住在铁城镇马王庄村。")
    assert_menu(reply)
    with use(desk.app[keys.DATABASE]):
        resident = await Resident.get(appid=APPID, openid=RESIDENT).select_related("village")
    assert resident.village is not None and resident.village.name == "马王庄村"
    # Told us once: the notice is not shown again.
    assert (await desk.say("我的") or "").startswith("我的信息\n所在村（社区）：铁城镇马王庄村")
    assert (await desk.say("1") or "").startswith(TOWNSHIP_QUESTION)


async def test_refusing_the_notice_stores_nothing(desk: Desk) -> None:
    await desk.say("我的")
    await desk.say("1")
    reply = await desk.say("2")
    assert reply is not None and reply.startswith("好的，没有记录任何信息。")
    with use(desk.app[keys.DATABASE]):
        assert not await Resident.filter(openid=RESIDENT, village_id__not_isnull=True).exists()


async def test_wrong_answer_gets_the_reason_and_the_question_again(desk: Desk) -> None:
    await start_village_flow(desk)
    reply = await desk.say("99")
    assert reply is not None
    lines = reply.splitlines()
    assert lines[0] == "没有看明白您的意思。请回复 1 到 10 之间的数字，或选项的字。"
    assert lines[1] == TOWNSHIP_QUESTION and "10. 何庄乡" in lines
    assert "人工" not in reply


async def test_after_three_misses_the_bot_offers_a_person_and_a_way_out(desk: Desk) -> None:
    await start_village_flow(desk)
    assert "人工" not in (await desk.say("不知道") or "")
    assert "人工" not in (await desk.say("随便") or "")
    third = await desk.say("啊？")
    assert third is not None and TOWNSHIP_QUESTION in third
    assert third.endswith("如果不方便操作，回复“人工”找工作人员帮忙，回复“取消”结束。")
    # Still in the flow: a right answer goes on.
    assert (await desk.say("1") or "").startswith("您住在桑园镇的哪个村")


async def test_back_goes_one_step_back_and_then_to_the_menu(desk: Desk) -> None:
    await start_village_flow(desk)
    await desk.say("1")
    assert (await desk.say("返回") or "").startswith(TOWNSHIP_QUESTION)
    assert (await desk.say("返回") or "").startswith("个人信息告知")
    assert (await desk.say("返回") or "").startswith("我的信息")
    assert_menu(await desk.say("返回"))
    reply = await desk.say("返回")
    assert reply is not None and reply.startswith("已经是第一步了。")


async def test_cancel_ends_the_flow_and_shows_the_menu(desk: Desk) -> None:
    await start_village_flow(desk)
    reply = await desk.say("取消")
    assert reply is not None and reply.startswith("好的，已经取消。")
    assert_menu(reply)
    assert (await desk.say("取消") or "").startswith("现在没有正在办的事项。")
    # The old question no longer applies: "1" is the main menu's 办事 now.
    assert "请说您要办什么事" in (await desk.say("1") or "")


async def test_menu_help_and_human_work_in_any_step(desk: Desk) -> None:
    await start_village_flow(desk)
    help_reply = await desk.say("帮助")
    assert help_reply is not None and help_reply.startswith("使用说明")
    assert help_reply.splitlines()[-12] == TOWNSHIP_QUESTION
    assert help_reply.splitlines()[-1] == "回复数字选择；回复“返回”回到上一步。"
    human = await desk.say("人工")
    assert human is not None and "0317-7200000" in human and "工作日" in human
    assert TOWNSHIP_QUESTION in human
    # Neither moved the conversation.
    assert (await desk.say("1") or "").startswith("您住在桑园镇的哪个村")
    assert_menu(await desk.say("菜单"))
    assert "请说您要办什么事" in (await desk.say("1") or "")


async def test_voice_answers_a_question_like_typing(desk: Desk) -> None:
    await start_village_flow(desk)
    reply = await desk.send(desk.sim.voice(RESIDENT, "梁集镇。"))
    assert reply is not None and reply.startswith("您住在梁集镇的哪个村")
    reply = await desk.send(desk.sim.voice(RESIDENT, "返回"))
    assert reply is not None and reply.startswith(TOWNSHIP_QUESTION)


async def test_an_idle_conversation_ends_and_the_person_is_told(desk: Desk) -> None:
    await start_village_flow(desk)
    desk.clock.advance(minutes=31)
    reply = await desk.say("1")
    assert reply is not None
    assert reply.startswith("您有30分钟没有回复，刚才的事项已经结束")
    assert_menu(reply)
    # The next message is read fresh, as a main-menu choice.
    assert "请说您要办什么事" in (await desk.say("1") or "")


async def test_an_idle_menu_is_forgotten_quietly(desk: Desk) -> None:
    await desk.say("不知道")
    desk.clock.advance(hours=2)
    reply = await desk.say("1")
    assert reply is not None and reply.startswith("请说您要办什么事")


async def test_a_flow_changed_under_a_conversation_restarts_it_cleanly(
    make_desk: DeskFactory,
) -> None:
    old = await make_desk()
    await start_village_flow(old)
    changed = dataclasses.replace(mine.FLOW, version=mine.FLOW.version + 1)
    newer = FlowRegistry([main_menu.FLOW, changed])
    new = await make_desk(flows=newer)
    reply = await new.say("1")
    assert reply is not None and reply.startswith("抱歉，服务刚刚更新，刚才的事项需要重新开始。")
    assert_menu(reply)
    assert (await new.say("我的") or "").startswith("我的信息")


async def test_a_removed_flow_is_no_crash(make_desk: DeskFactory) -> None:
    old = await make_desk()
    await start_village_flow(old)
    without_mine = await make_desk(flows=FlowRegistry([main_menu.FLOW]))
    reply = await without_mine.say("1")
    assert reply is not None and reply.startswith("抱歉，服务刚刚更新")
    assert_menu(reply)


async def rename_in_stored_session(desk: Desk, *, step: bool, history: bool) -> None:
    """Leave the session as an older deploy would have: the flow and its version are the
    running ones, but a step it names has since been renamed (no such step any more)."""
    key = f"conv:{APPID}:{RESIDENT}"
    stored = await desk.app[keys.REDIS].get(key)
    assert stored is not None
    doc = json.loads(stored)
    assert doc["flow"] == mine.FLOW.id and doc["version"] == mine.FLOW.version
    assert doc["step"] == "township" and doc["history"], doc
    if step:
        doc["step"] = "township_before_rename"
    if history:
        doc["history"] = [["overview_before_rename", data] for _, data in doc["history"]]
    await desk.app[keys.REDIS].set(key, json.dumps(doc, ensure_ascii=False))


async def test_a_renamed_current_step_is_cleared_with_a_kind_word(desk: Desk) -> None:
    await start_village_flow(desk)
    await rename_in_stored_session(desk, step=True, history=False)
    reply = await desk.say("1")
    assert reply is not None and reply.startswith("抱歉，服务刚刚更新，刚才的事项需要重新开始。")
    assert_menu(reply)
    assert (await desk.say("我的") or "").startswith("我的信息")


async def test_a_renamed_step_to_go_back_to_is_cleared_with_a_kind_word(desk: Desk) -> None:
    await start_village_flow(desk)
    await rename_in_stored_session(desk, step=False, history=True)
    reply = await desk.say("返回")
    assert reply is not None and reply.startswith("抱歉，服务刚刚更新，刚才的事项需要重新开始。")
    assert_menu(reply)
    assert (await desk.say("我的") or "").startswith("我的信息")


async def test_an_unreadable_session_is_cleared_with_an_apology(desk: Desk) -> None:
    await start_village_flow(desk)
    await desk.app[keys.REDIS].set(f"conv:{APPID}:{RESIDENT}", b"{not json")
    reply = await desk.say("1")
    assert reply is not None and reply.startswith("抱歉，服务刚刚更新")
    assert_menu(reply)


async def test_sessions_are_per_account_and_person(desk: Desk) -> None:
    await start_village_flow(desk)
    other = "oResident000000000000000002"
    assert "请说您要办什么事" in (await desk.say("1", openid=other) or "")
    assert (await desk.say("1") or "").startswith("您住在桑园镇的哪个村")
    assert await desk.app[keys.REDIS].exists(f"conv:{APPID}:{RESIDENT}")


async def test_a_session_from_another_schema_is_cleared_not_stuck(desk: Desk) -> None:
    await start_village_flow(desk)
    key = f"conv:{APPID}:{RESIDENT}"
    await desk.app[keys.REDIS].set(key, b'{"schema": 99, "revision": 5, "flow": "mine"}')
    reply = await desk.say("1")
    assert reply is not None and reply.startswith("抱歉，服务刚刚更新")
    assert not await desk.app[keys.REDIS].exists(key)
    assert "请说您要办什么事" in (await desk.say("1") or "")


async def test_two_service_processes_starting_together_set_up_once(
    make_desk: DeskFactory,
) -> None:
    from storage.models import Township

    first, second = await asyncio.gather(make_desk(), make_desk())
    with use(first.app[keys.DATABASE]):
        assert await Township.all().count() == 10
    assert (await second.say("我的") or "").startswith("我的信息")


async def test_greetings_and_thanks_get_a_kind_word_and_the_menu(desk: Desk) -> None:
    reply = await desk.say("你好")
    assert reply is not None and reply.startswith("您好！")
    assert_menu(reply)
    await start_village_flow(desk)
    reply = await desk.say("谢谢")
    assert reply is not None and reply.startswith("不客气！")
    assert_menu(reply)


async def test_a_main_menu_item_named_inside_a_flow_goes_there(desk: Desk) -> None:
    await start_village_flow(desk)
    reply = await desk.say("我的")
    assert reply is not None and reply.startswith("我的信息")
    reply = await desk.say("查进度")
    assert reply is not None and "您还没有提交过事项" in reply


async def test_a_single_choice_is_asked_for_plainly(desk: Desk) -> None:
    guide = await desk.say("社保卡")  # a one-page 办事指南: 我要申请 is the only choice
    assert guide is not None and guide.startswith("【社会保障卡办理】")
    assert guide.endswith(
        "咨询电话：0317-7200000\n1. 我要申请\n回复数字选择；回复“返回”回到上一步。"
    )
    reply = await desk.say("嗯")
    assert reply is not None
    assert reply.startswith("没有看明白您的意思。请回复 1，或选项的字。")


async def test_a_photo_at_the_menu_is_acknowledged_and_the_menu_shown(desk: Desk) -> None:
    reply = await desk.send(desk.sim.image(RESIDENT, "media-1"))
    assert reply is not None and reply.startswith("收到了。要办什么事，请先回复数字选择")
    assert_menu(reply)

"""关注, the main menu and its choices, as a resident sees them."""

from __future__ import annotations

from bot import keys
from storage.db import use
from storage.models import Resident
from tests.conftest import Desk

MENU_LINES = ["1. 办事", "2. 反映问题", "3. 查进度", "4. 政策通知", "5. 我的"]


def assert_menu(reply: str | None) -> None:
    assert reply is not None
    for line in MENU_LINES:
        assert line in reply.splitlines()


async def test_follow_greets_with_township_name_and_numbered_menu(desk: Desk) -> None:
    reply = await desk.send(desk.sim.event(desk.default_openid, "subscribe"))
    assert reply is not None
    assert "吴桥县" in reply.splitlines()[0]
    assert_menu(reply)
    with use(desk.app[keys.DATABASE]):
        resident = await Resident.get(openid=desk.default_openid)
    assert resident.subscribed


async def test_menu_choices_go_where_they_say_by_number_and_by_words(desk: Desk) -> None:
    reply = await desk.say("1")
    assert reply is not None and reply.startswith("请说您要办什么事")
    await desk.say("菜单")
    reply = await desk.say("我要查进度")
    assert reply is not None and "您还没有提交过事项" in reply
    await desk.say("菜单")
    reply = await desk.say("４")  # a full-width digit from a phone keyboard
    assert reply is not None and "政策通知" in reply and "订阅设置" in reply
    reply = await desk.say("反映问题")  # a menu item's name works from inside a flow
    assert reply is not None and "您要反映什么" in reply


async def test_nonsense_at_the_menu_gets_the_reason_and_the_menu_again(desk: Desk) -> None:
    reply = await desk.say("今天天气怎么样")
    assert reply is not None
    assert reply.startswith("没有看明白")
    assert "请回复 1 到 5" in reply
    assert_menu(reply)


async def test_unfollow_marks_the_resident_unsubscribed_and_sends_nothing(desk: Desk) -> None:
    await desk.send(desk.sim.event(desk.default_openid, "subscribe"))
    posted = await desk.post(desk.sim.event(desk.default_openid, "unsubscribe"))
    assert posted.status == 200 and posted.body == b"success"
    with use(desk.app[keys.DATABASE]):
        resident = await Resident.get(openid=desk.default_openid)
    assert not resident.subscribed
    assert resident.unsubscribed_at is not None

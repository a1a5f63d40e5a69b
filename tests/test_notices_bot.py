"""政策通知 in the bot: new followers are subscribed by default and told so; people read
the latest notices where they live, page through long ones, and choose their areas;
unsubscribing stops pushes at once, even ones already queued."""

from __future__ import annotations

import asyncio

from bot import keys
from storage.db import use
from storage.models import Delivery, Resident, Subscription
from tests.conftest import Desk, DeskFactory, FakeWeChat
from tests.test_notices import FAST, TEMPLATE, act, draft, households, login, until_settled


async def subscriptions(desk: Desk, openid: str) -> set[str]:
    with use(desk.app[keys.DATABASE]):
        rows = await Subscription.filter(resident__openid=openid).values("area")
    return {str(r["area"]) for r in rows}


async def test_a_new_follower_is_subscribed_by_default_and_told_how_to_change_it(
    make_desk: DeskFactory,
) -> None:
    desk: Desk = await make_desk(account={"township": "桑园镇"})
    openid = desk.default_openid
    reply = await desk.send(desk.sim.event(openid, "subscribe"))
    assert reply is not None
    assert "已为您订阅桑园镇的“通知公告”和“应急预警”" in reply and "政策通知" in reply
    assert await subscriptions(desk, openid) == {"announcement", "emergency"}
    with use(desk.app[keys.DATABASE]):
        person = await Resident.get(openid=openid).select_related("township")
    assert person.township is not None and person.township.name == "桑园镇"
    # Following again later keeps what they chose and does not repeat the notice.
    await desk.say("政策通知")
    await desk.say("订阅设置")
    await desk.say("通知公告")
    later = int(desk.clock().timestamp()) + 60  # a new event, not WeChat retrying the first
    await desk.send(desk.sim.event(openid, "unsubscribe", created=later))
    reply = await desk.send(desk.sim.event(openid, "subscribe", created=later + 60))
    assert reply is not None and "已为您订阅" not in reply
    assert await subscriptions(desk, openid) == {"emergency"}


async def test_people_read_the_latest_notices_where_they_live(
    make_desk: DeskFactory,
) -> None:
    desk: Desk = await make_desk(outbox=FAST, account={"township": "桑园镇"})
    county = await login(desk, "county", "county_admin")
    long_body = "各村要做好冬季防火工作。" * 60  # longer than one phone screen
    ours = await draft(desk, county, title="冬季防火通知", body=long_body)
    theirs = await draft(desk, county, title="铁城镇停水通知", township="铁城镇")
    everyone = await draft(
        desk, county, title="全县惠民政策", scope="county", area="benefits", township=None
    )
    unpublished = await draft(desk, county, title="还没发布的草稿")
    for notice in (ours, theirs, everyone):
        await act(desk, county, notice["id"], "publish")
    await desk.send(desk.sim.event(desk.default_openid, "subscribe"))
    reply = await desk.say("政策通知")
    assert reply is not None and "最新政策通知（桑园镇）" in reply
    assert "冬季防火通知" in reply and "全县惠民政策" in reply
    assert "铁城镇停水通知" not in reply and unpublished["title"] not in reply
    assert "订阅设置" in reply
    # Newest first: the county's notice was published last.
    lines = [line for line in reply.splitlines() if line[:1].isdigit()]
    assert "全县惠民政策" in lines[0] and "冬季防火通知" in lines[1]
    reply = await desk.say("2")
    assert reply is not None and reply.startswith("【通知公告】冬季防火通知")
    assert "（第1/" in reply and "更多" in reply and "防火" in reply
    assert len(reply) < 400  # one phone screen
    reply = await desk.say("更多")
    assert reply is not None and "（第2/" in reply
    reply = await desk.say("返回通知列表")
    assert reply is not None and "最新政策通知" in reply
    reply = await desk.say("1")
    assert reply is not None and reply.startswith("【惠民政策】全县惠民政策")


async def test_choosing_areas_and_unsubscribing_stops_queued_pushes_at_once(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    # One push a second: the notice is still queued when the person unsubscribes.
    desk: Desk = await make_desk(outbox={**FAST, "rate_per_second": 1, "rate_burst": 1})
    staff = await login(desk)
    others = await households(desk, 3, prefix="oEarly")
    await households(desk, 1, prefix="oMe")
    me = f"oMe桑{0:020d}"
    reply = await desk.say("政策通知", openid=me)
    reply = await desk.say("订阅设置", openid=me)
    assert reply is not None and "√ 通知公告" in reply and "应急预警" in reply
    reply = await desk.say("惠民政策", openid=me)
    assert reply is not None and "已订阅“惠民政策”" in reply and "√ 惠民政策" in reply
    assert await subscriptions(desk, me) == {"announcement", "benefits"}
    notice = await draft(desk, staff)
    await act(desk, staff, notice["id"], "publish")
    with use(desk.app[keys.DATABASE]):
        for _ in range(100):
            if await Delivery.filter(openid=me).exists():
                break
            await asyncio.sleep(0.02)
    reply = await desk.say("通知公告", openid=me)
    assert reply is not None and "已退订“通知公告”" in reply
    reply = await desk.say("完成", openid=me)
    assert reply is not None and "订阅设置已保存" in reply
    await until_settled(desk, staff, notice["id"], timeout=20)
    got = [c.body["touser"] for c in wechat.state.delivered(TEMPLATE)]
    assert me not in got and sorted(got) == sorted(others)
    with use(desk.app[keys.DATABASE]):
        mine = await Delivery.get(openid=me)
    assert mine.state == "skipped" and mine.last_error == "已退订这类通知"


async def test_emergency_warnings_cannot_be_unsubscribed(desk: Desk) -> None:
    await desk.send(desk.sim.event(desk.default_openid, "subscribe"))
    await desk.say("政策通知")
    reply = await desk.say("订阅设置")
    assert reply is not None and "不能退订" in reply
    reply = await desk.say("应急预警")
    assert reply is not None and "没有看明白" in reply
    assert "emergency" in await subscriptions(desk, desk.default_openid)

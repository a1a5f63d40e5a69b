"""The deadline clock's reminders (督办), with the clock moved through a week around
National Day 2025 (1-8 October off; Sunday 28 September and Saturday 11 October worked):
预警 once, 催办 each working day while overdue, a 督办单 after three working days overdue;
never at night, at the weekend or on a holiday; once only with two processes running."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot import keys
from notifications.rounds import Worker
from storage import supervision
from storage.clock import BEIJING
from storage.db import use
from storage.models import Delivery, Staff, SupervisionOrder
from tests.conftest import Desk, DeskFactory, FakeWeChat
from tests.test_console import _close_browsers, account, desk, signed_in, text_of
from tests.test_grid import link_staff_wechat
from tests.test_holidays import move_to
from tests.test_notices import FAST, TEMPLATE, login, token_for
from tests.test_service_desk import complaint, shown, staff_act

TOWNSHIP, HANDLER = "oStaffTownship0000000000000001", "oStaffHandler00000000000000002"
SUPERVISOR, COUNTY = "oStaffSupervisor00000000000003", "oStaffCounty000000000000000004"
QUICK = {"sweep_seconds": 0.05}
__all__ = ["_close_browsers", "desk"]  # the console's fixtures, imported for these tests
TITLE = "“投诉：环境卫生”"  # how the test complaint is named in pushes


async def process(make_desk: DeskFactory, **supervision: Any) -> Desk:
    """A service process with its reminder clock looking often; a second one made the
    same way shares the first's database, Redis and clock."""
    made: Desk = await make_desk(outbox=FAST, supervision={**QUICK, **supervision})
    return made


def at(
    desks: tuple[Desk, ...], year: int, month: int, day: int, hour: int, minute: int
) -> datetime:
    """Both processes' clocks moved to this Beijing time."""
    moment = datetime(year, month, day, hour, minute, tzinfo=BEIJING)
    for each in desks:
        move_to(each, moment)
    return moment


def reminders(desk: Desk) -> Worker:
    return desk.app[keys.REMINDERS]


async def looked(
    desks: tuple[Desk, ...], moment: datetime, worker_of: Callable[[Desk], Worker] = reminders
) -> None:
    """Every process's worker (the reminder clock unless said) has had a round at (or
    after) this moment, and what it queued has gone out."""
    loop = asyncio.get_running_loop()
    end = loop.time() + 10
    for each in desks:
        worker = worker_of(each)
        while worker.looked_at is None or worker.looked_at < moment:
            assert loop.time() < end, "the reminder clock never looked"
            await asyncio.sleep(0.02)
    # The round after that one: the first may have started before the clock moved.
    for each in desks:
        worker = worker_of(each)
        seen = worker.looked_at
        while worker.looked_at == seen:
            assert loop.time() < end, "the reminder clock stopped"
            await asyncio.sleep(0.02)
    with use(desks[0].app[keys.DATABASE]):
        while await Delivery.filter(state__in=["pending", "sending"]).exists():
            assert loop.time() < end, "pushes stuck in the outbox"
            await asyncio.sleep(0.02)


def told(wechat: FakeWeChat, openid: str, digests: bool = False) -> list[str]:
    """What the staff member's WeChat showed, in order: each template's closing words
    (the Monday digests left out unless asked for: tests/test_digest.py)."""
    return [
        c.body["data"]["remark"]["value"]
        for c in wechat.state.delivered(TEMPLATE)
        if c.body["touser"] == openid
        and (digests or not c.body["data"]["remark"]["value"].startswith("【上周简报】"))
    ]


async def staff_with_wechat(desk: Desk) -> dict[str, dict[str, str]]:
    """The township's clerk (on duty), a department's handler, the township's supervisor
    and a county supervisor, each with their own WeChat linked."""
    auth = {"sangyuan": await login(desk)}
    auth["minzheng"] = await login(desk, "minzheng", "department_handler")
    await account(desk, "sy-super", "supervisor")  # 桑园镇's
    await account(desk, "county-super", "supervisor", township=None)
    auth["sy-super"] = await token_for(desk, "sy-super")
    auth["county-super"] = await token_for(desk, "county-super")
    for name, openid in zip(auth, (TOWNSHIP, HANDLER, SUPERVISOR, COUNTY), strict=True):
        await link_staff_wechat(desk, auth[name], openid)
    resp = await desk.client.put(
        "/api/v1/staff/me/duty", json={"on_duty": True}, headers=auth["sangyuan"]
    )
    assert resp.status == 200
    return auth


async def test_a_late_ticket_is_reminded_chased_daily_and_escalated_once(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    # One process while staff and residents set the scene, a second one after: two
    # processes writing to one SQLite file at once trip over each other (PostgreSQL is
    # the database for several processes), and staff act only outside the working day,
    # while the reminder clocks are idle.
    first = await process(make_desk)
    both: tuple[Desk, ...] = (first,)
    await looked(both, at(both, 2025, 9, 22, 7, 0))  # Monday
    auth = await staff_with_wechat(first)
    number = await complaint(first)
    # Waiting for 受理, one working day to do it: the clerk on duty is told first thing.
    await looked(both, at(both, 2025, 9, 22, 8, 30))
    assert told(wechat, TOWNSHIP) == [
        f"【待受理】桑园镇的群众诉求{number}{TITLE}请在9月23日前受理（首问负责）。"
    ]
    await looked(both, at(both, 2025, 9, 22, 20, 0))
    auth["sangyuan"] = await token_for(first, "sangyuan")  # past the morning's 12 hours
    status, body = await staff_act(first, auth["sangyuan"], number, "accept")
    assert status == 200 and body["due_on"] == "2025-09-28"  # five working days: Sunday worked
    status, body = await staff_act(
        first, auth["sangyuan"], number, "assign", unit="县民政局", handler="minzheng"
    )
    assert status == 200 and body["deadline"] == "normal"
    await looked(both, first.clock())
    second = await process(make_desk)
    both = (first, second)

    # Friday: one working day left (Sunday) -> 预警, to the handler, once.
    for hour in (9, 11, 16):
        await looked(both, at(both, 2025, 9, 26, hour, 0))
    assert told(wechat, HANDLER) == [
        f"【即将到期】工单{number}{TITLE}将于9月28日到期，请抓紧办理。"
    ]

    # Monday 29th: overdue. Not before the working day starts, then one 催办 to the handler
    # and the township's supervisor, however many rounds both processes run.
    await looked(both, at(both, 2025, 9, 29, 8, 0))
    assert len(told(wechat, HANDLER)) == 1 and told(wechat, SUPERVISOR) == []
    for minute in (30, 45):
        await looked(both, at(both, 2025, 9, 29, 8, minute))
    urge = f"【催办】工单{number}{TITLE}已超期1个工作日（期限9月28日），请尽快办结。"
    assert told(wechat, HANDLER)[1:] == [urge] and told(wechat, SUPERVISOR) == [urge]
    await looked(both, at(both, 2025, 9, 29, 19, 0))  # off hours: see below
    status, body = await shown(second, await token_for(second, "sy-super"), number)
    assert status == 200 and body["deadline"] == "overdue"
    urged = [e for e in body["timeline"] if e["action"] == "urge"]
    assert len(urged) == 1 and "minzheng" in urged[0]["note"] and "sy-super" in urged[0]["note"]

    # Tuesday: the second day's 催办. Then the night, and the National Day holidays: none.
    await looked(both, at(both, 2025, 9, 30, 10, 0))
    await looked(both, at(both, 2025, 9, 30, 20, 0))
    for day in range(1, 9):
        await looked(both, at(both, 2025, 10, day, 10, 0))
    assert len(told(wechat, HANDLER)) == 3 and len(told(wechat, SUPERVISOR)) == 2
    assert told(wechat, COUNTY) == []

    # Thursday 9 October, three working days overdue: a 督办单 by the clock, to the
    # handler and copied to the county's supervisors, and that day's 催办; once.
    await looked(both, at(both, 2025, 10, 9, 9, 0))
    await looked(both, at(both, 2025, 10, 9, 15, 0))
    escalated = (
        f"【督办】工单{number}{TITLE}超期3个工作日，已发出督办单，请在10月11日前反馈办理情况。"
    )
    assert told(wechat, COUNTY) == [escalated]
    assert escalated in told(wechat, HANDLER) and len(told(wechat, HANDLER)) == 5
    with use(first.app[keys.DATABASE]):
        orders = await SupervisionOrder.all()
        assert len(orders) == 1 and orders[0].automatic and orders[0].state == "open"
        assert str(orders[0].answer_by) == "2025-10-11"  # Saturday, worked
    await looked(both, at(both, 2025, 10, 9, 19, 0))
    status, body = await shown(first, await token_for(first, "sy-super"), number)
    assert body["flagged"] and [e["action"] for e in body["timeline"]].count("supervise") == 1

    # Saturday 11 October is worked (调休): its 催办 goes out; the night after, nothing.
    await looked(both, at(both, 2025, 10, 11, 10, 0))
    await looked(both, at(both, 2025, 10, 11, 21, 0))
    assert len(told(wechat, HANDLER)) == 6 and len(told(wechat, SUPERVISOR)) == 4
    # Sunday 12th: a weekend again; nothing.
    await looked(both, at(both, 2025, 10, 12, 10, 0))
    assert len(told(wechat, HANDLER)) == 6


async def test_an_unanswered_supervision_order_is_chased_daily_until_answered(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    desk: Desk = await make_desk(outbox=FAST, supervision=QUICK)
    one = (desk,)
    await looked(one, at(one, 2025, 11, 3, 7, 0))  # Monday
    auth = await staff_with_wechat(desk)
    number = await complaint(desk)
    await staff_act(desk, auth["sangyuan"], number, "accept")
    await staff_act(desk, auth["sangyuan"], number, "assign", unit="县民政局", handler="minzheng")
    # Monday 17th, five working days past its deadline (the 10th): the 督办单 goes out.
    await looked(one, at(one, 2025, 11, 17, 9, 0))
    with use(desk.app[keys.DATABASE]):
        order = await SupervisionOrder.get(ticket__number=number)
    assert order.automatic and str(order.answer_by) == "2025-11-19"
    # Thursday 20th: its answer-by day has passed unanswered: chased, once a day.
    await looked(one, at(one, 2025, 11, 20, 9, 0))
    await looked(one, at(one, 2025, 11, 20, 16, 0))
    chase = f"【督办催办】工单{number}{TITLE}的督办单要求11月19日前反馈，至今未反馈，请尽快反馈。"
    assert told(wechat, HANDLER).count(chase) == 1 and told(wechat, SUPERVISOR).count(chase) == 1

    # Resolved that evening: the ticket is chased no more, the unanswered order still is.
    await looked(one, at(one, 2025, 11, 20, 19, 0))
    handling = await token_for(desk, "minzheng")
    status, _ = await staff_act(desk, handling, number, "resolve", result="已清理")
    assert status == 200
    before = len(told(wechat, HANDLER))
    await looked(one, at(one, 2025, 11, 21, 10, 0))
    assert told(wechat, HANDLER)[before:] == [chase]
    # Answered (反馈): nothing more the next working day.
    with use(desk.app[keys.DATABASE]):
        handler = await Staff.get(username="minzheng")
        await supervision.answer(order.id, by=handler.id, answer="已清理完毕", now=desk.clock())
    await looked(one, at(one, 2025, 11, 24, 10, 0))
    assert len(told(wechat, HANDLER)) == before + 1


async def test_the_clerk_who_asks_hears_of_every_new_request_at_once(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    desk: Desk = await make_desk(outbox=FAST)
    auth = await login(desk)
    await link_staff_wechat(desk, auth, TOWNSHIP)
    other = await login(desk, "sangyuan2")
    await link_staff_wechat(desk, other, SUPERVISOR)
    for who in (auth, other):
        resp = await desk.client.put("/api/v1/staff/me/duty", json={"on_duty": True}, headers=who)
        assert resp.status == 200
    resp = await desk.client.put(
        "/api/v1/staff/me/new-requests", json={"notify_new": True}, headers=auth
    )
    assert resp.status == 200 and (await resp.json())["notify_new"] is True
    bad = await desk.client.put(
        "/api/v1/staff/me/new-requests", json={"notify_new": "often"}, headers=auth
    )
    assert bad.status == 400

    number = await complaint(desk)
    pushed = await until_told(wechat, TOWNSHIP, 1)
    assert pushed == [f"【新诉求】桑园镇收到群众诉求：{number}{TITLE}，请及时受理。"]
    # The colleague on duty without the switch hears of urgent grid reports only.
    assert told(wechat, SUPERVISOR) == []


async def test_the_new_request_switch_in_the_console(desk: Desk) -> None:
    clerk = await signed_in(desk)
    _, page = await clerk.get("/console")
    assert "值班时只推送紧急的网格上报" in text_of(page)
    status, page = await clerk.post("/console/new-requests", {"notify_new": "true"})
    assert status == 200 and "值班时每一件新诉求都会推送到您的微信" in text_of(page)
    status, page = await clerk.post("/console/new-requests", {"notify_new": "true", "csrf": "x"})
    assert status == 403
    status, page = await clerk.post("/console/new-requests", {"notify_new": "false"})
    assert status == 200 and "值班时只推送紧急的网格上报" in text_of(page)


async def until_told(wechat: FakeWeChat, openid: str, count: int) -> list[str]:
    loop = asyncio.get_running_loop()
    end = loop.time() + 10
    while len(told(wechat, openid)) < count:
        assert loop.time() < end, told(wechat, openid)
        await asyncio.sleep(0.02)
    return told(wechat, openid)

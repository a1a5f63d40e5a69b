"""督办单 and 回访 over the staff API as staff use it: an order issued by hand, answered by
the unit and closed (销号), each step in the ticket's timeline; follow-ups after 办结,
the resident's own rating counted, an unsolved matter handled again (重办)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from bot import keys
from storage import staff, supervision
from storage.clock import BEIJING
from storage.db import use
from storage.models import FollowUp, SupervisionOrder, Ticket
from tests.conftest import Desk, DeskFactory, FakeWeChat
from tests.test_notices import FAST, PASSWORD, login, token_for
from tests.test_service_desk import FIRST, complaint, shown, staff_act

Auth = dict[str, str]


@pytest.fixture
async def desk(make_desk: DeskFactory) -> Desk:
    made: Desk = await make_desk(outbox=FAST)
    return made


async def supervisor(desk: Desk, username: str, township: str | None = "桑园镇") -> Auth:
    """A supervisor of one township (county-wide with None)."""
    with use(desk.app[keys.DATABASE]):
        await staff.add(username, "supervisor", PASSWORD, township)
    return await token_for(desk, username)


async def worked(desk: Desk) -> tuple[str, Auth, Auth]:
    """A complaint accepted by 桑园镇 and assigned to 县民政局: its number, the township's
    clerk and the unit's handler."""
    number = await complaint(desk)
    township = await login(desk)
    handler = await login(desk, "minzheng", "department_handler", unit="县民政局")
    assert (await staff_act(desk, township, number, "accept"))[0] == 200
    assert (await staff_act(desk, township, number, "assign", unit="县民政局"))[0] == 200
    return number, township, handler


async def post(desk: Desk, path: str, auth: Auth, **body: Any) -> tuple[int, dict[str, Any]]:
    resp = await desk.client.post(f"/api/v1{path}", json=body, headers=auth)
    return resp.status, await resp.json()


async def get(desk: Desk, path: str, auth: Auth) -> tuple[int, dict[str, Any]]:
    resp = await desk.client.get(f"/api/v1{path}", headers=auth)
    return resp.status, await resp.json()


def today(desk: Desk) -> date:
    return desk.clock().date()


async def test_an_order_is_issued_answered_and_closed_each_step_in_the_timeline(
    desk: Desk,
) -> None:
    number, township, handler = await worked(desk)
    boss = await supervisor(desk, "duban")
    by = (today(desk) + timedelta(days=3)).isoformat()
    status, order = await post(
        desk,
        f"/tickets/{number}/supervise",
        boss,
        reason="群众反映多次，请三日内清理",
        answer_by=by,
    )
    assert status == 201, order
    assert order["state"] == "open" and order["state_name"] == "待反馈"
    assert order["unit"] == "县民政局" and order["issued_by"] == "duban"
    assert order["answer_by"] == by and order["number"] == number and not order["overdue"]
    # The unit sees it among its open orders, and answers it.
    status, listed = await get(desk, "/supervision?state=open", handler)
    assert [o["id"] for o in listed["orders"]] == [order["id"]]
    path = f"/supervision/{order['id']}"
    status, answered = await post(desk, f"{path}/answer", handler, answer="已安排环卫车清运")
    assert status == 200 and answered["state"] == "answered"
    assert answered["answer"] == "已安排环卫车清运" and answered["answered_by"] == "minzheng"
    # The supervisor closes it (销号).
    status, closed = await post(desk, f"{path}/close", boss, note="经核实已清理")
    assert status == 200 and closed["state_name"] == "已销号" and closed["closed_by"] == "duban"
    assert (await get(desk, "/supervision?state=open", handler))[1]["orders"] == []
    status, ticket = await shown(desk, township, number)
    steps = [(e["action"], e["note"]) for e in ticket["timeline"]][-3:]
    assert steps == [
        ("supervise", "群众反映多次，请三日内清理"),
        ("supervise-answer", "已安排环卫车清运"),
        ("supervise-close", "经核实已清理"),
    ]
    assert ticket["status"] == "in_progress" and ticket["flagged"]
    assert [(o["id"], o["state"]) for o in ticket["orders"]] == [(order["id"], "closed")]


async def test_a_step_out_of_turn_is_a_conflict_and_changes_nothing(desk: Desk) -> None:
    number, township, handler = await worked(desk)
    boss = await supervisor(desk, "duban")
    order = (await post(desk, f"/tickets/{number}/supervise", boss, reason="请尽快办理"))[1]
    path = f"/supervision/{order['id']}"
    status, said = await post(desk, f"{path}/close", boss, note="提前销号")
    assert status == 409 and said["error"] == "督办单现在是“待反馈”，不能销号"
    assert said["order_state"] == "open"
    assert (await get(desk, path, boss))[1]["state"] == "open"
    await post(desk, f"{path}/answer", handler, answer="已办")
    status, said = await post(desk, f"{path}/answer", handler, answer="又办了一次")
    assert status == 409 and said["error"] == "督办单现在是“已反馈”，不能反馈"
    shown_now = (await get(desk, path, handler))[1]
    assert shown_now["answer"] == "已办" and shown_now["state"] == "answered"
    actions = [e["action"] for e in (await shown(desk, township, number))[1]["timeline"]]
    assert actions.count("supervise-answer") == 1 and "supervise-close" not in actions


async def test_orders_stay_within_their_jurisdiction(desk: Desk) -> None:
    number, township, handler = await worked(desk)
    boss = await supervisor(desk, "duban")
    elsewhere = await supervisor(desk, "tiecheng-duban", "铁城镇")
    other_unit = await login(desk, "jiaoyu", "department_handler", unit="县教育局")
    # Another township's supervisor: the same 404 as a ticket that does not exist.
    status, said = await post(desk, f"/tickets/{number}/supervise", elsewhere, reason="督办")
    none = await post(desk, "/tickets/20200101-0001/supervise", elsewhere, reason="督办")
    assert status == 404 and (status, said) == none
    # A handler or a clerk issues none.
    status, said = await post(desk, f"/tickets/{number}/supervise", handler, reason="督办")
    assert status == 403 and said["error"] == "您的角色不能做这件事"
    order = (await post(desk, f"/tickets/{number}/supervise", boss, reason="请尽快办理"))[1]
    path = f"/supervision/{order['id']}"
    assert await get(desk, path, elsewhere) == await get(desk, "/supervision/999999", elsewhere)
    assert (await get(desk, "/supervision", elsewhere))[1]["orders"] == []
    # Another unit's handler cannot see it, so cannot answer it; the township's clerk sees
    # it, but it went to the unit.
    assert (await post(desk, f"{path}/answer", other_unit, answer="不是我们"))[0] == 404
    status, said = await post(desk, f"{path}/answer", township, answer="代为反馈")
    assert status == 403 and said["error"] == "这张督办单不是发给您单位的，不能反馈"
    assert (await post(desk, f"{path}/close", handler))[0] == 403
    assert (await get(desk, path, boss))[1]["state"] == "open"


async def test_an_order_issued_by_the_clock_to_the_township_is_answered_by_its_staff(
    desk: Desk,
) -> None:
    number = await complaint(desk)
    township = await login(desk)
    handler = await login(desk, "minzheng", "department_handler", unit="县民政局")
    await staff_act(desk, township, number, "accept")  # with the township: no unit yet
    with use(desk.app[keys.DATABASE]):  # as the reminders' clock issues one, days overdue
        ticket = await Ticket.get(number=number)
        made = await supervision.issue(
            ticket, by=None, reason="超期3个工作日", answer_by=today(desk), now=desk.clock()
        )
    path = f"/supervision/{made.id}"
    status, order = await get(desk, path, township)
    assert status == 200 and order["issued_by"] == "系统" and order["automatic"]
    assert order["unit"] == "桑园镇便民服务中心"
    assert (await get(desk, path, handler))[0] == 404  # not the unit's
    status, order = await post(desk, f"{path}/answer", township, answer="已联系群众，今天办结")
    assert status == 200 and order["state"] == "answered" and order["answered_by"] == "sangyuan"
    last = (await shown(desk, township, number))[1]["timeline"][-2:]
    assert [(e["action"], e["actor"]) for e in last] == [
        ("supervise", "system"),
        ("supervise-answer", "sangyuan"),
    ]


async def test_an_order_on_a_rejected_ticket_is_refused(desk: Desk) -> None:
    number = await complaint(desk)
    township = await login(desk)
    await staff_act(desk, township, number, "reject", reason="不属于受理范围")
    county = await login(desk, "county", "county_admin")
    status, said = await post(desk, f"/tickets/{number}/supervise", county, reason="督办")
    assert status == 409 and said["error"] == "工单现在是“不予受理”，不能督办"
    with use(desk.app[keys.DATABASE]):
        assert await SupervisionOrder.all().count() == 0


async def test_the_answer_by_day_counts_working_days_and_turns_overdue(desk: Desk) -> None:
    # Friday 11 December 2026: two working days on is Tuesday the 15th, not Sunday.
    friday = datetime(2026, 12, 11, 10, 0, tzinfo=BEIJING)
    desk.clock.offset = friday - datetime.now(BEIJING)
    number, _, handler = await worked(desk)
    boss = await supervisor(desk, "duban")
    status, said = await post(
        desk, f"/tickets/{number}/supervise", boss, reason="督办", answer_by="2026-12-10"
    )
    assert status == 400 and said["field"] == "answer_by" and "不能早于今天" in said["error"]
    status, order = await post(desk, f"/tickets/{number}/supervise", boss, reason="请尽快办理")
    assert status == 201 and order["answer_by"] == "2026-12-15"
    desk.clock.advance(days=5)  # Wednesday the 16th: past it, still unanswered
    handler = await token_for(desk, "minzheng")
    listed = (await get(desk, "/supervision?state=open", handler))[1]["orders"]
    assert [(o["id"], o["overdue"]) for o in listed] == [(order["id"], True)]


async def test_the_same_order_sent_twice_with_its_key_is_issued_once(desk: Desk) -> None:
    number, _, _ = await worked(desk)
    boss = await supervisor(desk, "duban")
    headers = {**boss, "Idempotency-Key": "order-1"}
    first = await post(desk, f"/tickets/{number}/supervise", headers, reason="请尽快办理")
    again = await post(desk, f"/tickets/{number}/supervise", headers, reason="请尽快办理")
    assert first == again and first[0] == 201
    assert len((await get(desk, "/supervision", boss))[1]["orders"]) == 1


# 回访 ------------------------------------------------------------------------------------


async def resolved(desk: Desk) -> tuple[str, Auth]:
    number, township, handler = await worked(desk)
    assert (await staff_act(desk, handler, number, "resolve", result="已清理"))[0] == 200
    return number, township


async def test_a_follow_up_counts_the_residents_own_rating(desk: Desk) -> None:
    number, township = await resolved(desk)
    assert "满意吗" in (await desk.say("评价", openid=FIRST) or "")
    await desk.say("满意", openid=FIRST)
    assert (await desk.say("跳过", openid=FIRST) or "").startswith("谢谢您的评价")
    status, ticket = await post(
        desk,
        f"/tickets/{number}/follow-up",
        township,
        method="phone",
        solved=True,
        satisfaction=2,
        note="群众说垃圾已清走",
    )
    assert status == 201, ticket
    assert ticket["status"] == "closed"  # a solved matter stays done
    (heard,) = ticket["follow_ups"]
    assert heard["satisfaction"] == 4 and heard["satisfaction_name"] == "满意"
    assert heard["method_name"] == "电话" and heard["solved"] and heard["staff"] == "sangyuan"
    last = ticket["timeline"][-1]
    assert (last["action"], last["from"], last["to"]) == ("follow-up", "closed", "closed")


async def test_a_follow_up_finding_it_unsolved_reopens_the_ticket(
    desk: Desk, wechat: FakeWeChat
) -> None:
    number, township = await resolved(desk)
    await wechat.wait_for_texts(FIRST, 3)
    status, ticket = await post(
        desk,
        f"/tickets/{number}/follow-up",
        township,
        method="visit",
        solved=False,
        satisfaction=2,
        note="上门查看，垃圾又堆起来了",
    )
    assert status == 201, ticket
    assert ticket["status"] == "in_progress" and ticket["redo_count"] == 1 and ticket["flagged"]
    assert ticket["follow_ups"][0]["satisfaction"] == 2
    assert [e["action"] for e in ticket["timeline"]][-2:] == ["follow-up", "reopen"]
    pushes = await wechat.wait_for_texts(FIRST, 4)
    assert pushes[-1].startswith("【重新办理】") and number in pushes[-1]


async def test_a_follow_up_before_the_matter_is_done_is_refused(desk: Desk) -> None:
    number, township, handler = await worked(desk)
    body = {"method": "phone", "solved": True}
    status, said = await post(desk, f"/tickets/{number}/follow-up", township, **body)
    assert status == 409 and said["error"] == "工单现在是“办理中”，不能回访"
    await staff_act(desk, handler, number, "resolve", result="已清理")
    status, said = await post(desk, f"/tickets/{number}/follow-up", handler, **body)
    assert status == 403  # a department's handler makes no follow-ups
    status, said = await post(desk, f"/tickets/{number}/follow-up", township, method="fax")
    assert status == 400 and said["field"] == "method"
    with use(desk.app[keys.DATABASE]):
        assert await FollowUp.all().count() == 0
    assert (await shown(desk, township, number))[1]["status"] == "resolved"

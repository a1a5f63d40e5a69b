"""The residents' service desk end to end: WeChat's signed XML for the resident, staff JSON
for the township and the departments, the fake WeChat API for what reaches the resident."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

import pytest
import structlog

from bot import keys
from storage.clock import BEIJING
from storage.db import use
from storage.models import AuditEntry, Delivery, Resident, Ticket, TicketEvent
from tests.conftest import Desk, DeskFactory, FakeWeChat
from tests.test_notices import FAST, login, token_for

FIRST = "oFirst00000000000000000000001"
SECOND = "oSecond0000000000000000000002"
PHONE = "13812345678"


@pytest.fixture
async def desk(make_desk: DeskFactory) -> Desk:
    """Pushes without the per-person pause, so a test sees each update at once."""
    made: Desk = await make_desk(outbox=FAST)
    return made


async def register_and_apply(desk: Desk, openid: str = FIRST) -> tuple[str, list[str]]:
    """A first application for 最低生活保障 found by free text, with a photo: the 受理编号
    and every reply the resident saw (so a test can count their messages)."""
    said: list[str] = []

    async def say(text: str) -> str:
        reply = await desk.say(text, openid=openid)
        assert reply is not None
        said.append(reply)
        return reply

    assert "请说您要办什么事" in await say("办事")
    guide = await say("我想办低保")
    assert guide.startswith("【最低生活保障】办事指南") and "我要申请" in guide
    assert "个人信息告知" in await say("我要申请")
    assert "姓名" in await say("同意")
    assert "手机号" in await say("张桂兰")
    assert "哪个乡镇" in await say("138 1234 5678")
    assert "哪个村" in await say("桑园镇")
    first_question = await say("1")
    assert "（第1/4问）家里一起生活的有几口人" in first_question
    assert "家里主要有什么困难" in await say("3口")
    assert "收入" in await say("1 2")
    assert "病历" in await say("跳过")
    posted = await desk.post(desk.sim.image(openid, "media-proof-1"))
    summary = posted.text or ""
    said.append(summary)
    assert summary.startswith("请核对") and "照片1张" in summary
    assert "138****5678" in summary and PHONE not in summary
    confirm = desk.sim.text(openid, "确认提交", msg_id=f"confirm-{openid}")
    done = await desk.send(confirm) or ""
    said.append(done)
    assert done.startswith("已提交！受理编号：")
    # WeChat retrying the same message (no answer seen in 5 s) gets the same answer.
    assert await desk.send(confirm) == done
    number = done.split("受理编号：")[1][:13]
    return number, said


async def relogin(desk: Desk, username: str = "sangyuan") -> dict[str, str]:
    """A fresh token (after the clock moved past the last one's 12 hours)."""
    return await token_for(desk, username)


async def staff_act(
    desk: Desk, auth: dict[str, str], number: str, action: str, **body: Any
) -> tuple[int, dict[str, Any]]:
    resp = await desk.client.post(f"/api/v1/tickets/{number}/{action}", json=body, headers=auth)
    return resp.status, await resp.json()


async def shown(desk: Desk, auth: dict[str, str], number: str) -> tuple[int, dict[str, Any]]:
    resp = await desk.client.get(f"/api/v1/tickets/{number}", headers=auth)
    return resp.status, await resp.json()


async def test_a_residents_application_from_first_message_to_rating(
    desk: Desk, wechat: FakeWeChat
) -> None:
    await desk.send(desk.sim.event(FIRST, "subscribe"))
    number, said = await register_and_apply(desk)
    assert len(said) <= 15  # a first application, registration included
    today = desk.clock().strftime("%Y%m%d")
    assert number.startswith(today + "-")

    township = await login(desk)
    handler = await login(desk, "minzheng", "department_handler", unit="县民政局")
    # The township's queue shows it, contact masked.
    queue = await (await desk.client.get("/api/v1/tickets?status=open", headers=township)).json()
    row = queue["tickets"][0]
    assert row["number"] == number and row["status_name"] == "待受理"
    assert row["contact"] == {"name": "张**", "phone": "138****5678"}
    # Accept (首问负责), assign to 民政局, reply, resolve: each reaches the resident.
    status, body = await staff_act(desk, township, number, "accept")
    assert status == 200 and body["status"] == "accepted" and body["accepted_by"] == "sangyuan"
    assert body["due_on"] and body["contact"]["phone"] == PHONE  # the handler sees it whole
    status, body = await staff_act(desk, township, number, "assign", unit="县民政局")
    assert status == 200 and body["status"] == "in_progress" and body["unit"] == "县民政局"
    status, body = await staff_act(desk, handler, number, "reply", text="请把户口簿带到村委会")
    assert status == 200 and body["last_reply"] == "请把户口簿带到村委会"
    status, body = await staff_act(desk, handler, number, "resolve", result="已纳入低保")
    assert status == 200 and body["status"] == "resolved"
    pushes = await wechat.wait_for_texts(FIRST, 4)
    assert [p.split("】")[0] for p in pushes] == ["【已受理", "【办理中", "【回复", "【已办结"]
    assert all(number in p for p in pushes)
    assert "县民政局" in pushes[1] and "请把户口簿带到村委会" in pushes[2]
    assert "已纳入低保" in pushes[3] and "评价" in pushes[3]

    # 查进度 shows where it stands, in plain words.
    reply = await desk.say("查进度", openid=FIRST)
    assert reply is not None and f"{number} 最低生活保障【已办结】" in reply
    detail = await desk.say("1", openid=FIRST)
    assert detail is not None and "状态：已办结" in detail and "办理结果：已纳入低保" in detail
    # 评价 closes it.
    assert "满意吗" in (await desk.say("评价", openid=FIRST) or "")
    assert "还有什么想说的" in (await desk.say("非常满意", openid=FIRST) or "")
    assert (await desk.say("办得很快", openid=FIRST) or "").startswith("谢谢您的评价")
    status, body = await shown(desk, township, number)
    assert body["status"] == "closed" and body["rating"]["name"] == "非常满意"
    assert body["rating"]["comment"] == "办得很快"
    assert [e["action"] for e in body["timeline"]] == [
        "submit",
        "accept",
        "assign",
        "reply",
        "resolve",
        "rate",
    ]
    assert body["attachments"][0]["media_id"] == "media-proof-1"
    assert [a["a"] for a in body["answers"]] == [
        "3",
        "没有劳动能力、重病或慢性病",
        "（未填）",
        "（已发照片）",
    ]


async def test_a_repeat_application_asks_only_the_items_questions(desk: Desk) -> None:
    await register_and_apply(desk)
    await desk.say("办事", openid=FIRST)
    await desk.say("身份证", openid=FIRST)
    reply = await desk.say("我要申请", openid=FIRST)
    assert reply is not None and reply.startswith("（第1/3问）办什么？")
    await desk.say("到期换证", openid=FIRST)
    await desk.say("2", openid=FIRST)
    summary = await desk.say("2026年12月1日", openid=FIRST)
    assert summary is not None and "旧证到期日是哪天：2026年12月1日" in summary
    assert (await desk.say("1", openid=FIRST) or "").startswith("已提交！")


async def test_pressing_confirm_twice_or_wechat_retrying_makes_one_ticket(desk: Desk) -> None:
    number, _ = await register_and_apply(desk)
    again = await desk.say("确认提交", openid=FIRST)
    assert again is not None and again.startswith(f"您刚才已经提交过了，受理编号：{number}")
    with use(desk.app[keys.DATABASE]):
        assert await Ticket.all().count() == 1


async def test_a_resident_sees_only_their_own_tickets(desk: Desk) -> None:
    number, _ = await register_and_apply(desk)
    await desk.say("查进度", openid=SECOND)
    reply = await desk.say(number, openid=SECOND)
    assert reply is not None and reply.startswith("没有找到这个受理编号")
    made_up = await desk.say("20200101-0001", openid=SECOND)
    assert made_up is not None and made_up.startswith("没有找到这个受理编号")
    mine = await desk.say(number.replace("-", ""), openid=FIRST)  # read out without the dash
    assert mine is not None and "没有找到" not in mine


async def test_withdrawing_is_offered_until_the_ticket_is_accepted(desk: Desk) -> None:
    number, _ = await register_and_apply(desk)
    await desk.say("查进度", openid=FIRST)
    detail = await desk.say("1", openid=FIRST)
    assert detail is not None and "正在等待工作人员受理" in detail and "撤回" in detail
    assert "确定撤回" in (await desk.say("撤回", openid=FIRST) or "")
    assert (await desk.say("确定撤回", openid=FIRST) or "").startswith(f"已撤回 {number}")
    township = await login(desk)
    status, body = await staff_act(desk, township, number, "accept")
    assert status == 409 and body["error"] == "工单现在是“已撤回”，不能受理"


async def complaint(desk: Desk, openid: str = FIRST) -> str:
    await desk.say("反映问题", openid=openid)
    await desk.say("投诉", openid=openid)
    await desk.say("环境卫生", openid=openid)
    voice = desk.sim.voice(openid, "村东头垃圾堆了半个月没人清理。", media_id="voice-1")
    reply = await desk.send(voice)
    assert reply is not None and "个人信息告知" in reply
    for answer in ("同意", "李四", PHONE, "桑园镇", "1"):
        reply = await desk.say(answer, openid=openid)
    assert reply is not None and "情况：村东头垃圾堆了半个月没人清理" in reply
    await desk.send(desk.sim.location(openid, 37.62, 116.39, "桑园镇东街"))
    done = await desk.say("确认", openid=openid)
    assert done is not None and done.startswith("已提交！")
    return done.split("受理编号：")[1][:13]


async def test_a_complaint_returned_by_a_department_is_reassigned(
    desk: Desk, wechat: FakeWeChat
) -> None:
    number = await complaint(desk)
    township = await login(desk)
    wrong = await login(desk, "jiaoyu", "department_handler", unit="县教育局")
    right = await login(desk, "zhufang", "department_handler", unit="县住房和城乡建设局")
    await staff_act(desk, township, number, "accept")
    await staff_act(desk, township, number, "assign", unit="县教育局", handler="jiaoyu")
    status, body = await staff_act(desk, wrong, number, "return", reason="不归教育局管")
    assert status == 200 and body == {"number": number, "status": "accepted"}
    assert (await shown(desk, wrong, number))[0] == 404  # no longer theirs
    status, body = await staff_act(desk, township, number, "assign", unit="县住房和城乡建设局")
    assert status == 200 and body["unit"] == "县住房和城乡建设局"
    status, body = await staff_act(desk, right, number, "resolve", result="已清理")
    assert status == 200
    status, body = await shown(desk, township, number)
    assert body["kind"] == "complaint" and body["location"]["label"] == "桑园镇东街"
    assert body["attachments"][0]["text"] == "村东头垃圾堆了半个月没人清理"
    steps = [(e["action"], e["to"], e["note"]) for e in body["timeline"]]
    assert ("return", "accepted", "不归教育局管") in steps
    pushes = await wechat.wait_for_texts(FIRST, 5)
    heads = [p.split("】")[0] for p in pushes]
    assert heads == ["【已受理", "【办理中", "【重新安排", "【办理中", "【已办结"]
    assert "县教育局" in pushes[1] and "县住房和城乡建设局" in pushes[3]
    assert "已清理" in pushes[4]


async def test_an_approved_extension_moves_the_deadline_and_tells_the_resident(
    desk: Desk, wechat: FakeWeChat
) -> None:
    number = await complaint(desk)
    township = await login(desk)
    handler = await login(desk, "zhufang", "department_handler", unit="县住房和城乡建设局")
    supervisor = await login(desk, "ducha", "supervisor")
    await staff_act(desk, township, number, "accept")
    await staff_act(desk, township, number, "assign", unit="县住房和城乡建设局")
    before = (await shown(desk, township, number))[1]["due_on"]
    status, body = await staff_act(desk, handler, number, "approve-extension")
    assert status == 403  # a handler asks; a supervisor approves
    status, body = await staff_act(desk, supervisor, number, "approve-extension")
    assert status == 409 and body["error"] == "没有待批准的延期申请"
    status, body = await staff_act(
        desk, handler, number, "request-extension", days=5, reason="需要等垃圾车"
    )
    assert status == 200 and body["extension"] == {"days": 5, "reason": "需要等垃圾车"}
    status, body = await staff_act(desk, supervisor, number, "approve-extension")
    assert status == 200 and body["extension"] is None and body["due_on"] > before
    pushes = await wechat.wait_for_texts(FIRST, 3)
    assert pushes[-1].startswith("【延期】") and "需要等垃圾车" in pushes[-1]


async def test_not_satisfied_sends_it_back_for_a_second_handling(desk: Desk) -> None:
    number = await complaint(desk)
    township = await login(desk)
    await staff_act(desk, township, number, "accept")
    await staff_act(desk, township, number, "resolve", result="已处理")
    asked = await desk.say("评价", openid=FIRST)  # the one ticket waiting: straight to it
    assert asked is not None and asked.startswith(f"{number}（投诉：环境卫生）已办结")
    await desk.say("不满意", openid=FIRST)
    reply = await desk.say("根本没人来", openid=FIRST)
    assert reply is not None and reply.startswith("很抱歉让您不满意")
    _status, body = await shown(desk, township, number)
    assert body["status"] == "accepted" and body["flagged"] and body["redo_count"] == 1
    assert body["rating"]["score"] == 2 and body["rating"]["comment"] == "根本没人来"


async def test_staff_see_only_their_jurisdiction(desk: Desk) -> None:
    number = await complaint(desk)
    other = await login(desk, "tiecheng", "township_staff", township="铁城镇")
    handler = await login(desk, "jiaoyu", "department_handler", unit="县教育局")
    for auth in (other, handler):
        assert (await shown(desk, auth, number))[0] == 404
        status, _ = await staff_act(desk, auth, number, "resolve", result="x")
        assert status == 404
        listed = await (await desk.client.get("/api/v1/tickets", headers=auth)).json()
        assert listed["tickets"] == []
    with use(desk.app[keys.DATABASE]):
        assert await AuditEntry.all().count() == 0
    # The county admin may act on any ticket, so sees the contact too; each view audited.
    county = await login(desk, "county", "county_admin")
    status, body = await shown(desk, county, number)
    assert status == 200 and body["contact"]["phone"] == PHONE
    township = await login(desk)
    await shown(desk, township, number)
    with use(desk.app[keys.DATABASE]):
        entries = await AuditEntry.all().order_by("id").select_related("staff")
    assert [(e.staff.username, e.action, e.detail) for e in entries] == [
        ("county", "view_contact", number),
        ("sangyuan", "view_contact", number),
    ]


async def test_illegal_transitions_are_refused_and_change_nothing(desk: Desk) -> None:
    number = await complaint(desk)
    township = await login(desk)
    status, body = await staff_act(desk, township, number, "resolve", result="x")
    assert status == 409 and body["error"] == "工单现在是“待受理”，不能办结"
    await staff_act(desk, township, number, "accept")
    status, body = await staff_act(desk, township, number, "resolve", result="x")
    assert status == 200  # the township may settle it itself, without a department
    for action, fields in (
        ("accept", {}),
        ("assign", {"unit": "县民政局"}),
        ("reply", {"text": "x"}),
    ):
        status, body = await staff_act(desk, township, number, action, **fields)
        assert status == 409 and "已办结" in body["error"]
    status, body = await staff_act(desk, township, number, "fly")
    assert status == 404
    status, body = await staff_act(desk, township, number, "reopen")
    assert status == 400 and body["field"] == "reason"
    status, body = await staff_act(desk, township, number, "reopen", reason="x", extra=1)
    assert status == 400 and "extra" in body["error"]
    with use(desk.app[keys.DATABASE]):
        assert await TicketEvent.all().count() == 3  # submit, accept, resolve


async def test_phone_numbers_never_reach_the_logs(
    desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot import logs

    logs.configure("debug", json_lines=True)
    try:
        number = await complaint(desk)
        township = await login(desk)
        await shown(desk, township, number)
        await staff_act(desk, township, number, "accept")
        # The push telling the resident is queued with the change; once it has gone out,
        # everything the change set off (and might have logged) is done.
        loop = asyncio.get_running_loop()
        end = loop.time() + 10
        with use(desk.app[keys.DATABASE]):
            while not await Delivery.filter(openid=FIRST, state="sent").exists():
                assert loop.time() < end
                await asyncio.sleep(0.05)
    finally:
        logging.getLogger().handlers.clear()
        structlog.reset_defaults()
    out = capsys.readouterr()
    assert "ticket changed" in out.err + out.out
    assert PHONE not in out.err + out.out
    with use(desk.app[keys.DATABASE]):
        assert (await Resident.get(openid=FIRST)).phone == PHONE


async def test_deadlines_count_working_days_across_national_day(desk: Desk) -> None:
    # Accepted on Tuesday 29 September 2026 with 5 working days: 30 Sept, then 8, 9,
    # Saturday 10 October (a swapped working day), and Monday 12 October.
    target = datetime(2026, 9, 29, 10, 0, tzinfo=BEIJING)
    desk.clock.advance(seconds=(target - desk.clock()).total_seconds())
    number = await complaint(desk)  # a complaint's time limit is 5 working days
    assert number.startswith("20260929-")
    township = await login(desk)
    status, body = await staff_act(desk, township, number, "accept")
    assert status == 200 and body["due_on"] == "2026-10-12"


async def test_residents_see_change_and_delete_what_is_kept_about_them(desk: Desk) -> None:
    number, _ = await register_and_apply(desk)
    mine = await desk.say("我的", openid=FIRST)
    assert mine is not None and "姓名：张桂兰" in mine and "手机号：138****5678" in mine
    assert "所在村（社区）：桑园镇东街社区" in mine
    await desk.say("填写或修改手机号", openid=FIRST)
    wrong = await desk.say("1381234", openid=FIRST)
    assert wrong is not None and wrong.startswith("这个手机号不对")
    saved = await desk.say("一三九 一二三四 五六七八", openid=FIRST)  # read out by voice
    assert saved is not None and saved.startswith("已记下您的手机号：139****5678")
    await desk.say("我的", openid=FIRST)
    assert "确定删除" in (await desk.say("删除我的信息", openid=FIRST) or "")
    assert (await desk.say("确定删除", openid=FIRST) or "").startswith("已删除")
    with use(desk.app[keys.DATABASE]):
        person = await Resident.get(openid=FIRST)
        assert (person.name, person.phone, person.village_id) == (None, None, None)
        ticket = await Ticket.get(number=number)  # the request keeps the contact given then
        assert ticket.contact_phone == PHONE
    # The next application asks again, starting with the notice.
    await desk.say("办事", openid=FIRST)
    await desk.say("社保卡", openid=FIRST)
    assert "个人信息告知" in (await desk.say("我要申请", openid=FIRST) or "")


async def test_a_resolved_ticket_nobody_rates_closes_after_seven_days(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    desk = await make_desk(outbox=FAST, tickets={"sweep_seconds": 0.1})
    earlier, number = await complaint(desk, SECOND), await complaint(desk)
    await login(desk)

    async def resolve(ticket: str) -> None:
        township = await relogin(desk)
        await staff_act(desk, township, ticket, "accept")
        await staff_act(desk, township, ticket, "resolve", result="已清理")

    async def closed(ticket: str) -> dict[str, Any]:
        township = await relogin(desk)
        loop = asyncio.get_running_loop()
        end = loop.time() + 10
        while (body := (await shown(desk, township, ticket))[1])["status"] != "closed":
            assert loop.time() < end, body
            await asyncio.sleep(0.05)
        return body

    # Each resident's two pushes are out before the clock moves past the outbox's lease
    # (a minute): moved while one is on its way, it would be taken for abandoned.
    await resolve(earlier)
    await wechat.wait_for_texts(SECOND, 2)
    desk.clock.advance(days=1)
    await resolve(number)
    await wechat.wait_for_texts(FIRST, 2)
    desk.clock.advance(days=6, minutes=1)
    # The one resolved a day before is closed: the sweeper has looked at this moment, and
    # left the other, resolved six days ago.
    await closed(earlier)
    assert (await shown(desk, await relogin(desk), number))[1]["status"] == "resolved"
    desk.clock.advance(days=1)
    body = await closed(number)
    assert body["rating"] is None and body["timeline"][-1]["action"] == "auto-close"
    pushes = await wechat.wait_for_texts(FIRST, 3)
    assert [p.split("】")[0] for p in pushes] == ["【已受理", "【已办结", "【已结束"]
    assert number in pushes[-1]
    assert (await desk.say("评价", openid=FIRST) or "").startswith("您现在没有等待评价的事项")


async def test_the_staff_queue_filters_and_pages(desk: Desk) -> None:
    first = await complaint(desk)
    second = await complaint(desk, SECOND)
    township = await login(desk)
    await staff_act(desk, township, first, "accept")

    async def listed(query: str) -> list[str]:
        resp = await desk.client.get(f"/api/v1/tickets?{query}", headers=township)
        assert resp.status == 200, await resp.text()
        return [t["number"] for t in (await resp.json())["tickets"]]

    assert await listed("") == [second, first]  # newest first
    assert await listed("status=submitted") == [second]
    assert await listed("status=open&kind=complaint&township=桑园镇") == [second, first]
    assert await listed("text=垃圾") == [second, first]
    assert await listed("text=火箭") == []
    assert await listed("overdue=true") == []
    today = desk.clock().date()
    assert await listed(f"from={today}&to={today}") == [second, first]
    assert await listed(f"to={today - timedelta(days=1)}") == []
    page = await (await desk.client.get("/api/v1/tickets?limit=1", headers=township)).json()
    assert [t["number"] for t in page["tickets"]] == [second] and page["next"]
    assert await listed(f"limit=1&before={page['next']}") == [first]
    desk.clock.advance(days=30)
    township = await relogin(desk)
    # The accepted one's 5 working days are long gone, and so is the other's one working
    # day to be accepted at all (首问负责).
    assert await listed("overdue=true") == [second, first]
    assert await listed("overdue=true&status=submitted") == [second]
    for bad in ("status=lost", "overdue=maybe", "from=yesterday", "limit=x", "colour=red"):
        resp = await desk.client.get(f"/api/v1/tickets?{bad}", headers=township)
        assert resp.status == 400, bad


async def test_every_staff_route_is_in_the_openapi_document(desk: Desk) -> None:
    doc = await (await desk.client.get("/api/v1/openapi.json")).json()
    routes = {
        (r.method.lower(), r.resource.canonical[len("/api/v1") :])
        for r in desk.app.router.routes()
        if r.resource is not None and r.resource.canonical.startswith("/api/v1/")
    }
    routes.discard(("get", "/openapi.json"))
    routes.discard(("head", "/openapi.json"))
    documented = {(m, p) for p, ops in doc["paths"].items() for m in ops}
    for method, path in routes:
        if method == "head":
            continue
        if path.endswith("{action}"):
            for action in ("accept", "assign", "return", "approve-extension", "reopen"):
                assert (method, path.replace("{action}", action)) in documented
        else:
            assert (method, path) in documented, (method, path)
    body = doc["paths"]["/tickets/{number}/request-extension"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"]["required"] == ["days", "reason"]


async def test_words_that_say_no_are_never_taken_for_yes(desk: Desk) -> None:
    await desk.say("社保卡", openid=FIRST)
    await desk.say("我要申请", openid=FIRST)
    reply = await desk.say("不太同意", openid=FIRST)
    assert reply is not None and reply.startswith("没有看明白") and "个人信息告知" in reply
    with use(desk.app[keys.DATABASE]):
        assert (await Resident.get(openid=FIRST)).consented_at is None
    number, _ = await register_and_apply(desk)
    township = await login(desk)
    await staff_act(desk, township, number, "accept")
    await staff_act(desk, township, number, "resolve", result="已办")
    await desk.say("评价", openid=FIRST)
    reply = await desk.say("不太满意", openid=FIRST)
    assert reply is not None and reply.startswith("没有看明白")  # not 满意: asked again
    reply = await desk.say("2", openid=FIRST)  # the number is the score: 2 is 不满意
    assert reply is not None and reply.startswith("您选的是“不满意”，这件事会重新办理")
    # A summary answered "先别提交" makes nothing.
    await desk.say("菜单", openid=FIRST)
    await desk.say("社保卡", openid=FIRST)
    await desk.say("我要申请", openid=FIRST)
    for answer in ("补办", "丢了", "跳过"):
        summary = await desk.say(answer, openid=FIRST)
    assert summary is not None and summary.startswith("请核对")
    assert (await desk.say("先别提交", openid=FIRST) or "").startswith("没有看明白")
    with use(desk.app[keys.DATABASE]):
        assert await Ticket.all().count() == 1


async def test_starting_a_complaint_again_asks_for_the_words_again(desk: Desk) -> None:
    await complaint(desk)
    await desk.say("反映问题", openid=FIRST)
    await desk.say("建议", openid=FIRST)
    await desk.say("村庄建设", openid=FIRST)
    summary = await desk.say("村口的路灯坏了好几个，晚上太黑", openid=FIRST)
    assert summary is not None and "情况：村口的路灯坏了好几个" in summary
    again = await desk.say("重新填写", openid=FIRST)
    assert again is not None and again.startswith("请把情况说一说")
    summary = await desk.say("希望在村口装两盏路灯", openid=FIRST)
    assert summary is not None and "情况：希望在村口装两盏路灯" in summary
    await desk.say("确认提交", openid=FIRST)
    with use(desk.app[keys.DATABASE]):
        ticket = await Ticket.filter(kind="suggestion").get()
        assert ticket.content == "希望在村口装两盏路灯"


async def test_long_words_are_kept_whole_and_the_bot_stays_short(
    desk: Desk, wechat: FakeWeChat
) -> None:
    number = await complaint(desk)
    township = await login(desk)
    handler = await login(desk, "zhufang", "department_handler", unit="县住房和城乡建设局")
    await staff_act(desk, township, number, "accept")
    await staff_act(desk, township, number, "assign", unit="县住房和城乡建设局")
    reason = "需要协调" * 150  # 600 characters: over the 500 a note may have
    status, body = await staff_act(
        desk, handler, number, "request-extension", days=3, reason=reason
    )
    assert status == 400 and body["field"] == "reason"
    status, body = await staff_act(
        desk, handler, number, "request-extension", days=3, reason=reason[:400]
    )
    assert status == 200 and body["extension"]["reason"] == reason[:400]
    long_reply = "已经联系了环卫所，" * 50
    status, _ = await staff_act(desk, handler, number, "reply", text=long_reply[:500])
    assert status == 200
    await desk.say("查进度", openid=FIRST)
    detail = await desk.say("1", openid=FIRST)
    assert detail is not None and len(detail) <= 300 and "完整内容见推送" in detail
    await staff_act(desk, handler, number, "resolve", result="已清理")
    await desk.say("评价", openid=FIRST)
    await desk.say("5", openid=FIRST)
    comment = "清理得很干净，" * 40  # 280 characters
    assert (await desk.say(comment, openid=FIRST) or "").startswith("谢谢您的评价")
    status, body = await shown(desk, township, number)
    assert body["rating"] == {"score": 5, "name": "非常满意", "comment": comment}


async def test_whoever_may_act_on_a_ticket_sees_the_phone_and_no_one_else(desk: Desk) -> None:
    number = await complaint(desk)
    township = await login(desk)
    named = await login(desk, "zhufang", "department_handler", unit="县住房和城乡建设局")
    colleague = await login(desk, "zhufang2", "department_handler", unit="县住房和城乡建设局")
    await staff_act(desk, township, number, "accept")
    await staff_act(desk, township, number, "assign", unit="县住房和城乡建设局", handler="zhufang")
    replies = iter(f"第{n}次答复：已安排人员处理" for n in range(1, 10))

    async def may(auth: dict[str, str]) -> tuple[bool, bool]:
        """(may they reply, do they see the phone whole)"""
        phone = (await shown(desk, auth, number))[1]["contact"]["phone"]
        assert phone in (PHONE, "138****5678")
        status, _ = await staff_act(desk, auth, number, "reply", text=next(replies))
        assert status in (200, 403)
        return status == 200, phone == PHONE

    assert await may(named) == (True, True)
    assert await may(township) == (True, True)
    # A colleague in the same unit neither answers, nor extends, nor sees the phone.
    assert await may(colleague) == (False, False)
    status, body = await staff_act(
        desk, colleague, number, "request-extension", days=60, reason="人手不够"
    )
    assert status == 403 and "指定由同单位的其他人办理" in body["error"]
    assert await contact_views(desk, "zhufang2", number) == 0
    # Sent to the unit with no one named, every handler of the unit works it.
    await staff_act(desk, township, number, "assign", unit="县住房和城乡建设局")
    assert await may(colleague) == (True, True)
    assert await may(named) == (True, True)
    # Audited: the ticket shown, and the ticket as the reply left it.
    assert await contact_views(desk, "zhufang2", number) == 2


async def contact_views(desk: Desk, username: str, number: str) -> int:
    with use(desk.app[keys.DATABASE]):
        return await AuditEntry.filter(
            action="view_contact", staff__username=username, ticket__number=number
        ).count()


async def test_menu_words_are_not_taken_for_a_name_and_rating_nothing_says_so(
    desk: Desk,
) -> None:
    reply = await desk.say("评价", openid=FIRST)
    assert reply is not None and reply.startswith("您现在没有等待评价的事项") and "1. 办事" in reply
    await desk.say("社保卡", openid=FIRST)
    await desk.say("我要申请", openid=FIRST)
    await desk.say("同意", openid=FIRST)
    reply = await desk.say("办事", openid=FIRST)  # a menu item, not a name: it goes there
    assert reply is not None and reply.startswith("请说您要办什么事")
    with use(desk.app[keys.DATABASE]):
        assert (await Resident.get(openid=FIRST)).name is None
    reply = await desk.say("我的", openid=FIRST)
    await desk.say("2", openid=FIRST)  # 填写或修改姓名
    reply = await desk.say("李", openid=FIRST)
    assert reply is not None and reply.startswith("姓名请用 2 到 20 个汉字")


async def test_a_residents_updates_arrive_in_the_order_they_happened(
    desk: Desk, wechat: FakeWeChat
) -> None:
    """The first push waits for an access token (WeChat takes half a second to give
    it); the two queued meanwhile are claimed by other lanes and must not overtake it,
    nor each other. Before, the resident got 回复 before 办理中."""
    number = await complaint(desk)
    township = await login(desk)
    wechat.state.fail("/cgi-bin/stable_token", times=1, delay=0.5)
    await staff_act(desk, township, number, "accept")
    await staff_act(desk, township, number, "assign", unit="县民政局")
    await staff_act(desk, township, number, "reply", text="已联系民政局")
    pushes = await wechat.wait_for_texts(FIRST, 3)
    assert [p.split("】")[0] for p in pushes] == ["【已受理", "【办理中", "【回复"]

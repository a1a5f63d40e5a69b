"""Grid workers (网格员) through the webhook as WeChat sends it: binding by code and by QR
scene, their menu, and 事件上报 in whatever order the pieces come."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from bot import keys
from storage.db import use
from storage.models import Attachment, AuditEntry, Delivery, Ticket
from tests.conftest import Desk, DeskFactory, FakeWeChat
from tests.test_notices import FAST, login
from tests.test_service_desk import complaint, relogin, shown

WORKER = "oWorker0000000000000000000001"
OTHER = "oOther00000000000000000000002"


QUICK_MEDIA = {"poll_seconds": 0.05, "retry_seconds": 0.05, "attempts": 3}
PHOTO = b"\xff\xd8\xff\xe0" + b"photo of a leaning pole" * 50
VOICE = b"#!AMR\n" + b"voice" * 100


@pytest.fixture
async def desk(make_desk: DeskFactory) -> Desk:
    made: Desk = await make_desk(outbox=FAST, media=QUICK_MEDIA)
    return made


async def grid_of(desk: Desk, auth: dict[str, str], village: str = "东街社区") -> dict[str, Any]:
    resp = await desk.client.get("/api/v1/grids?township=桑园镇", headers=auth)
    assert resp.status == 200
    grids = [g for g in (await resp.json())["grids"] if g["village"] == village]
    assert len(grids) == 1
    found: dict[str, Any] = grids[0]
    return found


async def invite(desk: Desk, auth: dict[str, str], grid: int) -> dict[str, Any]:
    resp = await desk.client.post(f"/api/v1/grids/{grid}/invites", headers=auth)
    assert resp.status == 201, await resp.text()
    body: dict[str, Any] = await resp.json()
    return body


async def bound_worker(desk: Desk) -> tuple[dict[str, str], dict[str, Any]]:
    auth = await login(desk)
    grid = await grid_of(desk, auth)
    code = (await invite(desk, auth, grid["id"]))["code"]
    reply = await desk.say(f"绑定 {code}", openid=WORKER)
    assert reply is not None and reply.startswith("绑定成功！您现在是“东街社区网格”的网格员")
    return auth, grid


async def test_a_code_binds_once_and_the_worker_gets_the_grid_menu(desk: Desk) -> None:
    auth = await login(desk)
    grid = await grid_of(desk, auth)
    made = await invite(desk, auth, grid["id"])
    assert len(made["code"]) == 6 and made["scene"] == f"grid_{made['code']}"
    reply = await desk.say(f"绑定 {made['code']}", openid=WORKER)
    assert reply is not None and "网格员菜单" in reply and "1. 事件上报" in reply
    assert "网格员菜单" in (await desk.say("菜单", openid=WORKER) or "")
    again = await desk.say(f"绑定{made['code']}", openid=OTHER)
    assert again is not None and again.startswith("这个绑定码已经用过了")
    assert "网格员菜单" not in again  # still an ordinary resident
    workers = await (
        await desk.client.get(f"/api/v1/grids/{grid['id']}/workers", headers=auth)
    ).json()
    assert len(workers["workers"]) == 1 and "…" in workers["workers"][0]["openid"]


async def test_wrong_and_expired_codes_say_so_and_guessing_is_slowed(desk: Desk) -> None:
    auth = await login(desk)
    grid = await grid_of(desk, auth)
    good = (await invite(desk, auth, grid["id"]))["code"]
    wrong = "000000" if good != "000000" else "111111"
    reply = await desk.say(f"绑定 {wrong}", openid=OTHER)
    assert reply is not None and reply.startswith("这个绑定码不对")
    for _ in range(4):
        await desk.say(f"绑定 {wrong}", openid=OTHER)
    reply = await desk.say(f"绑定 {good}", openid=OTHER)  # right, but too late to guess
    assert reply is not None and reply.startswith("绑定码错了太多次")
    desk.clock.advance(hours=73)
    auth = await relogin(desk)
    reply = await desk.say(f"绑定 {good}", openid=WORKER)
    assert reply is not None and reply.startswith("这个绑定码已经过期")


async def test_scanning_the_qr_code_binds_whether_following_or_already_a_follower(
    desk: Desk,
) -> None:
    auth = await login(desk)
    grid = await grid_of(desk, auth)
    first = (await invite(desk, auth, grid["id"]))["scene"]
    event = desk.sim.event(WORKER, "subscribe", EventKey=f"qrscene_{first}", Ticket="t1")
    reply = await desk.send(event)
    assert reply is not None and "欢迎关注" in reply and "绑定成功" in reply
    assert "网格员菜单" in reply
    second = (await invite(desk, auth, grid["id"]))["scene"]
    reply = await desk.send(desk.sim.event(OTHER, "SCAN", EventKey=second, Ticket="t2"))
    assert reply is not None and reply.startswith("绑定成功")


async def test_an_unbound_worker_is_an_ordinary_resident_at_once(desk: Desk) -> None:
    auth, grid = await bound_worker(desk)
    workers = await (
        await desk.client.get(f"/api/v1/grids/{grid['id']}/workers", headers=auth)
    ).json()
    worker = workers["workers"][0]["id"]
    other = await login(desk, "tiecheng", "township_staff", township="铁城镇")
    url = f"/api/v1/grids/{grid['id']}/workers/{worker}/unbind"
    assert (await desk.client.post(url, headers=other)).status == 404  # not their grid
    assert (await desk.client.post(url, headers=auth)).status == 200
    reply = await desk.say("菜单", openid=WORKER)
    assert reply is not None and "网格员菜单" not in reply and "1. 办事" in reply


async def fetched_files(desk: Desk, auth: dict[str, str], number: str) -> list[bytes]:
    """The report's attachments as staff download them, once all are fetched."""
    loop = asyncio.get_running_loop()
    end = loop.time() + 10
    while True:
        _, body = await shown(desk, auth, number)
        if all(a["stored"] == "stored" for a in body["attachments"]):
            break
        assert loop.time() < end, body["attachments"]
        await asyncio.sleep(0.05)
    out = []
    for a in body["attachments"]:
        got = await desk.client.get(a["file"], headers=auth)
        assert got.status == 200
        out.append(await got.read())
    return out


async def test_a_report_sent_photo_first_asks_only_for_what_is_missing(
    desk: Desk, wechat: FakeWeChat
) -> None:
    auth, grid = await bound_worker(desk)
    pole = wechat.state.store_media(PHOTO, "image/jpeg")
    voiced = wechat.state.store_media(VOICE, "audio/amr")
    reply = await desk.send(desk.sim.image(WORKER, pole))
    assert reply is not None and reply.startswith("收到照片（共1张）") and "简单说说情况" in reply
    spoken = desk.sim.voice(WORKER, "村口电线杆歪了，快倒了。", media_id=voiced)
    reply = await desk.send(spoken)  # the category and the urgency are in the words
    assert reply is not None and "请发送位置" in reply  # the photo is already here
    summary = await desk.say("就在网格里", openid=WORKER)
    assert summary is not None and "类别：安全隐患" in summary and "照片：1张" in summary
    assert "紧急：是" in summary and "不对请回复正确的类别" in summary
    done = await desk.say("确认", openid=WORKER)
    assert done is not None and done.startswith("已上报！受理编号：")
    number = done.split("受理编号：")[1][:13]
    with use(desk.app[keys.DATABASE]):
        ticket = await Ticket.get(number=number)
        assert ticket.kind == "incident" and ticket.grid_id == grid["id"] and ticket.urgent
        assert ticket.content == "村口电线杆歪了，快倒了"
        files = await Attachment.filter(ticket=ticket).order_by("id")
        assert [(f.kind, f.media_id) for f in files] == [("image", pole), ("voice", voiced)]
    status, body = await shown(desk, auth, number)
    assert status == 200 and body["kind"] == "incident" and body["village"] == "东街社区"
    assert await fetched_files(desk, auth, number) == [PHOTO, VOICE]


async def test_a_report_sent_location_first_or_in_order_ends_in_one_ticket(
    desk: Desk, wechat: FakeWeChat
) -> None:
    auth, _ = await bound_worker(desk)
    reply = await desk.send(desk.sim.location(WORKER, 37.6, 116.4, "桑园镇东街12号"))
    assert reply is not None and reply.startswith("收到位置") and "简单说说情况" in reply
    await desk.say("两家为宅基地边界吵架", openid=WORKER)
    fence = wechat.state.store_media(PHOTO + b"fence", "image/jpeg")
    summary = await desk.send(desk.sim.image(WORKER, fence))
    assert summary is not None and summary.startswith("收到照片") and "请核对" in summary
    assert "类别：矛盾纠纷" in summary and "位置：桑园镇东街12号" in summary
    assert "紧急程度：一般" in summary
    first = (await desk.say("确认", openid=WORKER) or "").split("受理编号：")[1][:13]
    assert await fetched_files(desk, auth, first) == [PHOTO + b"fence"]
    # In the asked order, from the menu.
    assert "简单说说情况" in (await desk.say("事件上报", openid=WORKER) or "")
    await desk.say("环境卫生", openid=WORKER)  # the category said first: kept
    await desk.say("垃圾堆在路边", openid=WORKER)
    trash = wechat.state.store_media(PHOTO + b"trash", "image/jpeg")
    await desk.send(desk.sim.image(WORKER, trash))
    reply = await desk.say("跳过", openid=WORKER)
    assert reply is not None and reply.startswith("请发送位置")  # a photo came: not needed
    await desk.send(desk.sim.location(WORKER, 37.6, 116.4, "东街路口"))
    done = await desk.say("确认提交", openid=WORKER)
    assert done is not None and done.startswith("已上报")
    second = done.split("受理编号：")[1][:13]
    assert await fetched_files(desk, auth, second) == [PHOTO + b"trash"]
    # Reports and a resident's complaint share the township's queue.
    await complaint(desk, OTHER)
    queue = await (await desk.client.get("/api/v1/tickets?status=open", headers=auth)).json()
    assert [t["kind"] for t in queue["tickets"]] == ["complaint", "incident", "incident"]
    mine = await desk.say("我的上报", openid=WORKER)
    assert mine is not None and mine.count("网格事件：") == 2
    events = await desk.say("网格事件", openid=WORKER)
    assert events is not None and "网格事件：环境卫生" in events


async def until_fetched(desk: Desk, count: int) -> list[Attachment]:
    loop = asyncio.get_running_loop()
    end = loop.time() + 10
    while True:
        with use(desk.app[keys.DATABASE]):
            rows = await Attachment.exclude(fetch="pending").order_by("id")
        if len(rows) >= count:
            return rows
        assert loop.time() < end, rows
        await asyncio.sleep(0.05)


async def quick_report(desk: Desk, *media: dict[str, Any]) -> str:
    for message in media:
        await desk.send(message)
    await desk.say("设施损坏", openid=WORKER)
    await desk.say("路灯坏了", openid=WORKER)
    await desk.say("就在网格里", openid=WORKER)
    done = await desk.say("确认", openid=WORKER)
    assert done is not None and done.startswith("已上报"), done
    return done.split("受理编号：")[1][:13]


async def test_photos_and_voice_notes_are_fetched_checked_and_kept(
    desk: Desk, wechat: FakeWeChat
) -> None:
    auth, _ = await bound_worker(desk)
    photo = wechat.state.store_media(PHOTO, "image/jpeg")
    voice = wechat.state.store_media(VOICE, "audio/amr")
    number = await quick_report(
        desk,
        desk.sim.image(WORKER, photo),
        desk.sim.voice(WORKER, "路灯不亮了", media_id=voice),
    )
    rows = await until_fetched(desk, 2)
    assert [(r.fetch, r.content_type, r.size) for r in rows] == [
        ("stored", "image/jpeg", len(PHOTO)),
        ("stored", "audio/amr", len(VOICE)),
    ]
    _, body = await shown(desk, auth, number)
    files = body["attachments"]
    got = await desk.client.get(files[0]["file"], headers=auth)
    assert got.status == 200 and await got.read() == PHOTO
    assert got.headers["Content-Type"] == "image/jpeg"
    other = await login(desk, "tiecheng", "township_staff", township="铁城镇")
    assert (await desk.client.get(files[1]["file"], headers=other)).status == 404


async def test_a_download_that_fails_twice_is_tried_again_and_kept(
    desk: Desk, wechat: FakeWeChat
) -> None:
    await bound_worker(desk)
    photo = wechat.state.store_media(PHOTO, "image/jpeg")
    wechat.state.fail("/cgi-bin/media/get", -1, times=2)
    await quick_report(desk, desk.sim.image(WORKER, photo))
    [row] = await until_fetched(desk, 1)
    assert row.fetch == "stored" and len(wechat.state.sent("/cgi-bin/media/get")) == 3
    # Failing longer than the API client's own three tries: the job tries again later.
    second = wechat.state.store_media(PHOTO, "image/jpeg")
    wechat.state.fail("/cgi-bin/media/get", -1, times=4)
    await quick_report(desk, desk.sim.image(WORKER, second))
    rows = await until_fetched(desk, 2)
    assert rows[1].fetch == "stored" and rows[1].fetch_attempts == 2
    assert len(wechat.state.sent("/cgi-bin/media/get")) == 3 + 5


async def test_a_file_that_is_not_what_it_claims_is_marked_failed_for_staff(
    desk: Desk, wechat: FakeWeChat
) -> None:
    auth, _ = await bound_worker(desk)
    fake = wechat.state.store_media(b"<html>not a photo</html>", "image/jpeg")
    number = await quick_report(desk, desk.sim.image(WORKER, fake))
    [row] = await until_fetched(desk, 1)
    assert row.fetch == "failed" and row.fetch_attempts == 3
    _, body = await shown(desk, auth, number)
    assert body["attachments"][0]["stored"] == "failed"
    assert "not image/jpeg" in body["attachments"][0]["stored_error"]
    assert body["attachments"][0]["file"] is None


async def link_staff_wechat(desk: Desk, auth: dict[str, str], openid: str) -> None:
    made = await (await desk.client.post("/api/v1/staff/me/wechat", headers=auth)).json()
    assert len(made["code"]) == 8
    reply = await desk.say(f"绑定 {made['code']}", openid=openid)
    assert reply is not None and reply.startswith("已把这个微信绑定到工作人员账号")


async def test_an_urgent_report_reaches_the_township_staff_on_duty_at_once(
    desk: Desk, wechat: FakeWeChat
) -> None:
    auth, _ = await bound_worker(desk)
    on_duty, off_duty = "oStaffOnDuty00000000000000001", "oStaffOffDuty0000000000000002"
    await link_staff_wechat(desk, auth, on_duty)
    resp = await desk.client.put("/api/v1/staff/me/duty", json={"on_duty": True}, headers=auth)
    assert resp.status == 200 and (await resp.json())["on_duty"] is True
    resting = await login(desk, "sangyuan2")
    await link_staff_wechat(desk, resting, off_duty)
    bad = await desk.client.put("/api/v1/staff/me/duty", json={"on_duty": "yes"}, headers=auth)
    assert bad.status == 400
    # A routine report alerts nobody; an urgent one reaches the one on duty.
    await quick_report(desk, desk.sim.image(WORKER, "m1"))
    await desk.send(desk.sim.image(WORKER, "m2"))
    await desk.say("安全隐患", openid=WORKER)
    await desk.say("变压器冒烟", openid=WORKER)
    summary = await desk.say("就在网格里", openid=WORKER)
    assert summary is not None and "紧急程度：一般" in summary
    summary = await desk.say("紧急", openid=WORKER)  # changed at the summary
    assert summary is not None and "紧急：是" in summary
    done = await desk.say("确认", openid=WORKER)
    assert done is not None and done.startswith("已上报")
    number = done.split("受理编号：")[1][:13]
    loop = asyncio.get_running_loop()
    end = loop.time() + 10
    with use(desk.app[keys.DATABASE]):
        # Every push queued by now has been sent or given up: nothing more is on its way.
        while not (
            await Delivery.filter(channel="template").exists()
            and not await Delivery.filter(state__in=["pending", "sending"]).exists()
        ):
            assert loop.time() < end
            await asyncio.sleep(0.05)
        assert await Delivery.filter(openid=off_duty).count() == 0
    alerts = wechat.state.delivered("/cgi-bin/message/template/send")
    assert [a.body["touser"] for a in alerts] == [on_duty]
    assert alerts[0].body["data"]["keyword1"]["value"] == number
    assert "变压器冒烟" in alerts[0].body["data"]["remark"]["value"]


async def test_a_visit_is_recorded_and_only_its_township_sees_the_names(desk: Desk) -> None:
    auth, grid = await bound_worker(desk)
    assert "走访的是哪类人员" in (await desk.say("走访登记", openid=WORKER) or "")
    await desk.say("留守儿童", openid=WORKER)
    await desk.say("王小明", openid=WORKER)
    assert (await desk.say("明年", openid=WORKER) or "").startswith("请回复走访的日期")
    await desk.say("昨天", openid=WORKER)
    await desk.say("跟奶奶住，作业没人辅导", openid=WORKER)
    await desk.say("有哮喘", openid=WORKER)
    summary = await desk.say("不需要", openid=WORKER)
    yesterday = desk.clock().date() - timedelta(days=1)
    assert summary is not None and "留守儿童 王小明" in summary and "需要帮忙：不需要" in summary
    assert f"{yesterday.month}月{yesterday.day}日" in summary
    saved = await desk.say("确认", openid=WORKER)
    assert saved is not None and saved.startswith("走访已登记")
    url = f"/api/v1/grids/{grid['id']}/visits"
    ledger = await (await desk.client.get(url, headers=auth)).json()
    [visit] = ledger["visits"]
    assert (visit["person"], visit["health"], visit["group_name"]) == (
        "王小明",
        "有哮喘",
        "留守儿童",
    )
    assert visit["visited_at"].startswith(yesterday.isoformat())
    assert visit["findings"] == "跟奶奶住，作业没人辅导"
    county = await login(desk, "county", "county_admin")
    masked = (await (await desk.client.get(url, headers=county)).json())["visits"][0]
    assert masked["person"] == "王**" and masked["health"] == "仅本乡镇工作人员可见"
    assert masked["findings"] == "仅本乡镇工作人员可见"
    other = await login(desk, "tiecheng", "township_staff", township="铁城镇")
    assert (await desk.client.get(url, headers=other)).status == 404
    with use(desk.app[keys.DATABASE]):
        audits = await AuditEntry.filter(action="view_visits").count()
    assert audits == 1  # the township's view, not the masked one


async def test_staff_create_grids_in_their_own_township(desk: Desk) -> None:
    auth = await login(desk)
    body = {
        "code": "SY-EJ-2",
        "name": "东街二网格",
        "township": "桑园镇",
        "village": "东街社区",
        "latitude": 37.62,
        "longitude": 116.39,
        "place": "东街二网格（文化广场一带）",
    }
    resp = await desk.client.post("/api/v1/grids", json=body, headers=auth)
    assert resp.status == 201, await resp.text()
    made = await resp.json()
    assert made["village"] == "东街社区" and made["latitude"] == 37.62
    assert (await desk.client.post("/api/v1/grids", json=body, headers=auth)).status == 409
    for bad in ({"latitude": 200}, {"village": "火星村"}, {"colour": "red"}, {"code": ""}):
        resp = await desk.client.post("/api/v1/grids", json={**body, **bad}, headers=auth)
        assert resp.status == 400, bad
    other = {**body, "code": "TC-1", "township": "铁城镇", "village": None}
    resp = await desk.client.post(
        "/api/v1/grids", json={k: v for k, v in other.items() if v is not None}, headers=auth
    )
    assert resp.status == 403
    handler = await login(desk, "minzheng", "department_handler")
    assert (await desk.client.post("/api/v1/grids", json=body, headers=handler)).status == 403
    # A report 就在网格里 from this grid is placed at its point.
    code = (await invite(desk, auth, made["id"]))["code"]
    await desk.say(f"绑定 {code}", openid=WORKER)
    number = await quick_report(desk, desk.sim.image(WORKER, "m"))
    _, ticket = await shown(desk, auth, number)
    assert ticket["location"]["label"] == "东街二网格（文化广场一带）"


async def test_a_worker_still_reaches_the_resident_menu_and_follows_a_report(
    desk: Desk, wechat: FakeWeChat
) -> None:
    auth, grid = await bound_worker(desk)
    code = (await invite(desk, auth, grid["id"]))["code"]
    await desk.say(f"绑定 {code}", openid=WORKER)  # a second code for the same grid
    again = await desk.say(f"绑定 {code}", openid=WORKER)
    assert again is not None and again.startswith("您已经是“东街社区网格”的网格员了")
    reply = await desk.say("群众服务", openid=WORKER)
    assert reply is not None and "1. 办事" in reply
    assert (await desk.say("1", openid=WORKER) or "").startswith("请说您要办什么事")
    # A report follows a ticket's life like any other, and its worker hears of it.
    await desk.say("菜单", openid=WORKER)
    number = await quick_report(desk, desk.sim.image(WORKER, "m"))
    await desk.client.post(f"/api/v1/tickets/{number}/accept", json={}, headers=auth)
    # Heard before the next step is taken (two pushes queued in the same instant may be
    # sent side by side, and arrive in either order).
    accepted = await wechat.wait_for_texts(WORKER, 1)
    await desk.client.post(
        f"/api/v1/tickets/{number}/resolve", json={"result": "路灯已修好"}, headers=auth
    )
    pushes = await wechat.wait_for_texts(WORKER, 2)
    assert accepted[0].startswith("【已受理】") and pushes[0] == accepted[0]
    assert "路灯已修好" in pushes[1]


async def test_a_report_by_voice_alone_keeps_everything_sent(desk: Desk) -> None:
    _auth, _ = await bound_worker(desk)
    # WeChat could not make out this one: it is kept as the words, not refused.
    reply = await desk.send(desk.sim.voice(WORKER, None, media_id="v-unclear"))
    assert reply is not None and reply.startswith("收到语音") and "上报什么事" in reply
    said = desk.sim.voice(WORKER, "发现一处安全隐患，变压器冒烟了。", media_id="v-category")
    reply = await desk.send(said)  # the category and the words at once
    assert reply is not None and reply.startswith("请拍一张现场照片")
    assert (await desk.say("你好", openid=WORKER) or "").startswith("没有看明白")  # kept
    reply = await desk.send(desk.sim.voice(WORKER, "跳过", media_id="v-skip"))
    assert reply is not None and reply.startswith("请发送位置")
    place = desk.sim.voice(WORKER, "村委会东边老槐树下", media_id="v-place")
    summary = await desk.send(place)
    assert summary is not None and "位置：村委会东边老槐树下" in summary
    assert "紧急程度：一般" in summary and "情况：发现一处安全隐患，变压器冒烟了" in summary
    summary = await desk.send(desk.sim.voice(WORKER, "紧急", media_id="v-urgent"))
    assert summary is not None and "紧急：是" in summary
    # Starting the answers again keeps what was sent and asks the category again.
    await desk.send(desk.sim.image(WORKER, "m-late"))
    await desk.say("重新填写", openid=WORKER)
    await desk.say("安全隐患", openid=WORKER)
    summary = await desk.say("1", openid=WORKER)  # 就在网格里
    assert summary is not None and "请核对" in summary and "紧急程度：一般" in summary
    await desk.say("紧急", openid=WORKER)
    done = await desk.send(desk.sim.voice(WORKER, "确认", media_id="v-ok"))
    assert done is not None and done.startswith("已上报")
    with use(desk.app[keys.DATABASE]):
        ticket = await Ticket.get(kind="incident")
        files = await Attachment.filter(ticket=ticket).order_by("id")
    assert ticket.urgent and [f.media_id for f in files] == [
        "m-late",
        "v-unclear",
        "v-category",
        "v-place",
    ]


async def test_unbinding_ends_a_workers_conversation_at_once(desk: Desk) -> None:
    auth, grid = await bound_worker(desk)
    await desk.say("事件上报", openid=WORKER)
    workers = await (
        await desk.client.get(f"/api/v1/grids/{grid['id']}/workers", headers=auth)
    ).json()
    url = f"/api/v1/grids/{grid['id']}/workers/{workers['workers'][0]['id']}/unbind"
    assert (await desk.client.post(url, headers=auth)).status == 200
    reply = await desk.say("安全隐患", openid=WORKER)
    assert reply is not None and reply.startswith("您已不是网格员") and "1. 办事" in reply


async def test_a_worker_of_two_grids_says_which_and_hears_when_nobody_is_on_duty(
    desk: Desk,
) -> None:
    auth, _ = await bound_worker(desk)
    west = await grid_of(desk, auth, "西街社区")
    code = (await invite(desk, auth, west["id"]))["code"]
    assert "西街社区网格" in (await desk.say(f"绑定 {code}", openid=WORKER) or "")
    await desk.send(desk.sim.image(WORKER, "m-fight"))
    await desk.say("两户为排水沟吵起来了，赶紧来人", openid=WORKER)
    asked = await desk.send(desk.sim.location(WORKER, 37.6, 116.4, "西街菜市场"))
    assert asked is not None and "是哪个网格的事" in asked
    summary = await desk.say("西街社区网格", openid=WORKER)
    assert summary is not None and "类别：矛盾纠纷" in summary and "紧急：是" in summary
    done = await desk.say("确认", openid=WORKER)
    assert done is not None and done.startswith("已上报")
    assert "现在没有值班人员在线" in done and "0317-7200000" in done
    with use(desk.app[keys.DATABASE]):
        ticket = await Ticket.get(kind="incident")
    assert ticket.grid_id == west["id"] and ticket.urgent


@pytest.fixture
def s3_url() -> Iterator[str]:
    """A real local S3-compatible server (moto's), for the s3 media store."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


async def test_media_can_be_kept_in_an_s3_compatible_bucket(
    make_desk: DeskFactory, wechat: FakeWeChat, s3_url: str
) -> None:
    from aiobotocore.session import get_session

    keys_ = {"aws_access_key_id": "test-key", "aws_secret_access_key": "test-secret"}
    async with get_session().create_client(
        "s3", endpoint_url=s3_url, region_name="us-east-1", **keys_
    ) as s3:
        await s3.create_bucket(Bucket="township-media")
        desk = await make_desk(
            outbox=FAST,
            media={
                **QUICK_MEDIA,
                "store": "s3",
                "s3_endpoint_url": s3_url,
                "s3_bucket": "township-media",
                "s3_prefix": "wuqiao/",
                "s3_access_key": "test-key",
                "s3_secret_key": "test-secret",
            },
        )
        auth, _ = await bound_worker(desk)
        photo = wechat.state.store_media(PHOTO, "image/jpeg")
        number = await quick_report(desk, desk.sim.image(WORKER, photo))
        [row] = await until_fetched(desk, 1)
        assert row.fetch == "stored" and row.stored_path
        kept = await s3.get_object(Bucket="township-media", Key="wuqiao/" + row.stored_path)
        async with kept["Body"] as stream:
            assert await stream.read() == PHOTO
        _, body = await shown(desk, auth, number)
        served = await desk.client.get(body["attachments"][0]["file"], headers=auth)
        assert served.status == 200 and await served.read() == PHOTO
        assert not (desk.app[keys.SETTINGS].data_dir / "media").exists()  # not on disk


async def plain_report(desk: Desk, first: dict[str, Any], words: str) -> tuple[int, str]:
    """A worker who sends ``first`` and then answers exactly what is asked, nothing more:
    the messages it took, and the summary they confirmed."""
    sent, reply = 1, await desk.send(first)
    summary = ""
    while reply is not None and not reply.startswith("已上报"):
        assert sent < 10, reply
        if "简单说说情况" in reply:
            answer = desk.sim.text(WORKER, words)
        elif "上报什么事" in reply:
            answer = desk.sim.text(WORKER, "矛盾纠纷")
        elif "现场照片" in reply:
            answer = desk.sim.image(WORKER, f"m-{sent}")
        elif "请发送位置" in reply:
            answer = desk.sim.location(WORKER, 37.6, 116.4, "东街菜市场")
        elif "请核对" in reply:
            summary, answer = reply, desk.sim.text(WORKER, "确认")
        else:
            raise AssertionError(reply)
        sent, reply = sent + 1, await desk.send(answer)
    assert reply is not None, "no answer"
    return sent, summary


async def test_a_report_takes_four_messages_in_any_order_and_five_when_words_are_unclear(
    desk: Desk,
) -> None:
    """Photo, words, place and 确认, whichever comes first; the category is read from the
    words and asked only when they do not settle it (the fifth message)."""
    await bound_worker(desk)
    story = "两家为宅基地边界吵起来了"
    firsts = {
        "photo-first": desk.sim.image(WORKER, "m-first"),
        "words-first": desk.sim.text(WORKER, story),  # typed at the grid menu
        "location-first": desk.sim.location(WORKER, 37.6, 116.4, "东街菜市场"),
        "voice-first": desk.sim.voice(WORKER, f"嗯，{story}。", media_id="v-first"),
    }
    for name, first in firsts.items():
        sent, summary = await plain_report(desk, first, story)
        assert sent == 4, name
        assert "类别：矛盾纠纷" in summary and "紧急程度：一般" in summary, summary
    unclear = "情况有点复杂你们来看看"
    sent, summary = await plain_report(desk, desk.sim.image(WORKER, "m-x"), unclear)
    assert sent == 5 and "类别：矛盾纠纷" in summary and "不对请回复" not in summary
    with use(desk.app[keys.DATABASE]):
        made = await Ticket.filter(kind="incident").order_by("id")
    assert len(made) == 5 and made[1].content == story and not any(t.urgent for t in made)

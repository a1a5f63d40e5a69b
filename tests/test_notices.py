"""Policy notices through the staff API: drafting with bad input refused, jurisdiction,
publishing to the right households once each, retracting, halting, resending, reports."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from bot import keys
from storage import staff
from storage.db import use
from storage.models import Delivery, Notice, Resident, Subscription, Township, Village
from tests.conftest import APPID, Desk, DeskFactory, FakeWeChat

FAST = {
    "poll_seconds": 0.1,
    "backoff_base_seconds": 0.05,
    "backoff_cap_seconds": 0.2,
    "person_gap_seconds": 0,
}
TEMPLATE = "/cgi-bin/message/template/send"
CUSTOM = "/cgi-bin/message/custom/send"
PASSWORD = "correct-horse-9"
NOTICE = {
    "title": "关于2027年城乡居民医保缴费的通知",
    "body": (
        "2027年度城乡居民医保个人缴费标准为每人每年400元，请于12月31日前到村委会或通过微信缴纳。"
    ),
    "area": "announcement",
    "scope": "township",
    "township": "桑园镇",
}


async def fast_desk(make_desk: DeskFactory, **overrides: Any) -> Desk:
    outbox = {**FAST, **overrides.pop("outbox", {})}
    desk: Desk = await make_desk(outbox=outbox, **overrides)
    return desk


async def login(
    desk: Desk,
    username: str = "sangyuan",
    role: str = "township_staff",
    township: str = "桑园镇",
    unit: str = "县民政局",
) -> dict[str, str]:
    with use(desk.app[keys.DATABASE]):
        await staff.add(
            username,
            role,
            PASSWORD,
            township if role == "township_staff" else None,
            unit if role == "department_handler" else None,
        )
    return await token_for(desk, username)


async def token_for(desk: Desk, username: str) -> dict[str, str]:
    """A fresh login for an account that exists: the header to send with its token."""
    resp = await desk.client.post(
        "/api/v1/auth/login", json={"username": username, "password": PASSWORD}
    )
    assert resp.status == 200, await resp.text()
    return {"Authorization": f"Bearer {(await resp.json())['token']}"}


async def households(
    desk: Desk,
    count: int,
    *,
    township: str = "桑园镇",
    areas: tuple[str, ...] = ("announcement",),
    prefix: str = "oHouse",
    village: str | None = None,
) -> list[str]:
    """Followers living in ``township`` who asked for ``areas``."""
    openids = [f"{prefix}{township[:1]}{i:020d}" for i in range(count)]
    with use(desk.app[keys.DATABASE]):
        place = await Township.get(name=township)
        where = await Village.get(township=place, name=village) if village else None
        for openid in openids:
            person = await Resident.create(
                appid=APPID, openid=openid, subscribed=True, township=place, village=where
            )
            for area in areas:
                await Subscription.create(resident=person, area=area, created_at=desk.clock())
    return openids


async def draft(desk: Desk, auth: dict[str, str], **changes: Any) -> dict[str, Any]:
    resp = await desk.client.post("/api/v1/notices", json={**NOTICE, **changes}, headers=auth)
    assert resp.status == 201, await resp.text()
    body: dict[str, Any] = await resp.json()
    return body


async def act(desk: Desk, auth: dict[str, str], notice: int, verb: str) -> tuple[int, Any]:
    resp = await desk.client.post(f"/api/v1/notices/{notice}/{verb}", headers=auth)
    return resp.status, await resp.json()


async def shown(desk: Desk, auth: dict[str, str], notice: int) -> dict[str, Any]:
    resp = await desk.client.get(f"/api/v1/notices/{notice}", headers=auth)
    assert resp.status == 200, await resp.text()
    body: dict[str, Any] = await resp.json()
    return body


async def until_settled(
    desk: Desk, auth: dict[str, str], notice: int, timeout: float = 15.0
) -> dict[str, Any]:
    """The notice once its fan-out is done and nothing is left to send."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while True:
        body = await shown(desk, auth, notice)
        counts = body["deliveries"]
        if body["fanout"]["done"] and counts["pending"] == 0 and counts["failed"] == 0:
            return body
        assert loop.time() < end, body
        await asyncio.sleep(0.05)


async def until_fanned_out(
    desk: Desk, auth: dict[str, str], notice: int, timeout: float = 10.0
) -> dict[str, Any]:
    """The notice once every household's delivery is queued (some may be sent already)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not (body := await shown(desk, auth, notice))["fanout"]["done"]:
        assert loop.time() < end, body
        await asyncio.sleep(0.02)
    return body


async def until_nothing_waits(
    desk: Desk, auth: dict[str, str], notice: int, timeout: float = 10.0
) -> dict[str, Any]:
    """The notice once none of its deliveries is waiting or in flight: each is sent or
    stopped for good, so nothing more of it can reach WeChat."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while True:
        body = await shown(desk, auth, notice)
        if body["fanout"]["done"] and body["deliveries"]["pending"] == 0:
            if body["deliveries"]["failed"] == 0:
                return body
        assert loop.time() < end, body
        await asyncio.sleep(0.05)


def receivers(wechat: FakeWeChat, path: str = TEMPLATE) -> list[str]:
    return [c.body["touser"] for c in wechat.state.delivered(path)]


# Logging in --------------------------------------------------------------------------------


async def test_staff_log_in_with_a_password_and_use_a_bearer_token(desk: Desk) -> None:
    auth = await login(desk)
    assert (await desk.client.get("/api/v1/notices", headers=auth)).status == 200
    for headers in ({}, {"Authorization": "Bearer forged"}, {"Authorization": "Basic x"}):
        resp = await desk.client.get("/api/v1/notices", headers=headers)
        assert resp.status == 401 and "登录" in (await resp.json())["error"]
    resp = await desk.client.post(
        "/api/v1/auth/login", json={"username": "sangyuan", "password": "wrong-password"}
    )
    assert resp.status == 401 and (await resp.json())["error"] == "用户名或密码不对"
    # Logging out ends the token.
    assert (await desk.client.post("/api/v1/auth/logout", headers=auth)).status == 200
    assert (await desk.client.get("/api/v1/notices", headers=auth)).status == 401


async def test_passwords_are_stored_hashed(desk: Desk) -> None:
    # How guessing is slowed: tests/test_logins.py.
    await login(desk)
    with use(desk.app[keys.DATABASE]):
        from storage.models import Staff

        stored = (await Staff.get(username="sangyuan")).password_hash
    assert stored.startswith("$argon2") and PASSWORD not in stored


async def test_the_openapi_document_describes_the_staff_api(desk: Desk) -> None:
    resp = await desk.client.get("/api/v1/openapi.json")
    assert resp.status == 200
    doc = await resp.json()
    assert doc["openapi"].startswith("3.")
    for path in (
        "/auth/login",
        "/notices",
        "/notices/{id}",
        "/notices/{id}/publish",
        "/notices/{id}/retract",
        "/notices/{id}/report",
    ):
        assert path in doc["paths"]
    # A draft is one of three shapes told apart by its scope; each lists the areas.
    schemas = doc["components"]["schemas"]
    assert [v["$ref"] for v in schemas["NewNotice"]["oneOf"]]
    for scope in ("CountyNotice", "TownshipNotice", "VillageNotice"):
        assert schemas[scope]["properties"]["area"]["enum"][0]


# Bad input -------------------------------------------------------------------------------


async def test_bad_drafts_are_refused_with_the_reason_and_nothing_is_written(desk: Desk) -> None:
    auth = await login(desk)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "长" * 65}, "title"),
        ({"body": ""}, "body"),
        ({"body": "字" * 5001}, "body"),
        ({"body": 42}, "body"),
        ({"area": "天气"}, "area"),
        ({"scope": "province"}, "scope"),
        ({"township": "不存在镇"}, "township"),
        ({"scope": "village", "village": "铁城村"}, "village"),  # a 铁城镇 village
        ({"link": "javascript:alert(1)"}, "link"),
        ({"scheduled_at": "明天"}, "scheduled_at"),
        ({"scheduled_at": "2020-01-01T08:00:00+08:00"}, "scheduled_at"),
    ]
    for change, field in cases:
        resp = await desk.client.post("/api/v1/notices", json={**NOTICE, **change}, headers=auth)
        body = await resp.json()
        assert resp.status == 400 and body["field"] == field, (change, body)
        assert body["error"]
    missing = {k: v for k, v in NOTICE.items() if k != "title"}
    resp = await desk.client.post("/api/v1/notices", json=missing, headers=auth)
    assert resp.status == 400 and (await resp.json())["error"] == "缺少 title"
    for raw in (b"not json", b"[1, 2]", b'{"title": '):
        resp = await desk.client.post(
            "/api/v1/notices", data=raw, headers={**auth, "Content-Type": "application/json"}
        )
        assert resp.status == 400
    resp = await desk.client.post("/api/v1/notices", json={**NOTICE, "sender": "我"}, headers=auth)
    assert resp.status == 400 and "sender" in (await resp.json())["error"]
    with use(desk.app[keys.DATABASE]):
        assert await Notice.all().count() == 0


async def test_area_may_be_given_by_its_chinese_name(desk: Desk) -> None:
    auth = await login(desk)
    notice = await draft(desk, auth, area="惠民政策")
    assert notice["area"] == "benefits" and notice["area_name"] == "惠民政策"
    assert notice["state"] == "draft"


# Jurisdiction ------------------------------------------------------------------------------


async def test_staff_publish_only_within_their_own_jurisdiction(desk: Desk) -> None:
    sangyuan = await login(desk)
    for change in ({"township": "铁城镇"}, {"scope": "county", "township": None}):
        body = {k: v for k, v in {**NOTICE, **change}.items() if v is not None}
        resp = await desk.client.post("/api/v1/notices", json=body, headers=sangyuan)
        assert resp.status == 403 and "桑园镇" in (await resp.json())["error"]
    county = await login(desk, "county", "county_admin")
    tiecheng = await draft(desk, county, township="铁城镇")
    # Another township's notice does not exist as far as 桑园镇's staff can tell.
    for verb in ("publish", "retract"):
        status, _ = await act(desk, sangyuan, tiecheng["id"], verb)
        assert status == 404
    assert (
        await desk.client.get(f"/api/v1/notices/{tiecheng['id']}", headers=sangyuan)
    ).status == 404
    handler = await login(desk, "handler", "department_handler")
    resp = await desk.client.post("/api/v1/notices", json=NOTICE, headers=handler)
    assert resp.status == 403
    supervisor = await login(desk, "watcher", "supervisor")
    status, _ = await act(desk, supervisor, tiecheng["id"], "publish")
    assert status == 403
    assert (await shown(desk, supervisor, tiecheng["id"]))["state"] == "draft"
    listed = await desk.client.get("/api/v1/notices", headers=sangyuan)
    assert [n["id"] for n in (await listed.json())["notices"]] == []


# Publishing ------------------------------------------------------------------------------


async def test_a_notice_reaches_each_subscribed_household_in_scope_once(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    desk = await fast_desk(make_desk)
    auth = await login(desk)
    wanted = await households(desk, 30)
    await households(desk, 5, areas=("benefits",), prefix="oOther")  # another area
    await households(desk, 5, township="铁城镇")  # another township
    gone = await households(desk, 2, prefix="oGone")
    with use(desk.app[keys.DATABASE]):
        await Resident.filter(openid__in=gone).update(subscribed=False)
    notice = await draft(desk, auth)
    status, body = await act(desk, auth, notice["id"], "publish")
    assert status == 200 and body["state"] == "published" and body["published_at"]
    done = await until_settled(desk, auth, notice["id"])
    assert done["deliveries"] == {
        "pending": 0,
        "sent": 30,
        "failed": 0,
        "dead": 0,
        "unknown": 0,
        "skipped": 0,
    }
    assert sorted(receivers(wechat)) == sorted(wanted)
    call = wechat.state.delivered(TEMPLATE)[0]
    assert call.body["data"]["keyword2"]["value"] == NOTICE["title"]
    # The township published it, and the push says so (not the county's account name).
    assert call.body["data"]["first"]["value"].startswith("桑园镇发布了")
    assert call.body["client_msg_id"].startswith("delivery-")
    # Publishing again changes nothing and says why.
    status, body = await act(desk, auth, notice["id"], "publish")
    assert status == 409 and body["error"] == "这条通知已经发布过了"
    # Nothing more was queued, so nothing more can be sent.
    again = await until_nothing_waits(desk, auth, notice["id"])
    assert sum(again["deliveries"].values()) == 30 and again["deliveries"]["sent"] == 30
    assert len(receivers(wechat)) == 30
    report = await desk.client.get(f"/api/v1/notices/{notice['id']}/report", headers=auth)
    figures = await report.json()
    assert figures["households"] == 30 and figures["reached"] == {"template": 30}
    assert figures["reached_total"] == 30 and figures["not_reached"] == []


async def test_an_emergency_warning_reaches_everyone_in_scope_subscribed_or_not(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    desk = await fast_desk(make_desk)
    auth = await login(desk)
    everyone = await households(desk, 4, areas=()) + await households(desk, 3, prefix="oSub")
    await households(desk, 3, township="铁城镇", areas=())
    notice = await draft(desk, auth, area="emergency", title="大风蓝色预警")
    await act(desk, auth, notice["id"], "publish")
    await until_settled(desk, auth, notice["id"])
    assert sorted(receivers(wechat)) == sorted(everyone)


async def test_a_county_notice_is_pushed_in_the_county_s_name(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    desk = await fast_desk(make_desk)
    auth = await login(desk, "county", role="county_admin")
    await households(desk, 2)
    await households(desk, 2, township="铁城镇")
    notice = await draft(desk, auth, scope="county", township=None)
    await act(desk, auth, notice["id"], "publish")
    await until_settled(desk, auth, notice["id"])
    firsts = {c.body["data"]["first"]["value"] for c in wechat.state.delivered(TEMPLATE)}
    assert len(wechat.state.delivered(TEMPLATE)) == 4
    assert firsts == {"吴桥县发布了一条通知公告"}


async def test_a_village_notice_reaches_only_that_village(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    desk = await fast_desk(make_desk)
    auth = await login(desk)
    there = await households(desk, 3, village="南街村")
    await households(desk, 3, village="北街村", prefix="oNorth")
    notice = await draft(desk, auth, scope="village", village="南街村")
    assert notice["village"] == "南街村"
    await act(desk, auth, notice["id"], "publish")
    await until_settled(desk, auth, notice["id"])
    assert sorted(receivers(wechat)) == sorted(there)


async def test_a_scheduled_notice_waits_for_its_time(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    desk = await fast_desk(make_desk)
    auth = await login(desk)
    await households(desk, 3)
    when = (desk.clock() + timedelta(hours=2)).isoformat()
    notice = await draft(desk, auth, scheduled_at=when)
    status, body = await act(desk, auth, notice["id"], "publish")
    assert status == 200 and body["published_at"] == body["scheduled_at"]
    # A notice published after it, for now, goes out first: the fan-out has looked since
    # and left the scheduled one alone.
    now = await draft(desk, auth, title="今天下午停水的通知")
    await act(desk, auth, now["id"], "publish")
    await until_settled(desk, auth, now["id"])
    waiting = await shown(desk, auth, notice["id"])
    assert not waiting["fanout"]["done"] and sum(waiting["deliveries"].values()) == 0
    assert len(receivers(wechat)) == 3  # the other notice's
    desk.clock.advance(hours=2, seconds=1)
    await until_settled(desk, auth, notice["id"])
    assert len(receivers(wechat)) == 6


# Retracting ------------------------------------------------------------------------------


async def test_retracting_stops_what_has_not_been_sent(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    # Five a second: most households are still waiting when staff retract.
    desk = await fast_desk(make_desk, outbox={"rate_per_second": 5, "rate_burst": 1})
    auth = await login(desk)
    await households(desk, 40)
    notice = await draft(desk, auth)
    await act(desk, auth, notice["id"], "publish")
    await until_fanned_out(desk, auth, notice["id"])
    status, body = await act(desk, auth, notice["id"], "retract")
    assert status == 200 and body["state"] == "retracted" and body["retracted_at"]
    # Every delivery is sent or stopped for good: nothing more can go out.
    counts = (await until_nothing_waits(desk, auth, notice["id"]))["deliveries"]
    sent = len(receivers(wechat))
    assert counts["sent"] == sent < 40
    assert counts["skipped"] == 40 - sent
    failures = (await shown(desk, auth, notice["id"]))["failures"]
    assert failures and {f["reason"] for f in failures} == {"通知已撤回"}
    assert all("…" in f["openid"] for f in failures)  # shortened, never whole
    # Retracting twice, or publishing a retracted notice, is refused.
    status, body = await act(desk, auth, notice["id"], "retract")
    assert status == 409 and body["error"] == "这条通知已经撤回了"
    status, body = await act(desk, auth, notice["id"], "publish")
    assert status == 409 and body["error"] == "已撤回的通知不能再发布"
    status, body = await act(desk, auth, (await draft(desk, auth))["id"], "retract")
    assert status == 409 and body["error"] == "这条通知还没有发布，不能撤回"


# What WeChat answers ------------------------------------------------------------------------


async def test_a_template_wechat_refuses_stops_the_whole_notice_and_staff_can_resend(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    desk = await fast_desk(make_desk, outbox={"batch": 5, "concurrency": 1, "lanes": 1})
    auth = await login(desk)
    await households(desk, 20)
    wechat.state.fail(TEMPLATE, 40037, times=1000)  # until the template is fixed
    notice = await draft(desk, auth)
    await act(desk, auth, notice["id"], "publish")
    loop = asyncio.get_running_loop()
    end = loop.time() + 10
    while not (body := await shown(desk, auth, notice["id"]))["halted_reason"]:
        assert loop.time() < end
        await asyncio.sleep(0.05)
    assert "模板或参数有误" in body["halted_reason"] and "40037" in body["halted_reason"]
    await until_nothing_waits(desk, auth, notice["id"])
    # One batch refused, not twenty households: the rest were stopped before being tried.
    assert len(wechat.state.sent(TEMPLATE)) <= 5
    counts = (await shown(desk, auth, notice["id"]))["deliveries"]
    assert counts["sent"] == 0 and counts["pending"] == 0
    # Staff fix the template and resend: everyone gets it once.
    wechat.state.faults.clear()
    status, body = await act(desk, auth, notice["id"], "resend")
    assert status == 200 and body["halted_reason"] is None
    done = await until_settled(desk, auth, notice["id"])
    assert done["deliveries"]["sent"] == 20 and done["deliveries"]["dead"] == 0
    assert len(set(receivers(wechat))) == len(receivers(wechat)) == 20
    status, body = await act(desk, auth, notice["id"], "resend")
    assert status == 409 and body["error"] == "没有需要重发的失败消息"


async def test_a_closed_customer_service_window_falls_back_to_a_template(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    desk = await fast_desk(make_desk, notices={"channels": ["custom", "template"]})
    auth = await login(desk)
    near, far = await households(desk, 2)
    wechat.state.fail(CUSTOM, 45015)  # the first person has not written for 48 hours
    notice = await draft(desk, auth)
    await act(desk, auth, notice["id"], "publish")
    done = await until_settled(desk, auth, notice["id"])
    assert done["deliveries"]["sent"] == 2 and done["deliveries"]["skipped"] == 0
    by_channel = {
        "custom": receivers(wechat, CUSTOM),
        "template": receivers(wechat, TEMPLATE),
    }
    assert len(by_channel["custom"]) == 1 and len(by_channel["template"]) == 1
    assert sorted(by_channel["custom"] + by_channel["template"]) == sorted([near, far])
    assert NOTICE["title"] in wechat.state.delivered(CUSTOM)[0].body["text"]["content"]
    report = await (
        await desk.client.get(f"/api/v1/notices/{notice['id']}/report", headers=auth)
    ).json()
    assert report["reached"] == {"custom": 1, "template": 1} and report["households"] == 2


async def test_someone_who_unfollowed_is_not_sent_what_was_queued(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    desk = await fast_desk(make_desk, outbox={"rate_per_second": 5, "rate_burst": 1})
    auth = await login(desk)
    people = await households(desk, 10)
    notice = await draft(desk, auth)
    await act(desk, auth, notice["id"], "publish")
    leaver = people[-1]  # queued, and at five a second not yet sent
    await until_fanned_out(desk, auth, notice["id"])
    await desk.send(desk.sim.event(leaver, "unsubscribe"))
    await until_settled(desk, auth, notice["id"], timeout=20)
    assert leaver not in receivers(wechat) and len(receivers(wechat)) == 9
    with use(desk.app[keys.DATABASE]):
        row = await Delivery.get(openid=leaver)
    assert row.state == "skipped" and row.last_error == "不再关注公众号"


async def test_a_mass_send_reaches_many_in_one_call_at_most_four_a_month_each(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    desk = await fast_desk(make_desk, notices={"channels": ["mass", "template"]})
    auth = await login(desk)
    people = await households(desk, 6)
    busy = people[0]  # already had this month's four mass sends
    with use(desk.app[keys.DATABASE]):
        for n in range(4):
            await Delivery.create(
                key=f"old:{n}|{busy}|mass",
                source=f"old:{n}",
                appid=APPID,
                openid=busy,
                channel="mass",
                payload={},
                state="sent",
                sent_at=desk.clock() - timedelta(minutes=n + 1),
                next_attempt_at=desk.clock(),
            )
    notice = await draft(desk, auth)
    await act(desk, auth, notice["id"], "publish")
    done = await until_settled(desk, auth, notice["id"])
    assert done["deliveries"]["sent"] == 6
    (mass,) = wechat.state.delivered("/cgi-bin/message/mass/send")
    assert sorted(mass.body["touser"]) == sorted(people[1:])
    assert NOTICE["title"] in mass.body["text"]["content"] and mass.body["clientmsgid"]
    assert receivers(wechat) == [busy]  # the fifth would have been one too many
    # WeChat reports the job; the delivery report carries its figures.
    msg_id = await mass_job(desk)
    posted = await desk.post(
        desk.sim.event(
            "oMassAssistant0000000000000",
            "MASSSENDJOBFINISH",
            MsgID=msg_id,
            Status="send success",
            TotalCount=5,
            FilterCount=5,
            SentCount=5,
            ErrorCount=0,
        )
    )
    assert posted.status == 200
    report = await (
        await desk.client.get(f"/api/v1/notices/{notice['id']}/report", headers=auth)
    ).json()
    assert report["reached"] == {"mass": 5, "template": 1}
    assert report["mass_sends"] == [
        {
            "msg_id": msg_id,
            "households": 5,
            "status": "send success",
            "sent": 5,
            "filtered": 5,
            "errors": 0,
        }
    ]


async def test_a_notice_fanned_out_in_pages_still_goes_as_one_mass_send(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    # Pages of 2: were each page sent as it was queued, the fifth household would be
    # left alone, and WeChat's mass send needs two people at least.
    desk = await fast_desk(make_desk, notices={"channels": ["mass"], "page_size": 2})
    auth = await login(desk)
    people = await households(desk, 5)
    notice = await draft(desk, auth)
    await act(desk, auth, notice["id"], "publish")
    done = await until_settled(desk, auth, notice["id"])
    assert done["deliveries"]["sent"] == 5, done
    (mass,) = wechat.state.sent("/cgi-bin/message/mass/send")
    assert sorted(mass.body["touser"]) == sorted(people)


async def test_a_mass_send_split_at_its_limit_leaves_no_one_to_go_alone(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    # Three people a call and four households: cut 3 + 1, the last could not be sent.
    desk = await fast_desk(make_desk, notices={"channels": ["mass"]}, outbox={"mass_batch": 3})
    auth = await login(desk)
    people = await households(desk, 4)
    notice = await draft(desk, auth)
    await act(desk, auth, notice["id"], "publish")
    done = await until_settled(desk, auth, notice["id"])
    assert done["deliveries"]["sent"] == 4, done
    calls = wechat.state.sent("/cgi-bin/message/mass/send")
    assert sorted(len(c.body["touser"]) for c in calls) == [2, 2]
    assert sorted(o for c in calls for o in c.body["touser"]) == sorted(people)


async def mass_job(desk: Desk) -> str:
    from storage.models import MassJob

    with use(desk.app[keys.DATABASE]):
        return (await MassJob.get()).msg_id


async def test_a_mass_send_whose_answer_was_lost_is_not_sent_twice(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    desk = await fast_desk(make_desk, notices={"channels": ["mass"]}, wechat={"api_timeout": 0.3})
    auth = await login(desk)
    people = await households(desk, 3)
    # WeChat sends it, but its answer comes after we stopped waiting.
    wechat.state.fail("/cgi-bin/message/mass/send", delay=0.6)
    notice = await draft(desk, auth)
    await act(desk, auth, notice["id"], "publish")
    done = await until_settled(desk, auth, notice["id"])
    assert done["deliveries"]["sent"] == 3
    calls = wechat.state.sent("/cgi-bin/message/mass/send")
    assert len(calls) == 2 and calls[0].body["clientmsgid"] == calls[1].body["clientmsgid"]
    (sent,) = wechat.state.delivered("/cgi-bin/message/mass/send")
    assert sorted(sent.body["touser"]) == sorted(people)


async def test_two_staff_pressing_publish_at_once_publish_it_once(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    desk = await fast_desk(make_desk)
    auth = await login(desk)
    await households(desk, 5)
    notice = await draft(desk, auth)
    results = await asyncio.gather(*(act(desk, auth, notice["id"], "publish") for _ in range(4)))
    assert sorted(status for status, _ in results) == [200, 409, 409, 409]
    await until_settled(desk, auth, notice["id"])
    assert len(receivers(wechat)) == 5


async def test_hostile_requests_get_a_4xx_never_a_5xx_and_change_nothing(desk: Desk) -> None:
    auth = await login(desk)
    json_type = {**auth, "Content-Type": "application/json"}
    bodies: list[tuple[bytes, dict[str, str]]] = [
        (b"[" * 60_000, json_type),  # nesting deep enough to exhaust a parser
        (b'{"title": "a"}', {**auth, "Content-Type": "application/json; charset=bogus"}),
        (
            b'{"title": "\\ud800", "body": "x", "area": "announcement", "scope": "county"}',
            json_type,
        ),
        (
            b'{"title": "a\\u0000b", "body": "x", "area": "announcement", "scope": "county"}',
            json_type,
        ),
    ]
    for raw, headers in bodies:
        resp = await desk.client.post("/api/v1/notices", data=raw, headers=headers)
        assert resp.status == 400, (raw[:40], await resp.text())
    for change in ({"scheduled_at": "9999-12-31T23:59:59-12:00"}, {"scheduled_at": "2099-01-01"}):
        resp = await desk.client.post("/api/v1/notices", json={**NOTICE, **change}, headers=auth)
        assert resp.status == 400 and (await resp.json())["field"] == "scheduled_at"
    huge = "99999999999999999999"
    assert (await desk.client.get(f"/api/v1/notices/{huge}", headers=auth)).status == 404
    assert (await desk.client.post(f"/api/v1/notices/{huge}/publish", headers=auth)).status == 404
    resp = await desk.client.get(f"/api/v1/notices?before={huge}", headers=auth)
    assert resp.status == 400
    resp = await desk.client.post(
        "/api/v1/auth/login",
        data=b'{"username": "\\ud800", "password": "x"}',
        headers={"Content-Type": "application/json"},
    )
    assert resp.status == 400
    with use(desk.app[keys.DATABASE]):
        assert await Notice.all().count() == 0

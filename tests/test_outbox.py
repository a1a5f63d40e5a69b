"""The outbox: what is queued is sent once, by whichever process gets it first, and
WeChat's answers decide what happens next."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta
from typing import Any

from tortoise.transactions import in_transaction

from bot import keys
from notifications.dispatcher import wake
from storage import outbox
from storage.db import use
from storage.models import Delivery, DeliveryAttempt, Resident
from tests.conftest import APPID, Desk, DeskFactory, FakeWeChat

FAST = {
    "poll_seconds": 0.1,
    "backoff_base_seconds": 0.05,
    "backoff_cap_seconds": 0.2,
    "person_gap_seconds": 0,
}
CUSTOM = "/cgi-bin/message/custom/send"
TEMPLATE = "/cgi-bin/message/template/send"


async def fast_desk(make_desk: DeskFactory, **overrides: Any) -> Desk:
    desk: Desk = await make_desk(outbox=FAST, **overrides)
    return desk


async def queue(
    desk: Desk,
    openids: list[str],
    *,
    channel: str = "custom",
    source: str = "test:1",
    payload: dict[str, Any] | None = None,
) -> None:
    with use(desk.app[keys.DATABASE]):
        for openid in openids:
            await outbox.enqueue(
                source=source,
                appid=APPID,
                openid=openid,
                channel=channel,
                payload=payload or {"text": f"给{openid}的通知"},
                now=desk.clock(),
            )
    await wake(desk.app[keys.REDIS])


async def settled(desk: Desk, count: int, timeout: float = 10.0) -> list[Delivery]:
    """Wait until ``count`` deliveries have left pending/sending."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    with use(desk.app[keys.DATABASE]):
        while True:
            done = await Delivery.filter(state__not_in=["pending", "sending"]).order_by("id")
            if len(done) >= count or loop.time() > end:
                return list(done)
            await asyncio.sleep(0.05)


def people(n: int) -> list[str]:
    return [f"oHousehold{i:018d}" for i in range(n)]


async def test_queueing_the_same_thing_twice_queues_it_once(desk: Desk) -> None:
    await queue(desk, people(1))
    await queue(desk, people(1))
    with use(desk.app[keys.DATABASE]):
        assert await Delivery.all().count() == 1


async def test_queued_messages_are_sent_once_each(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    desk = await fast_desk(make_desk)
    households = people(40)
    await queue(desk, households)
    done = await settled(desk, 40)
    assert {d.state for d in done} == {"sent"} and len(done) == 40
    for openid in households:
        assert wechat.texts_to(openid) == [f"给{openid}的通知"]
    with use(desk.app[keys.DATABASE]):
        assert await DeliveryAttempt.filter(outcome="sent").count() == 40


async def test_two_processes_share_the_work_and_send_nothing_twice(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    a = await fast_desk(make_desk)
    b = await fast_desk(make_desk)  # a second service process on the same database and Redis
    households = people(300)
    await queue(a, households)
    done = await settled(a, 300, timeout=30)
    assert len(done) == 300 and {d.state for d in done} == {"sent"}
    sent = [c.body["touser"] for c in wechat.state.sent(CUSTOM)]
    assert sorted(sent) == sorted(households)  # every household once, nobody twice
    with use(a.app[keys.DATABASE]):
        assert await Delivery.filter(lease_owner__not_isnull=True).count() == 0
        # Each process records its tries under its own name, and "sent" only once WeChat
        # accepted its call: both sent a share, and between them every household.
        by_owner = {
            owner: await DeliveryAttempt.filter(owner=owner, outcome="sent").count()
            for owner in (a.app[keys.DISPATCHER].owner, b.app[keys.DISPATCHER].owner)
        }
        assert await DeliveryAttempt.all().count() == 300
    assert all(by_owner.values()) and sum(by_owner.values()) == 300, by_owner


async def test_a_crashed_senders_rows_are_taken_over_when_its_lease_ends(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    desk = await fast_desk(make_desk)
    (openid,) = people(1)
    with use(desk.app[keys.DATABASE]):
        await Delivery.create(
            key=outbox.delivery_key("test:crash", openid, "custom"),
            source="test:crash",
            appid=APPID,
            openid=openid,
            channel="custom",
            payload={"text": "接着发"},
            state="sending",
            lease_owner="dispatcher-died",
            attempts=1,
            lease_until=desk.clock() - timedelta(seconds=1),
            next_attempt_at=desk.clock(),
        )
    done = await settled(desk, 1)
    assert done[0].state == "sent" and wechat.texts_to(openid) == ["接着发"]


async def test_busy_is_retried_with_backoff_then_sent(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    desk = await fast_desk(make_desk)
    wechat.state.fail(CUSTOM, -1, times=2)
    await queue(desk, people(1))
    done = await settled(desk, 1)
    assert done[0].state == "sent" and done[0].attempts == 3


async def test_someone_no_longer_following_is_skipped_and_marked(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    desk = await fast_desk(make_desk)
    (openid,) = people(1)
    with use(desk.app[keys.DATABASE]):
        await Resident.create(appid=APPID, openid=openid, subscribed=True)
    wechat.state.fail(CUSTOM, 43004)
    await queue(desk, [openid])
    done = await settled(desk, 1)
    assert done[0].state == "skipped" and done[0].last_errcode == 43004
    with use(desk.app[keys.DATABASE]):
        assert not (await Resident.get(openid=openid)).subscribed


async def test_a_bad_template_is_dead_not_retried(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    desk = await fast_desk(make_desk)
    wechat.state.fail(TEMPLATE, 40037)
    await queue(
        desk,
        people(1),
        channel="template",
        payload={"template_id": "NOPE", "data": {"first": "通知"}},
    )
    done = await settled(desk, 1)
    assert done[0].state == "dead" and done[0].attempts == 1
    assert done[0].last_error == "模板或参数有误，需要工作人员处理"


async def test_a_lost_answer_without_a_duplicate_guard_is_unknown_not_resent(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    desk = await fast_desk(make_desk, wechat={"api_timeout": 0.3})
    wechat.state.fail(CUSTOM, drop=True)
    (openid,) = people(1)
    await queue(desk, [openid])
    done = await settled(desk, 1)
    # "unknown" is final: no claim takes it again, and no retry time was set for it.
    assert done[0].state == "unknown" and done[0].attempts == 1
    await a_later_push_went_out(desk, "test:later")
    assert calls_to(wechat, CUSTOM, openid) == 1  # tried once, never blindly again


async def test_a_lost_answer_on_a_template_is_retried_under_its_guard(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    desk = await fast_desk(make_desk, wechat={"api_timeout": 0.3})
    wechat.state.fail(TEMPLATE, drop=True)
    await queue(
        desk,
        people(1),
        channel="template",
        payload={"template_id": "T1", "data": {"first": "通知"}},
    )
    done = await settled(desk, 1)
    assert done[0].state == "sent"
    guards = {c.body["client_msg_id"] for c in wechat.state.sent(TEMPLATE)}
    assert len(wechat.state.sent(TEMPLATE)) == 2 and guards == {f"delivery-{done[0].id}"}


async def test_wechats_job_report_updates_the_delivery(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    desk = await fast_desk(make_desk)
    blocked, reached = people(2)
    await queue(
        desk,
        [blocked, reached],
        channel="template",
        payload={"template_id": "T1", "data": {"first": "通知"}},
    )
    done = {d.openid: d for d in await settled(desk, 2)}
    for openid, status in ((blocked, "failed:user block"), (reached, "success")):
        posted = await desk.post(
            desk.sim.event(
                openid, "TEMPLATESENDJOBFINISH", MsgID=done[openid].wechat_msgid, Status=status
            )
        )
        assert posted.status == 200 and posted.body == b"success"
    with use(desk.app[keys.DATABASE]):
        after = {d.openid: d for d in await Delivery.all()}
    assert after[blocked].state == "skipped" and after[blocked].last_error == "用户拒收"
    assert after[reached].state == "sent"


async def test_subscription_consent_is_recorded_from_wechats_events(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    from storage.models import SubscribeConsent

    desk = await fast_desk(make_desk)
    (openid,) = people(1)
    popup: dict[str, Any] = {
        "SubscribeMsgPopupEvent": {
            "List": [
                {"TemplateId": "NOTICE", "SubscribeStatusString": "accept", "PopupScene": "2"},
                {"TemplateId": "WARNING", "SubscribeStatusString": "reject", "PopupScene": "2"},
            ]
        }
    }
    await desk.post(desk.sim.event(openid, "subscribe_msg_popup_event", **popup))

    async def consent() -> dict[str, str]:
        with use(desk.app[keys.DATABASE]):
            rows = await SubscribeConsent.filter(openid=openid)
        return {r.template_id: r.status for r in rows}

    assert await consent() == {"NOTICE": "accept", "WARNING": "reject"}
    change: dict[str, Any] = {
        "SubscribeMsgChangeEvent": {
            "List": {"TemplateId": "WARNING", "SubscribeStatusString": "accept"}
        }
    }
    await desk.post(desk.sim.event(openid, "subscribe_msg_change_event", **change))
    assert await consent() == {"NOTICE": "accept", "WARNING": "accept"}
    # A send refused for want of consent (43101) records that it is gone.
    wechat.state.fail("/cgi-bin/message/subscribe/bizsend", 43101)
    await queue(
        desk,
        [openid],
        channel="subscribe",
        payload={"template_id": "NOTICE", "data": {"thing1": "停水通知"}},
    )
    done = await settled(desk, 1)
    assert done[0].state == "skipped"
    # Recorded just after the row is (with what else the batch's answers mean).
    loop = asyncio.get_running_loop()
    end = loop.time() + 5
    while (await consent())["NOTICE"] != "used_up":
        assert loop.time() < end, await consent()
        await asyncio.sleep(0.02)


async def quota_spent(desk: Desk, wechat: FakeWeChat, count: int) -> list[Delivery]:
    """Queue ``count`` template pushes while WeChat answers 45009 to each; return the rows
    once the channel is paused and no send is still in flight."""
    wechat.state.fail(TEMPLATE, 45009, times=count)
    template = {"template_id": "T1", "data": {"first": "通知"}}
    await queue(desk, people(count), channel="template", payload=template)
    loop = asyncio.get_running_loop()
    end = loop.time() + 10
    with use(desk.app[keys.DATABASE]):
        while True:
            paused = await desk.app[keys.DISPATCHER].paused_channels()
            in_flight = await Delivery.filter(state__in=["sending"]).exists()
            tried = await Delivery.filter(attempts__gt=0).exists()
            if paused and tried and not in_flight:
                return list(await Delivery.all().order_by("id"))
            assert loop.time() < end, "the channel was never paused"
            await asyncio.sleep(0.05)


MARKER = "oMarkerHousehold0000000001"


async def a_later_push_went_out(desk: Desk, source: str) -> None:
    """Queue a custom message to MARKER now and wait until it is sent: the dispatchers
    have since run a round that took everything due before it (the oldest first), and
    whatever they took then has been counted (attempts are written before the call)."""
    await queue(desk, [MARKER], source=source)
    with use(desk.app[keys.DATABASE]):
        loop = asyncio.get_running_loop()
        end = loop.time() + 10
        while not await Delivery.filter(source=source, state="sent").exists():
            assert loop.time() < end, "the later push was never sent"
            await asyncio.sleep(0.05)


async def nothing_more_sent_on_templates(desk: Desk, wechat: FakeWeChat, source: str) -> None:
    before = len(wechat.state.sent(TEMPLATE))
    await a_later_push_went_out(desk, source)
    assert len(wechat.state.sent(TEMPLATE)) == before


def calls_to(wechat: FakeWeChat, path: str, openid: str) -> int:
    return sum(1 for c in wechat.state.sent(path) if c.body.get("touser") == openid)


async def test_a_used_up_daily_quota_pauses_the_channel_until_midnight(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    from notifications.policy import next_midnight

    desk = await fast_desk(make_desk)
    waiting = await quota_spent(desk, wechat, 3)
    midnight = next_midnight(desk.clock())
    tried = [d for d in waiting if d.attempts]
    # Those tried wait for midnight; those queued behind them were not tried at all.
    assert tried and all(d.state == "pending" and d.next_attempt_at == midnight for d in tried)
    assert all(d.state == "pending" for d in waiting)
    assert len(wechat.state.sent(TEMPLATE)) == len(tried)
    assert await desk.app[keys.DISPATCHER].paused_channels() == ["template"]
    # Later template pushes wait too, without calling WeChat; other channels go on.
    await queue(
        desk,
        ["oLaterHousehold000000000001"],
        channel="template",
        source="test:2",
        payload={"template_id": "T1", "data": {"first": "通知"}},
    )
    await nothing_more_sent_on_templates(desk, wechat, "test:3")
    with use(desk.app[keys.DATABASE]):
        later = await Delivery.get(source="test:2")
    assert later.state == "pending" and later.attempts == 0
    assert len(wechat.state.sent(TEMPLATE)) == len(tried)


async def test_the_quota_pause_lifts_at_beijing_midnight_and_not_before(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    from notifications.policy import next_midnight

    desk = await fast_desk(make_desk)
    waiting = await quota_spent(desk, wechat, 1)
    midnight = next_midnight(desk.clock())
    assert waiting[0].next_attempt_at == midnight
    # A second before midnight (Beijing): still paused, nothing tried.
    desk.clock.advance(seconds=(midnight - desk.clock()).total_seconds() - 1)
    assert await desk.app[keys.DISPATCHER].paused_channels() == ["template"]
    await nothing_more_sent_on_templates(desk, wechat, "test:before")
    assert len(wechat.state.sent(TEMPLATE)) == 1
    # Past midnight the day's quota is new: the waiting push goes out with no one's help.
    desk.clock.advance(seconds=2)
    assert await desk.app[keys.DISPATCHER].paused_channels() == []
    done = await settled(desk, 3)
    (row,) = [d for d in done if d.channel == "template"]
    assert row.state == "sent" and row.attempts == 2
    assert [c.errcode for c in wechat.state.sent(TEMPLATE)] == [45009, 0]


async def test_the_rate_limit_holds_across_two_processes(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    limited = {**FAST, "rate_per_second": 20, "rate_burst": 1}
    a = await make_desk(outbox=limited)
    await make_desk(outbox=limited)  # a second process, same Redis: the same budget
    await queue(a, people(30))
    done = await settled(a, 30, timeout=20)
    assert len(done) == 30
    times = sorted(c.at for c in wechat.state.sent(CUSTOM))
    # 30 calls at 20 a second: at least 29 intervals of 50 ms, whichever process sent them.
    assert times[-1] - times[0] >= 29 * 0.05 * 0.9


async def test_pushes_to_one_person_are_spaced_out(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    desk = await make_desk(outbox={**FAST, "person_gap_seconds": 0.3})
    (openid,) = people(1)
    for n in range(3):
        await queue(desk, [openid], source=f"test:{n}")
    done = await settled(desk, 3)
    assert {d.state for d in done} == {"sent"} and all(d.attempts == 1 for d in done)
    times = sorted(c.at for c in wechat.state.sent(CUSTOM))
    assert len(times) == 3
    assert min(b - a for a, b in itertools.pairwise(times)) >= 0.25


async def _left_mid_send(desk: Desk, openid: str, channel: str, payload: dict[str, Any]) -> None:
    """A row as a process leaves it when killed after recording its attempt, before WeChat
    answered: leased, with an attempt that never finished. Written in one transaction, so
    the running dispatcher never sees the row without its attempt (a state no process
    leaves: the attempt is recorded before the call)."""
    with use(desk.app[keys.DATABASE]):
        async with in_transaction():
            row = await Delivery.create(
                key=outbox.delivery_key("test:killed", openid, channel),
                source="test:killed",
                appid=APPID,
                openid=openid,
                channel=channel,
                payload=payload,
                state="sending",
                lease_owner="dispatcher-killed",
                attempts=1,
                lease_until=desk.clock() - timedelta(seconds=1),
                next_attempt_at=desk.clock(),
            )
            await DeliveryAttempt.create(
                delivery=row, owner="dispatcher-killed", started_at=desk.clock()
            )


async def test_a_message_without_a_guard_left_mid_send_is_unknown_not_sent_twice(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    desk = await fast_desk(make_desk)
    (openid,) = people(1)
    await _left_mid_send(desk, openid, "custom", {"text": "可能已经发出"})
    done = await settled(desk, 1)
    assert done[0].state == "unknown" and "核实" in (done[0].last_error or "")
    await a_later_push_went_out(desk, "test:later")
    assert calls_to(wechat, CUSTOM, openid) == 0
    with use(desk.app[keys.DATABASE]):
        attempt = await DeliveryAttempt.get(delivery_id=done[0].id)
    assert attempt.outcome == "lost" and attempt.finished_at is not None


async def test_a_template_left_mid_send_is_sent_again_under_its_guard(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    desk = await fast_desk(make_desk)
    (openid,) = people(1)
    template = {"template_id": "T1", "data": {"first": "通知"}}
    # WeChat did get the first try before the process died.
    with use(desk.app[keys.DATABASE]):
        await _left_mid_send(desk, openid, "template", template)
        row = await Delivery.get(openid=openid)
    token = await desk.app[keys.WECHAT].access_token()
    await desk.client.session.post(
        f"{wechat.url}/cgi-bin/message/template/send",
        params={"access_token": token},
        json={"touser": openid, "template_id": "T1", "client_msg_id": f"delivery-{row.id}"},
    )
    done = await settled(desk, 1)
    assert done[0].state == "sent" and done[0].attempts == 2
    assert len(wechat.state.sent(TEMPLATE)) == 2  # tried again...
    assert len(wechat.state.delivered(TEMPLATE)) == 1  # ...but the phone showed it once


async def test_metrics_show_the_outbox_and_a_paused_channel(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    desk = await fast_desk(make_desk)
    await queue(desk, people(3))
    await settled(desk, 3)
    wechat.state.fail(TEMPLATE, 45009)
    await queue(
        desk,
        people(1),
        channel="template",
        source="test:q",
        payload={"template_id": "T", "data": {}},
    )
    with use(desk.app[keys.DATABASE]):
        for _ in range(100):
            if await Delivery.filter(channel="template", attempts=1).exists():
                break
            await asyncio.sleep(0.05)
    resp = await desk.client.get("/metrics")
    assert resp.status == 200
    text = await resp.text()
    assert 'township_outbox_deliveries{channel="custom",state="sent"} 3.0' in text
    assert 'township_outbox_deliveries{channel="template",state="pending"} 1.0' in text
    assert 'township_outbox_channel_paused{channel="template"} 1.0' in text
    assert 'township_outbox_channel_paused{channel="custom"} 0.0' in text
    assert 'township_outbox_attempts_total{channel="custom",outcome="sent"} 3.0' in text
    assert "oHousehold" not in text  # no personal data


async def test_the_outbox_tables_have_the_indexes_its_queries_need(desk: Desk) -> None:
    """Claiming and closing attempts touch every due row without them: a 100,000-household
    notice then slows to a crawl (it did, before 0006, on SQLite)."""
    from tortoise.connection import get_connection

    with use(desk.app[keys.DATABASE]):
        conn = get_connection("default")
        if conn.capabilities.dialect == "postgres":
            rows = await conn.execute_query_dict(
                "SELECT indexname AS name FROM pg_indexes WHERE tablename LIKE 'delivery%'"
            )
        else:
            rows = await conn.execute_query_dict(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name LIKE 'delivery%'"
            )
    names = {str(r["name"]) for r in rows}
    assert {
        "idx_delivery_due",
        "idx_delivery_channel_due",
        "idx_delivery_source_state",
        "idx_delivery_person",
        "idx_delivery_attempt_delivery",
    } <= names

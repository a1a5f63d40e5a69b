"""PostgreSQL trouble as an operator meets it: a server that freezes (a network partition,
a SIGSTOP) or restarts under load never holds a staff request open for ever, never makes
a retried action happen twice, and never loses or doubles a notice's delivery; when it is
back the service works again without a restart of its own.

Each test runs its own PostgreSQL server (tests/own_postgres.py), never the machine's."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from tortoise.backends.base.executor import EXECUTOR_CACHE

from bot import keys
from storage.db import use
from storage.models import TicketEvent
from tests import own_postgres
from tests.conftest import Desk, DeskFactory, FakeWeChat
from tests.test_notices import CUSTOM, FAST, TEMPLATE, draft, households, login, receivers
from tests.test_service_desk import FIRST, complaint

pytestmark = pytest.mark.skipif(
    own_postgres.binaries() is None, reason="PostgreSQL is not installed on this machine"
)


@pytest.fixture
def pg() -> Iterator[own_postgres.OwnPostgres]:
    with own_postgres.own_postgres() as server:
        yield server


@pytest.fixture
async def pg_desk(
    make_desk: DeskFactory, pg: own_postgres.OwnPostgres, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Desk]:
    """The service on the test's own PostgreSQL; its client closed before the server
    stops, so that no connection is left waiting on a server that is gone."""
    monkeypatch.delenv("TOWNSHIP_DATABASE__URL", raising=False)
    # tortoise keeps each model's INSERT statements per connection name, whatever the
    # dialect: after the suite's SQLite tests they would be SQLite's.
    EXECUTOR_CACHE.clear()
    # A claim whose answer the restart cut off is not known to its process: it waits for
    # its lease to run out, which here is seconds, not the default minute.
    desk: Desk = await make_desk(database={"url": pg.url}, outbox={**FAST, "lease_seconds": 5})
    assert desk.app[keys.SETTINGS].database.url == pg.url
    try:
        yield desk
    finally:
        pg.thaw()
        await desk.client.close()
        EXECUTOR_CACHE.clear()


async def reply(
    desk: Desk, auth: dict[str, str], number: str, text: str, key: str
) -> tuple[int, dict[str, str], float]:
    began = time.monotonic()
    resp = await desk.client.post(
        f"/api/v1/tickets/{number}/reply",
        json={"text": text},
        headers={**auth, "Idempotency-Key": key},
    )
    await resp.read()
    return resp.status, dict(resp.headers), time.monotonic() - began


async def until_done(
    desk: Desk, auth: dict[str, str], number: str, text: str, key: str, timeout: float = 30
) -> None:
    """Sent again, as a client does, until it is answered 200."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while (answer := await reply(desk, auth, number, text, key))[0] != 200:
        assert answer[0] == 503 and answer[1].get("Retry-After"), answer
        assert loop.time() < end, answer
        await asyncio.sleep(0.1)


async def events(desk: Desk, number: str, action: str) -> list[str]:
    loop = asyncio.get_running_loop()
    end = loop.time() + 20
    while True:
        try:
            with use(desk.app[keys.DATABASE]):
                rows = await TicketEvent.filter(ticket__number=number, action=action).order_by("id")
            return [row.note or "" for row in rows]
        except Exception:  # the server coming back: ask again
            assert loop.time() < end
            await asyncio.sleep(0.2)


async def accepted_complaint(desk: Desk) -> tuple[str, dict[str, str]]:
    number = await complaint(desk)
    township = await login(desk)
    resp = await desk.client.post(f"/api/v1/tickets/{number}/accept", json={}, headers=township)
    assert resp.status == 200, await resp.text()
    return number, township


async def pushes_to(wechat: FakeWeChat, openid: str, words: str, count: int) -> int:
    """How many pushes to ``openid`` carry ``words``, once ``count`` came (or time ran out;
    then, too, whatever was still queued has had its chance to go twice)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + 20
    while sum(words in t for t in wechat.texts_to(openid)) < count and loop.time() < end:
        await asyncio.sleep(0.05)
    return sum(words in t for t in wechat.texts_to(openid))


async def test_a_frozen_database_gets_staff_a_503_and_the_retried_reply_is_done_once(
    pg_desk: Desk, pg: own_postgres.OwnPostgres, wechat: FakeWeChat
) -> None:
    desk = pg_desk
    number, township = await accepted_complaint(desk)
    pg.freeze()
    status, headers, took = await reply(desk, township, number, "明天上午派人去看", "reply-1")
    assert status == 503 and headers["Retry-After"] == "5"
    assert took < 3.5, took
    # The resident, meanwhile, is answered within WeChat's five seconds.
    began = time.monotonic()
    posted = await desk.post(desk.sim.text(FIRST, "查进度", msg_id="while-frozen"))
    print("webhook while frozen:", posted.status, posted.text, time.monotonic() - began)
    assert time.monotonic() - began < 5
    pg.thaw()
    # The client tries again with the same key, as told: one reply, one push.
    await until_done(desk, township, number, "明天上午派人去看", "reply-1")
    assert await events(desk, number, "reply") == ["明天上午派人去看"]
    assert await pushes_to(wechat, FIRST, "明天上午派人去看", 1) == 1


async def test_staff_acting_while_the_database_restarts_do_each_action_once(
    pg_desk: Desk, pg: own_postgres.OwnPostgres, wechat: FakeWeChat
) -> None:
    desk = pg_desk
    number, township = await accepted_complaint(desk)
    texts = [f"第{i}次答复" for i in range(1, 13)]

    restarted: list[asyncio.Future[None]] = []
    for i, text in enumerate(texts):
        if i == 4:  # the server restarts under the staff's feet
            restarted.append(asyncio.ensure_future(asyncio.to_thread(pg.restart)))
        await until_done(desk, township, number, text, f"restart-{i}")
    await restarted[0]
    assert await events(desk, number, "reply") == texts
    for text in texts:
        assert await pushes_to(wechat, FIRST, text, 1) == 1, text


async def test_a_notice_fanning_out_while_the_database_restarts_reaches_each_household_once(
    pg_desk: Desk, pg: own_postgres.OwnPostgres, wechat: FakeWeChat
) -> None:
    desk = pg_desk
    people = await households(desk, 120)
    county = await login(desk, "county", "county_admin")
    notice = await draft(desk, county)
    # Slow sends, so the restart lands in the middle of the fan-out.
    wechat.state.fail(TEMPLATE, times=60, delay=0.05)  # answered as usual, after a pause
    resp = await desk.client.post(f"/api/v1/notices/{notice['id']}/publish", headers=county)
    assert resp.status == 200, await resp.text()
    loop = asyncio.get_running_loop()
    end = loop.time() + 20
    while len(receivers(wechat)) < 10:
        assert loop.time() < end
        await asyncio.sleep(0.02)
    await asyncio.to_thread(pg.restart)
    end = loop.time() + 60
    while len(set(receivers(wechat))) < len(people):
        assert loop.time() < end, f"{len(set(receivers(wechat)))} of {len(people)} reached"
        await asyncio.sleep(0.1)
    await settled(desk, county, notice["id"])
    reached = receivers(wechat)
    assert sorted(reached) == sorted(people)  # every household, none twice
    assert not wechat.state.delivered(CUSTOM)


async def settled(desk: Desk, auth: dict[str, str], notice: int) -> dict[str, Any]:
    """The notice's report once nothing is left to send; a 503 while the server comes
    back is asked again."""
    loop = asyncio.get_running_loop()
    end = loop.time() + 30
    while True:
        resp = await desk.client.get(f"/api/v1/notices/{notice}", headers=auth)
        if resp.status == 200:
            body: dict[str, Any] = await resp.json()
            counts = body["deliveries"]
            if body["fanout"]["done"] and counts["pending"] == 0:
                assert counts["failed"] == 0 and counts["dead"] == 0, counts
                return body
        else:
            assert resp.status == 503, await resp.text()
        assert loop.time() < end
        await asyncio.sleep(0.1)

"""Store trouble as an operator meets it: a Redis that freezes (a network partition, a
SIGSTOP) or dies never holds a request open for ever, and the service works again when
it is back, without a restart of its own."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import AsyncIterator

import pytest

from bot import keys
from storage import staff
from storage.db import use
from tests.conftest import Desk, DeskFactory

PASSWORD = "a-long-password"


@pytest.fixture
async def own_redis_desk(
    make_desk: DeskFactory, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[Desk, int]]:
    """A service on an embedded Redis of its own (the one-machine default), and that
    server's pid, for the test to stop, resume or kill; resumed whatever happens. Never
    the Redis server the suite's second pass runs on: the environment's URL would win
    over the test's own setting, so it is taken away first."""
    monkeypatch.delenv("TOWNSHIP_REDIS__URL", raising=False)
    desk: Desk = await make_desk(redis={"url": ""})
    settings = desk.app[keys.SETTINGS]
    assert settings.redis.url == ""
    with use(desk.app[keys.DATABASE]):
        await staff.add("county", "county_admin", PASSWORD, None, None)
    owned = str((settings.data_dir / "redis" / "redis.sock").resolve())
    used = desk.app[keys.REDIS].connection_pool.connection_kwargs.get("path")
    assert used == owned, "not the embedded Redis of this test's data folder"
    pid = int((await desk.app[keys.REDIS].info("server"))["process_id"])
    try:
        yield desk, pid
    finally:
        try:
            os.kill(pid, signal.SIGCONT)
        except ProcessLookupError:
            pass


async def _login(desk: Desk) -> tuple[int, dict[str, str], float]:
    began = time.monotonic()
    resp = await desk.client.post(
        "/api/v1/auth/login", json={"username": "county", "password": PASSWORD}
    )
    await resp.read()
    return resp.status, dict(resp.headers), time.monotonic() - began


async def test_a_frozen_redis_gets_staff_a_503_with_retry_after_not_a_hang(
    own_redis_desk: tuple[Desk, int],
) -> None:
    desk, pid = own_redis_desk
    assert (await _login(desk))[0] == 200
    os.kill(pid, signal.SIGSTOP)
    status, headers, took = await _login(desk)
    assert status == 503 and headers["Retry-After"] == "5"
    assert took < 4.0, took
    os.kill(pid, signal.SIGCONT)
    loop = asyncio.get_running_loop()
    end = loop.time() + 10
    while (await _login(desk))[0] != 200:  # back by itself
        assert loop.time() < end
        await asyncio.sleep(0.1)


async def test_a_killed_embedded_redis_is_back_without_restarting_the_service(
    own_redis_desk: tuple[Desk, int],
) -> None:
    desk, pid = own_redis_desk
    os.kill(pid, signal.SIGKILL)
    loop = asyncio.get_running_loop()
    end = loop.time() + 15
    while True:
        health = await desk.client.get("/healthz")
        if health.status == 200:
            break
        assert loop.time() < end, await health.text()
        await asyncio.sleep(0.1)
    assert (await _login(desk))[0] == 200
    reply = await desk.say("菜单")
    assert reply is not None and "1. 办事" in reply

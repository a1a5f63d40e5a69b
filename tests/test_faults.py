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
from conversations import texts
from conversations.session import session_key
from storage import staff
from storage.db import use
from tests.conftest import APPID, Desk, DeskFactory, FakeWeChat
from tests.test_service_desk import FIRST, PHONE

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


# A conversation whose session Redis lost --------------------------------------------


async def until_recovering(desk: Desk) -> None:
    """Until the service has noticed that Redis lost what it held."""
    loop = asyncio.get_running_loop()
    end = loop.time() + 10
    while not desk.app[keys.REDIS_LOSS].recovering():
        assert loop.time() < end, "the loss was not noticed"
        await asyncio.sleep(0.05)


async def finish_complaint(desk: Desk, openid: str, first: str) -> str:
    """The rest of the complaint after its first answer; its summary."""
    reply = first
    for answer in ("李四", PHONE, "桑园镇", "1"):
        reply = await desk.say(answer, openid=openid) or ""
    assert "情况：村东头垃圾堆了半个月没人清理" in reply, reply
    await desk.send(desk.sim.location(openid, 37.62, 116.39, "桑园镇东街"))
    done = await desk.say("确认", openid=openid) or ""
    assert done.startswith("已提交！"), done
    return reply


async def described(desk: Desk, openid: str) -> None:
    for answer in ("反映问题", "投诉", "环境卫生"):
        await desk.say(answer, openid=openid)
    asked = await desk.say("村东头垃圾堆了半个月没人清理。", openid=openid) or ""
    assert "个人信息告知" in asked, asked


async def test_a_wiped_redis_keeps_what_a_resident_was_typing(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    desk: Desk = await make_desk()
    await described(desk, FIRST)
    await desk.app[keys.REDIS].flushdb()  # an operator's FLUSHDB, a Redis without disk
    await until_recovering(desk)
    reply = await desk.say("同意", openid=FIRST) or ""
    # Told, and carried on from where they were: the consent was taken, their name asked.
    assert reply.startswith(texts.CONVERSATION_RESTORED), reply
    assert "姓名" in reply and texts.NOT_UNDERSTOOD not in reply
    await finish_complaint(desk, FIRST, reply)


async def test_a_redis_restarted_a_step_behind_does_not_take_an_answer_for_another(
    own_redis_desk: tuple[Desk, int],
) -> None:
    """The finding: after a restart the session came back one step behind, and the
    resident's 同意 was taken as the complaint's words."""
    desk, pid = own_redis_desk
    redis = desk.app[keys.REDIS]
    for answer in ("反映问题", "投诉", "环境卫生"):
        await desk.say(answer, openid=FIRST)
    behind = await redis.get(session_key(APPID, FIRST))
    asked = await desk.say("村东头垃圾堆了半个月没人清理。", openid=FIRST) or ""
    assert "个人信息告知" in asked
    os.kill(pid, signal.SIGKILL)
    loop = asyncio.get_running_loop()
    end = loop.time() + 15
    while (await desk.client.get("/healthz")).status != 200:
        assert loop.time() < end
        await asyncio.sleep(0.1)
    # What the last second before the kill left on disk: the session before the answer.
    assert behind is not None
    await redis.set(session_key(APPID, FIRST), behind)
    await until_recovering(desk)
    reply = await desk.say("同意", openid=FIRST) or ""
    assert reply.startswith(texts.CONVERSATION_RESTORED) and "姓名" in reply, reply
    await finish_complaint(desk, FIRST, reply)

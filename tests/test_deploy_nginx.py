"""Two `township serve` processes behind nginx, started as deploy/ ships them (the nginx
server block as it is, ports and paths put in; each process with the systemd unit's
command and port), under steady load from residents on WeChat and from staff; one process
is SIGKILLed mid-load. Nothing is lost beyond the requests in flight on it, and those are
done exactly once: messages passed on by nginx or sent again as WeChat does (the same
body, the same MsgId), staff actions sent again with the same Idempotency-Key. Every
message gets one reply, the one its step should give; every complaint one ticket; every
staff action one event in its ticket's timeline."""

from __future__ import annotations

import asyncio
import contextlib
import grp
import os
import pwd
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import aiohttp
import pytest
import redis

from bot.settings import load_settings
from storage import outbox
from storage.db import open_database, use
from storage.models import Delivery, Ticket, TicketEvent
from tests.conftest import AES_KEY, APPID, ROOT, SECRET, TOKEN, FakeWeChat
from tests.served import complaint, free_port
from wechat.simulator import Simulator

SITE = ROOT / "deploy" / "nginx" / "township.conf"
UNIT = ROOT / "deploy" / "systemd" / "township@.service"
PASSWORD = "a-long-password"
# WeChat waits this long for an answer, then tries again: three tries in all.
WECHAT_WAIT = 5.0
WECHAT_TRIES = 3
# What a lost answer looks like from outside: nginx found no process to answer, or the
# one it asked died (502) or took too long (504), or the service said to come back (503).
LOST = frozenset({502, 503, 504})
# How nginx's error log names a request cut off by a process's death.
CUT_MESSAGE, CUT_ACTION = '"POST /wechat?', '"POST /api/v1/tickets/'

# ---------------------------------------------------------------------------------------
# nginx: found, or installed when we may (root); the test is skipped only when neither.


def _find_nginx() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )


@pytest.fixture(scope="module")
def nginx() -> str:
    found = _find_nginx()
    if found is None and os.geteuid() == 0 and shutil.which("apt-get"):
        # RUNLEVEL=1: Debian's package would otherwise start the system's nginx on port 80.
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive", "RUNLEVEL": "1"}
        install = ["install", "-y", "-q", "nginx"]
        for args in (install, ["update", "-q"], install):  # updated only when it must be
            done = subprocess.run(
                ["apt-get", *args], env=env, capture_output=True, text=True, timeout=300
            )
            print(f"apt-get {args[0]}: exit {done.returncode}\n{done.stderr[-2000:]}")
            found = _find_nginx()
            if found is not None:
                break
    if found is None:
        why = "apt-get install nginx failed" if os.geteuid() == 0 else "installing needs root"
        reason = f"nginx is not installed ({why}); install it to run this test (.ci/run does)"
        print(reason)
        pytest.skip(reason)
    return found


# ---------------------------------------------------------------------------------------
# Processes: the serve processes as the systemd unit starts them, nginx with the shipped
# server block.


def _unit_command() -> tuple[list[str], str]:
    """The unit's ExecStart, this checkout's own command and settings in place of the
    installed ones, and the variable its port is given in."""
    lines = UNIT.read_text("utf-8").splitlines()
    (exec_start,) = [
        line.removeprefix("ExecStart=") for line in lines if line.startswith("ExecStart=")
    ]
    (port_var,) = [
        line.removeprefix("Environment=").removesuffix("=%i")
        for line in lines
        if line.startswith("Environment=") and line.endswith("=%i")
    ]
    argv = shlex.split(exec_start)
    assert Path(argv[0]).name == "township" and argv[-1] == "serve", exec_start
    argv[0] = str(Path(sys.executable).parent / "township")
    settings_at = argv.index("--settings") + 1
    argv[settings_at] = str(ROOT / "settings.toml")
    return argv, port_var


def _service_env(data: Path, wechat: FakeWeChat, port_var: str, port: int) -> dict[str, str]:
    """The environment file's part: this test's data folder and WeChat (a loopback stand-in
    recording what is sent to it); on the suite's second pass its PostgreSQL and Redis
    server, otherwise the one-machine default (one SQLite file and one embedded Redis for
    both processes)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOWNSHIP_")}
    for shared in ("TOWNSHIP_DATABASE__URL", "TOWNSHIP_REDIS__URL"):
        if os.environ.get(shared):
            env[shared] = os.environ[shared]
    env.update(
        {
            "TOWNSHIP_DATA_DIR": str(data),
            port_var: str(port),
            "TOWNSHIP_WECHAT__SANDBOX": "false",
            "TOWNSHIP_WECHAT__APPID": APPID,
            "TOWNSHIP_WECHAT__SECRET": SECRET,
            "TOWNSHIP_WECHAT__TOKEN": TOKEN,
            "TOWNSHIP_WECHAT__AES_KEY": AES_KEY,
            "TOWNSHIP_WECHAT__API_BASE_URL": wechat.url,
            # A reply that comes late goes out at once, not a second after the last push.
            "TOWNSHIP_OUTBOX__POLL_SECONDS": "0.1",
            "TOWNSHIP_OUTBOX__PERSON_GAP_SECONDS": "0",
            # A push the killed process had claimed is sent by the other after this lease
            # (a minute by default; the test has less time than that).
            "TOWNSHIP_OUTBOX__LEASE_SECONDS": "3",
            # Ticket updates as template messages: customer-service messages to a resident
            # are then only the replies that came too late to be passive.
            "TOWNSHIP_TICKETS__CHANNELS": '["template"]',
            # Load from a few clients far faster than people type or click.
            "TOWNSHIP_STAFF__REQUESTS_PER_SECOND": "0",
            "TOWNSHIP_CONVERSATION__MESSAGES_PER_MINUTE": "0",
            "PYTHONIOENCODING": "utf-8",
        }
    )
    return env


@dataclass
class Serve:
    """A process started by the test (township serve, or nginx) and where it logs."""

    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def tail(self) -> str:
        return self.log.read_text("utf-8", errors="replace")[-3000:]


async def _until_healthy(http: aiohttp.ClientSession, url: str, serve: Serve) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + 60
    while True:
        if serve.process.poll() is not None:
            pytest.fail(f"{serve.process.args!r} exited:\n{serve.tail()}")
        with contextlib.suppress(aiohttp.ClientError, TimeoutError):
            async with http.get(url, timeout=aiohttp.ClientTimeout(total=2)) as resp:
                if resp.status == 200:
                    return
        assert loop.time() < end, f"{url} never answered 200"
        await asyncio.sleep(0.1)


def _nginx_conf(prefix: Path, listen: int, upstreams: list[int]) -> str:
    """deploy/nginx/township.conf with this test's ports, inside the few lines of a main
    configuration that keep nginx's files in ``prefix``."""
    site = SITE.read_text("utf-8")
    shipped = re.findall(r"^\s*server 127\.0\.0\.1:(\d+) ", site, flags=re.M)
    assert len(shipped) == len(upstreams), shipped
    for old, new in zip(shipped, upstreams, strict=True):
        site = site.replace(f"server 127.0.0.1:{old} ", f"server 127.0.0.1:{new} ")
    site, listens = re.subn(
        r"^(\s*)listen 80;$", rf"\1listen 127.0.0.1:{listen};", site, flags=re.M
    )
    assert listens == 1, "the server block's `listen 80;` is what the test replaces"
    site, logs = re.subn(
        r"^(\s*access_log )/var/log/nginx/(\S+)", rf"\1{prefix}/\2", site, flags=re.M
    )
    assert logs == 1, "the server block's access_log under /var/log/nginx is replaced"
    user = ""
    if os.geteuid() == 0:
        # Workers drop root, as on a real machine (Debian's www-data may not exist here).
        nobody = pwd.getpwnam("nobody")
        user = f"user nobody {grp.getgrgid(nobody.pw_gid).gr_name};\n"
    temp = "\n".join(
        f"    {kind}_temp_path {prefix / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"{user}worker_processes 2;\n"
        f"error_log {prefix / 'error.log'} warn;\n"
        f"pid {prefix / 'nginx.pid'};\n"
        "events { worker_connections 1024; }\n"
        "http {\n"
        f"{temp}\n"
        f"{site}\n"
        "}\n"
    )


@dataclass
class Deployment:
    url: str  # nginx
    serves: list[Serve]
    database_url: str
    nginx_log: Path
    access_log: Path


def _nginx_prefix() -> Path:
    """nginx's folder. Not under pytest's tmp_path: nginx's workers (nobody, when the test
    runs as root) must reach their temporary files there, and pytest's folders are the
    owner's alone."""
    prefix = Path(tempfile.mkdtemp(prefix="township-nginx-"))
    prefix.chmod(0o755)
    return prefix


def _start_serve(argv: list[str], env: dict[str, str], port: int, log: Path) -> Serve:
    with log.open("wb") as out:
        process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=out)
    return Serve(port, process, log)


def _start_nginx(
    nginx: str, prefix: Path, listen: int, ports: list[int]
) -> subprocess.Popen[bytes]:
    conf = prefix / "nginx.conf"
    conf.write_text(_nginx_conf(prefix, listen, ports), "utf-8")
    return subprocess.Popen(
        [
            nginx,
            "-p",
            str(prefix),
            "-e",
            str(prefix / "error.log"),
            "-c",
            str(conf),
            "-g",
            "daemon off;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _stop(nginx: subprocess.Popen[bytes] | None, serves: list[Serve], data: Path) -> None:
    if nginx is not None:
        nginx.send_signal(signal.SIGQUIT)  # graceful: finish what it has
        _reap(nginx)
    embedded = _embedded_redis_pid(data)
    for serve in serves:
        if serve.process.poll() is None:
            serve.process.send_signal(signal.SIGTERM)
    for serve in serves:
        _reap(serve.process)
    # The embedded Redis outlives a killed process that started it (the other went on
    # using it): this test's own server, found through this test's data folder.
    if embedded is not None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(embedded, signal.SIGTERM)


@pytest.fixture
async def deployment(
    nginx: str, tmp_path: Path, wechat: FakeWeChat, backends: None
) -> AsyncIterator[Deployment]:
    argv, port_var = _unit_command()
    data = tmp_path / "data"
    ports = [free_port(), free_port()]
    envs = [_service_env(data, wechat, port_var, port) for port in ports]
    # The first county admin, made as the README says, before the service starts.
    added = await asyncio.to_thread(
        subprocess.run,
        [*argv[:-1], "staff", "add", "county", "--role", "county_admin", "--password-stdin"],
        input=f"{PASSWORD}\n",
        cwd=ROOT,
        env=envs[0],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert added.returncode == 0, added.stderr
    serves: list[Serve] = []
    prefix = _nginx_prefix()
    front: subprocess.Popen[bytes] | None = None
    try:
        # Both at once, as systemd starts them: they take turns to migrate.
        for port, env in zip(ports, envs, strict=True):
            serves.append(_start_serve(argv, env, port, tmp_path / f"serve-{port}.log"))
        listen = free_port()
        front = _start_nginx(nginx, prefix, listen, ports)
        async with aiohttp.ClientSession() as http:
            for serve in serves:
                await _until_healthy(http, f"http://127.0.0.1:{serve.port}/healthz", serve)
            nginx_log = Serve(listen, front, prefix / "error.log")
            await _until_healthy(http, f"http://127.0.0.1:{listen}/healthz", nginx_log)
        settings = load_settings(ROOT / "settings.toml", overrides={"data_dir": str(data)})
        yield Deployment(
            f"http://127.0.0.1:{listen}",
            serves,
            settings.database_url,
            prefix / "error.log",
            prefix / "township.access.log",
        )
    finally:
        await asyncio.to_thread(_stop, front, serves, data)
        shutil.rmtree(prefix, ignore_errors=True)


def _reap(process: subprocess.Popen[bytes]) -> None:
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _embedded_redis_pid(data: Path) -> int | None:
    if os.environ.get("TOWNSHIP_REDIS__URL"):
        return None
    from storage.embedded_redis import EmbeddedRedis

    sock = EmbeddedRedis(data).socket
    if not sock.exists():
        return None
    try:
        client = redis.Redis(unix_socket_path=str(sock), socket_timeout=2)
        try:
            return int(client.info("server")["process_id"])
        finally:
            client.close()
    except redis.RedisError:
        return None


# ---------------------------------------------------------------------------------------
# The load: residents filing complaints as WeChat posts them, staff working the tickets.


@dataclass
class Tally:
    messages: int = 0
    message_retries: int = 0
    actions: int = 0
    action_retries: int = 0
    complaints: int = 0
    after_kill: int = 0
    killed: bool = False
    stop: bool = False
    # openid -> what each of their messages should be answered with, and the answers seen
    expected: dict[str, list[str]] = field(default_factory=dict)
    passive: dict[str, list[str]] = field(default_factory=dict)
    filed: dict[str, tuple[str, str]] = field(default_factory=dict)  # openid -> words, phone
    # ticket number -> the replies staff sent
    worked: dict[str, list[str]] = field(default_factory=dict)
    numbers: asyncio.Queue[str] = field(default_factory=asyncio.Queue)


# A complaint as a new resident files it, with a location before confirming: (what they
# send, how its answer begins).
def _complaint(n: int) -> tuple[list[tuple[str, str]], str, str]:
    words = f"第{n}号路灯坏了三天，晚上看不见路。"
    phone = f"139{n:08d}"
    name = "居民" + "".join("零一二三四五六七八九"[int(d)] for d in str(n))
    steps = complaint(words, name, phone)
    steps.insert(-1, ("LOCATION", "收到位置"))
    return steps, words, phone


async def _post_as_wechat(
    http: aiohttp.ClientSession, url: str, sim: Simulator, fields: dict[str, object], tally: Tally
) -> str:
    """Post one message as WeChat does: the same request again while no answer comes."""
    query, body = sim.envelope(fields)
    for attempt in range(WECHAT_TRIES):
        if attempt:
            tally.message_retries += 1
        try:
            async with http.post(
                f"{url}/wechat",
                params=query,
                data=body,
                headers={"Content-Type": "text/xml"},
                timeout=aiohttp.ClientTimeout(total=WECHAT_WAIT),
            ) as resp:
                raw = await resp.read()
                if resp.status in LOST:
                    continue
                assert resp.status == 200, (resp.status, raw)
                tally.messages += 1
                return sim.read_reply(raw) or ""  # "" is "success": the reply comes later
        except (aiohttp.ClientError, TimeoutError):
            continue
    raise AssertionError(f"no answer to {fields['MsgId']} in {WECHAT_TRIES} tries")


async def _resident(
    http: aiohttp.ClientSession,
    url: str,
    sim: Simulator,
    wechat: FakeWeChat,
    n: int,
    tally: Tally,
) -> None:
    """A new resident files a complaint, answering each question once it is asked."""
    openid = f"oLoad{n:023d}"
    steps, words, phone = _complaint(n)
    tally.expected[openid] = [expect for _, expect in steps]
    seen = tally.passive.setdefault(openid, [])
    reply = ""
    for said, _ in steps:
        if said == "LOCATION":
            fields = sim.location(openid, 37.62, 116.39, "桑园镇东街")
        else:
            fields = sim.text(openid, said)
        pushed = len(wechat.texts_to(openid))
        reply = await _post_as_wechat(http, url, sim, fields, tally)
        if reply:
            seen.append(reply)
        else:  # too late to answer passively: it comes as a customer-service message
            await _until(partial(_more_than, wechat, openid, pushed), f"{openid}'s reply", 30)
            reply = wechat.texts_to(openid)[-1]
    tally.filed[openid] = (words, phone)
    tally.complaints += 1
    if tally.killed:
        tally.after_kill += 1
    tally.numbers.put_nowait(reply.split("受理编号：")[1][:13])


def _more_than(wechat: FakeWeChat, openid: str, count: int) -> bool:
    return len(wechat.texts_to(openid)) > count


async def _residents(url: str, wechat: FakeWeChat, tally: Tally, at_once: int) -> None:
    sim = Simulator(token=TOKEN, appid=APPID, aes_key=AES_KEY, mode="safe")
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        counter = iter(range(1, 10**6))

        async def one_after_another() -> None:
            while not tally.stop:
                await _resident(http, url, sim, wechat, next(counter), tally)

        await asyncio.gather(*(one_after_another() for _ in range(at_once)))


async def _act(
    http: aiohttp.ClientSession,
    url: str,
    token: str,
    path: str,
    body: dict[str, str],
    key: str,
    tally: Tally,
) -> None:
    """A staff action as a careful client sends it: again with the same key when the
    answer was lost (sooner than Retry-After says: the test has no time to spare)."""
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
    for attempt in range(10):
        if attempt:
            tally.action_retries += 1
            await asyncio.sleep(0.1)
        try:
            async with http.post(
                f"{url}/api/v1{path}",
                json=body,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=10),
            ) as resp:
                text = await resp.text()
                if resp.status in LOST:
                    continue
                assert resp.status == 200, (path, resp.status, text)
                tally.actions += 1
                return
        except (aiohttp.ClientError, TimeoutError):
            continue
    raise AssertionError(f"{path} never answered")


async def _staff(url: str, tally: Tally, clients: int) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{url}/api/v1/auth/login", json={"username": "county", "password": PASSWORD}
        ) as resp:
            assert resp.status == 200, await resp.text()
            token = (await resp.json())["token"]

        async def work() -> None:
            while not tally.stop:
                try:
                    number = await asyncio.wait_for(tally.numbers.get(), 0.2)
                except TimeoutError:
                    continue
                replies = tally.worked.setdefault(number, [])
                await _act(http, url, token, f"/tickets/{number}/accept", {}, f"{number}-a", tally)
                for k in (1, 2):
                    text = f"{number}：第{k}次答复"
                    path = f"/tickets/{number}/reply"
                    await _act(http, url, token, path, {"text": text}, f"{number}-r{k}", tally)
                    replies.append(text)

        await asyncio.gather(*(work() for _ in range(clients)))


async def _until(
    condition: Callable[[], bool],
    what: str,
    seconds: float,
    load: asyncio.Future[tuple[None, None]] | None = None,
) -> None:
    """Wait for ``condition`` (while ``load`` runs: its failure is this one's)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while not condition():
        if load is not None and load.done():
            load.result()
            raise AssertionError(f"the load ended before {what}")
        assert loop.time() < end, f"waited {seconds} s for {what}"
        await asyncio.sleep(0.05)


# ---------------------------------------------------------------------------------------


async def test_a_process_killed_under_load_loses_nothing_and_does_nothing_twice(
    deployment: Deployment, wechat: FakeWeChat
) -> None:
    tally = Tally()
    load: asyncio.Future[tuple[None, None]] = asyncio.gather(
        _residents(deployment.url, wechat, tally, at_once=8),
        _staff(deployment.url, tally, clients=2),
    )
    try:
        # Both processes busy with both kinds of work, then one dies mid-load.
        await _until(lambda: tally.complaints >= 8 and tally.actions >= 12, "load", 30, load)
        victim = deployment.serves[0]
        victim.process.send_signal(signal.SIGKILL)
        victim.process.wait()
        tally.killed = True
        acted = tally.actions
        await _until(
            lambda: tally.after_kill >= 16 and tally.actions >= acted + 24, "load after", 40, load
        )
        tally.stop = True
        await asyncio.wait_for(load, 30)
    finally:
        tally.stop = True
        if not load.done():
            load.cancel()
            with contextlib.suppress(BaseException):
                await load
    # Requests in flight on the process that died: nginx saw their connection cut.
    cut = [
        line
        for line in deployment.nginx_log.read_text("utf-8").splitlines()
        if "[error]" in line and "while reading response header from upstream" in line
    ]
    print(
        f"\nmessages {tally.messages} ({tally.message_retries} tried again), complaints "
        f"{tally.complaints} ({tally.after_kill} after the kill), staff actions "
        f"{tally.actions} ({tally.action_retries} tried again); requests cut: "
        f"{sum(CUT_MESSAGE in line for line in cut)} messages, "
        f"{sum(CUT_ACTION in line for line in cut)} staff actions"
    )
    # Most runs cut a few requests; a run whose kill fell between requests still proves
    # that nothing else was lost. The cut message's path alone is tested every time in
    # test_delivery (a crashed first attempt whose lease outlasts the retry).
    # Both processes took their share; nginx's own log names no one.
    access = deployment.access_log.read_text("utf-8")
    assert all(f"127.0.0.1:{serve.port} 200" in access for serve in deployment.serves)
    assert "oLoad" not in access and "signature" not in access

    async with open_database(deployment.database_url) as ctx:
        with use(ctx):
            # Once everything that was to go out has gone (a push claimed by the killed
            # process is sent by the other when its lease is out):
            unsent = Delivery.filter(state__in=(outbox.PENDING, outbox.SENDING))
            loop = asyncio.get_running_loop()
            end = loop.time() + 30
            while await unsent.exists():
                assert loop.time() < end, await unsent.values("id", "state", "channel")
                await asyncio.sleep(0.1)
            # Every message answered once: passively, or (when that came too late) as one
            # customer-service message; each answer the one its step should give.
            for openid, expected in tally.expected.items():
                answers = tally.passive[openid] + wechat.texts_to(openid)
                assert len(answers) == len(expected), (openid, answers)
                for start in expected:
                    match = next((a for a in answers if a.startswith(start)), None)
                    assert match is not None, (openid, start, answers)
                    answers.remove(match)
            # Every complaint filed once, with what its resident said.
            tickets = await Ticket.filter(resident__openid__startswith="oLoad").prefetch_related(
                "resident"
            )
            by_resident: dict[str, list[Ticket]] = {}
            for t in tickets:
                assert t.resident is not None
                by_resident.setdefault(t.resident.openid, []).append(t)
            assert sorted(by_resident) == sorted(tally.filed)
            for openid, (words, phone) in tally.filed.items():
                (ticket,) = by_resident[openid]
                assert ticket.content == words and ticket.contact_phone == phone
            # Every staff action once in its ticket's timeline.
            for number, replies in tally.worked.items():
                events = await TicketEvent.filter(ticket__number=number, actor="staff")
                assert [e.action for e in events] == ["accept"] + ["reply"] * len(replies), number
                assert [e.note for e in events[1:]] == replies, number
    assert deployment.serves[1].process.poll() is None, deployment.serves[1].tail()

"""`township chat`: talk to the running service from a terminal, playing WeChat's part.

Every message is built the way WeChat's servers build it (wechat.simulator), signed with the
account's token, encrypted in safe/compatible mode and posted to /wechat; the passive
reply is decrypted and printed. Messages the service pushes on its own (customer-service,
template and subscription messages) go to the WeChat sandbox, which records them; chat
polls the sandbox and prints the ones addressed to its person. It remembers, per person,
the last push it showed (under <data_dir>/chat-seen/), so when it starts it first prints
the pushes that arrived while it was closed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import math
import mimetypes
import os
import sys
import threading
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import aiohttp
from yarl import URL

from bot.settings import Settings
from wechat.sandbox import PREFIX as SANDBOX_PREFIX
from wechat.simulator import Simulator

DEFAULT_OPENID = "o_sandbox_resident_0001"
POLL_INTERVAL = 0.5  # seconds between looks at the sandbox for pushes (interactive)
LINGER = 1.0  # seconds to wait for pushes after a one-shot message or at the end of input
REPLY_PREFIX = "公众号> "
PUSH_PREFIX = "公众号(推送)> "
ME_PREFIX = "我> "
KINDS = ("text", "image", "location", "voice", "event")
SEEN_DIR = "chat-seen"  # under data_dir: the last push shown to each person
MISSED_SHOWN = 20  # pushes missed while closed, at most, printed on start (the latest)

_COMMANDS = """\
  直接打字回车                 发一条文字消息，比如 菜单、1、帮助
  /event subscribe             关注公众号（新关注的人从这里开始）
  /event unsubscribe           取消关注
  /event CLICK:按钮key         点底部菜单的按钮，如 /event CLICK:MENU_MINE
                               （按钮的 key 写在 settings.toml 的 [[menu.buttons]] 里）
  /event SCAN:场景值           已关注的人扫了带参数的二维码
  /image 图片文件              发一张图片，如 /image ./photo.jpg
  /location 纬度,经度,地名     发位置，如 /location 37.63,116.39,吴桥县政府
  /voice 文字                  发一段语音，文字当作微信识别出的内容（不写文字＝没听清）
  /help                        再看这段说明
  /quit                        退出（也可以按 Ctrl-D）
  要发以 / 开头的文字，就写两个 /，如 //abc 发出 /abc"""


class ChatError(Exception):
    """Something went wrong; ``str()`` is one plain line, ``code`` the exit status."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


class NoSandbox(ChatError):
    """The service answers, but serves no WeChat sandbox."""


# Options ----------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Talk to the running service as WeChat would. With one of --text/--image/--location/"
        "--voice/--event, send that one message, print the reply and exit; otherwise read "
        "lines from stdin (type /help)."
    )
    parser.add_argument(
        "--as",
        dest="openid",
        metavar="OPENID",
        default=DEFAULT_OPENID,
        help=f"the person's openid (default: {DEFAULT_OPENID})",
    )
    parser.add_argument(
        "--url",
        default=None,
        help="the service's WeChat URL (default: http://127.0.0.1:<http.port>/wechat)",
    )
    once = parser.add_mutually_exclusive_group()
    once.add_argument("--text", metavar="WORDS", help="send one text message")
    once.add_argument("--image", metavar="FILE", help="send one picture (needs the sandbox)")
    once.add_argument("--location", metavar="LAT,LNG,LABEL", help="send one location")
    once.add_argument(
        "--voice", metavar="TEXT", help="send one voice message WeChat recognised as TEXT"
    )
    once.add_argument(
        "--event",
        metavar="EVENT",
        help="send one event: subscribe, unsubscribe, CLICK:KEY or SCAN:SCENE",
    )


def default_url(settings: Settings) -> str:
    return f"{settings.local_url}/wechat"


def service_base(url: str) -> str:
    """The service's root for ``url`` (its /wechat address), without a trailing slash."""
    parsed = URL(url)
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ChatError(
            f"--url must be an http(s) address like http://127.0.0.1:8080/wechat, not {url!r}", 2
        )
    path = parsed.path.rstrip("/")
    if path.endswith("/wechat"):
        path = path[: -len("/wechat")]
    return str(parsed.origin()) + path


# What a person can send ---------------------------------------------------------------


@dataclass(frozen=True)
class Outgoing:
    """One message to send, checked but not yet built."""

    kind: str
    text: str = ""
    lat: float = 0.0
    lng: float = 0.0
    event: str = ""
    event_key: str | None = None


def parse_location(value: str) -> tuple[float, float, str]:
    parts = [p.strip() for p in value.replace("，", ",").split(",", 2)]
    if len(parts) < 2:
        raise ChatError(
            f"location must be LAT,LNG,LABEL, e.g. 37.63,116.39,吴桥县政府; got {value!r}", 2
        )
    try:
        lat, lng = float(parts[0]), float(parts[1])
    except ValueError:
        raise ChatError(
            f"location's latitude and longitude must be numbers; got {value!r}", 2
        ) from None
    if not (math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90 and -180 <= lng <= 180):
        raise ChatError(
            f"location out of range (latitude -90..90, longitude -180..180): {value!r}", 2
        )
    label = parts[2] if len(parts) > 2 else ""
    return lat, lng, label


def parse_event(value: str) -> tuple[str, str | None]:
    """``subscribe``, ``subscribe:SCENE``, ``unsubscribe``, ``CLICK:KEY`` or
    ``SCAN:SCENE`` -> (Event, EventKey) as WeChat sends them."""
    name, sep, key = value.strip().partition(":")
    name, key = name.strip().lower(), key.strip()
    if name == "subscribe":
        return "subscribe", (f"qrscene_{key}" if key else None)
    if name == "unsubscribe" and not sep:
        return "unsubscribe", None
    if name in ("click", "scan") and key:
        return name.upper(), key
    raise ChatError(
        f"event must be subscribe, unsubscribe, CLICK:KEY or SCAN:SCENE; got {value!r}", 2
    )


def parse_outgoing(kind: str, value: str) -> Outgoing:
    if kind == "text":
        return Outgoing("text", text=value)
    if kind == "voice":
        return Outgoing("voice", text=value.strip())
    if kind == "image":
        if not value.strip():
            raise ChatError("image needs a file, e.g. /image ./photo.jpg", 2)
        return Outgoing("image", text=value.strip())
    if kind == "location":
        lat, lng, label = parse_location(value)
        return Outgoing("location", text=label, lat=lat, lng=lng)
    if kind == "event":
        event, key = parse_event(value)
        return Outgoing("event", event=event, event_key=key)
    raise ChatError(f"unknown kind of message {kind!r}", 2)


# Printing ---------------------------------------------------------------------------


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


class Output:
    """The terminal: prefixed, indented blocks; errors on stderr as one line each."""

    def __init__(self, out: TextIO, err: TextIO, *, prompt: str | None) -> None:
        self.out = out
        self.err = err
        self.prompt = prompt
        self.reading = False  # the reader thread is showing the prompt

    def block(self, prefix: str, text: str) -> None:
        indent = " " * _width(prefix)
        lines = text.splitlines() or [""]
        shown = "\n".join([prefix + lines[0], *(indent + line for line in lines[1:])])
        self._write(shown + "\n")

    def note(self, text: str) -> None:
        self._write(text + "\n")

    def error(self, message: str) -> None:
        self._interrupt_prompt()
        self.err.write(f"township chat: {message}\n")
        self.err.flush()
        self._restore_prompt()

    def _write(self, text: str) -> None:
        self._interrupt_prompt()
        self.out.write(text)
        self.out.flush()
        self._restore_prompt()

    def _interrupt_prompt(self) -> None:
        if self.prompt is not None and self.reading:
            self.out.write("\r\033[K")
            self.out.flush()

    def _restore_prompt(self) -> None:
        if self.prompt is not None and self.reading:
            typed = ""
            with contextlib.suppress(Exception):
                import readline

                typed = readline.get_line_buffer()
            self.out.write(self.prompt + typed)
            self.out.flush()


def _value(item: Any) -> str:
    if isinstance(item, Mapping):
        return str(item.get("value", ""))
    return str(item)


def describe_push(path: str, body: Mapping[str, Any]) -> str:
    """What the person's phone would show for one pushed message."""
    if path.endswith("/message/custom/send"):
        kind = body.get("msgtype")
        content = body.get(kind) if isinstance(kind, str) else None
        if kind == "text" and isinstance(content, Mapping):
            return str(content.get("content", ""))
        if kind == "news" and isinstance(content, Mapping):
            articles = content.get("articles") or []
            titles = [str(a.get("title", "")) for a in articles if isinstance(a, Mapping)]
            return "[图文] " + " / ".join(titles)
        return f"[{kind}] {json.dumps(content, ensure_ascii=False)}"
    if path.endswith("/message/mass/send"):
        text = body.get("text")
        return "[群发] " + str(text.get("content", "") if isinstance(text, Mapping) else text)
    data = body.get("data")
    if isinstance(data, Mapping):
        label = "[订阅通知]" if "/subscribe/" in path else "[模板消息]"
        lines = [_value(v) for v in data.values()]
        link = body.get("url") or body.get("page")
        if link:
            lines.append(f"链接：{link}")
        return f"{label} " + "\n".join(lines)
    return f"[{path}] {json.dumps(dict(body), ensure_ascii=False)}"


# Reading lines without blocking the loop ----------------------------------------------


class LineReader:
    """Reads stdin in a daemon thread, one line each time the loop asks for one, so the
    prompt shows after the reply and a /quit leaves no read pending."""

    def __init__(self, loop: asyncio.AbstractEventLoop, stream: TextIO, output: Output) -> None:
        self._loop = loop
        self._stream = stream
        self._output = output
        self._lines: asyncio.Queue[str | None] = asyncio.Queue()
        self._want = threading.Event()
        self._thread = threading.Thread(target=self._run, name="township-chat-stdin", daemon=True)
        self._thread.start()

    async def next(self) -> str | None:
        """The next line without its newline; None at the end of input."""
        self._want.set()
        return await self._lines.get()

    def _read(self) -> str | None:
        prompt = self._output.prompt
        if prompt is not None:
            self._output.reading = True
            try:
                return input(prompt)
            finally:
                self._output.reading = False
        raw = self._stream.readline()
        return raw.rstrip("\r\n") if raw else None

    def _run(self) -> None:
        while True:
            self._want.wait()
            self._want.clear()
            try:
                line = self._read()
            except (EOFError, OSError, ValueError):
                line = None
            try:
                self._loop.call_soon_threadsafe(self._lines.put_nowait, line)
            except RuntimeError:  # the loop has finished
                return
            if line is None:
                return


# Remembering what was shown -------------------------------------------------------------


@dataclass(frozen=True)
class Mark:
    """The last sandbox call looked at for one person: its number within one run
    (``boot``) of the sandbox, whose numbers start again when the service restarts."""

    boot: str
    seq: int


class SeenPushes:
    """One small file per service and person under <data_dir>/chat-seen/, so a chat
    started later knows which pushes this person has already been shown."""

    def __init__(self, folder: Path, base: str, openid: str) -> None:
        # Hashed: --as is free text and must not become a path.
        name = hashlib.sha256(f"{base}\n{openid}".encode()).hexdigest()[:32]
        self.path = folder / f"{name}.json"

    def load(self) -> Mark | None:
        try:
            data = json.loads(self.path.read_text("utf-8"))
            return Mark(str(data["boot"]), int(data["seq"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None  # never run for this person, or a damaged file: show all

    def save(self, mark: Mark) -> None:
        # Another chat for the same person may have gone further in the same run.
        old = self.load()
        if old is not None and old.boot == mark.boot and old.seq > mark.seq:
            return
        # Best effort: if the data folder cannot be written, chat still works and only
        # the next start may show some pushes again.
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"boot": mark.boot, "seq": mark.seq}), "utf-8")
            os.replace(tmp, self.path)  # whole or not at all, even if chat is killed


@dataclass(frozen=True)
class Missed:
    """Pushes that reached the person while chat was closed, and the sandbox's answer."""

    data: Mapping[str, Any]
    items: list[Mapping[str, Any]]
    restarted: bool  # the service restarted since chat last looked


# Talking to the service ---------------------------------------------------------------


def _read_file(file: str) -> bytes:
    return Path(file).expanduser().read_bytes()


class Chat:
    def __init__(
        self,
        settings: Settings,
        http: aiohttp.ClientSession,
        output: Output,
        *,
        openid: str,
        url: str,
    ) -> None:
        wx = settings.wechat
        if not wx.token:
            raise ChatError("wechat.token is not set (TOWNSHIP_WECHAT__TOKEN)", 2)
        self.settings = settings
        self.http = http
        self.output = output
        self.openid = openid
        self.url = url
        self.base = service_base(url)
        self.sandbox = wx.sandbox
        self.sim = Simulator(token=wx.token, appid=wx.appid, aes_key=wx.aes_key, mode=wx.mode)
        self.cursor: int | None = None  # last sandbox call seen; None: pushes not followed
        self.boot: str | None = None  # the sandbox run self.cursor counts in
        self.seen = SeenPushes(settings.data_dir / SEEN_DIR, self.base, openid)
        self._lock = asyncio.Lock()  # a reply and the pushes after it print in order

    # Errors ---------------------------------------------------------------------

    def _unreachable(self, exc: BaseException) -> ChatError:
        reason = str(exc) or type(exc).__name__
        if isinstance(exc, aiohttp.ClientConnectorError):
            reason = exc.os_error.strerror or reason
        return ChatError(
            f"cannot reach the service at {self.url} ({reason}); is `township serve` running?"
        )

    # The sandbox's local helpers --------------------------------------------------

    def _sandbox_url(self, helper: str) -> str:
        return f"{self.base}{SANDBOX_PREFIX}/_sandbox/{helper}"

    def _require_sandbox(self, what: str) -> None:
        if not self.sandbox:
            raise ChatError(f"the WeChat sandbox is off (wechat.sandbox = false), so {what}")

    async def _sandbox_json(self, method: str, helper: str, **kw: Any) -> dict[str, Any]:
        url = self._sandbox_url(helper)
        try:
            async with self.http.request(method, url, **kw) as resp:
                if resp.status == 404:
                    raise NoSandbox(
                        f"the service at {self.base} has no WeChat sandbox "
                        "(is wechat.sandbox = false in the service's settings?)"
                    )
                if resp.status != 200:
                    raise ChatError(f"the sandbox answered HTTP {resp.status} at {url}")
                data: dict[str, Any] = await resp.json()
                return data
        except aiohttp.ClientConnectionError as exc:
            raise self._unreachable(exc) from None
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise ChatError(
                f"the sandbox at {url} did not answer properly: {exc or type(exc).__name__}"
            ) from None

    async def _sent(self, after: int) -> dict[str, Any]:
        return await self._sandbox_json(
            "GET", "sent", params={"after": str(after), "touser": self.openid}
        )

    def _show(self, items: list[Any]) -> None:
        for item in items:
            body = item.get("body") if isinstance(item, Mapping) else None
            if isinstance(body, Mapping):
                self.output.block(PUSH_PREFIX, describe_push(str(item.get("path")), body))

    def _advance(self, data: Mapping[str, Any]) -> None:
        self.cursor = int(data["last"])
        self.boot = str(data.get("boot", ""))
        self.seen.save(Mark(self.boot, self.cursor))

    async def follow_pushes(self) -> Missed | None:
        """Start following pushes: what reached this person while chat was closed, to be
        shown with show_missed, which also makes the later looks start after them, so
        none is shown twice. None when pushes cannot be seen."""
        if not self.sandbox:
            return None
        try:
            data = await self._sent(0)
        except NoSandbox:
            return None  # messages and replies still work; pushes cannot be seen
        boot = str(data.get("boot", ""))
        items = [i for i in data.get("items", []) if isinstance(i, Mapping)]
        mark = self.seen.load()
        restarted = mark is not None and mark.boot != boot
        if mark is not None and not restarted:
            items = [i for i in items if int(i.get("seq", 0)) > mark.seq]
        # After a restart every push the sandbox holds came after chat last looked.
        return Missed(data, items, restarted)

    def show_missed(self, missed: Missed | None) -> None:
        if missed is None:
            return
        if missed.restarted:
            self.output.note("（服务重启过：重启之前的推送已经看不到了）")
        if missed.items:
            self.output.note(f"—— chat 没开的时候，公众号推送了 {len(missed.items)} 条消息 ——")
            if len(missed.items) > MISSED_SHOWN:
                self.output.note(f"（只显示最近 {MISSED_SHOWN} 条）")
            self._show(missed.items[-MISSED_SHOWN:])
        self._advance(missed.data)

    async def show_pushes(self) -> None:
        if self.cursor is None:
            return
        async with self._lock:
            data = await self._sent(self.cursor)
            if str(data.get("boot", "")) != self.boot:
                # The service restarted while chat ran: its numbers start again at 1.
                data = await self._sent(0)
            self._show(data.get("items", []))
            self._advance(data)

    async def upload(self, file: str) -> str:
        self._require_sandbox("a picture cannot be uploaded (only the sandbox stores media)")
        try:
            content = await asyncio.to_thread(_read_file, file)
        except OSError as exc:
            raise ChatError(f"cannot read {file}: {exc.strerror or exc}", 2) from None
        content_type = mimetypes.guess_type(file)[0] or "application/octet-stream"
        data = await self._sandbox_json(
            "POST", "media", data=content, headers={"Content-Type": content_type}
        )
        return str(data["media_id"])

    # Messages -------------------------------------------------------------------

    async def build(self, msg: Outgoing) -> dict[str, Any]:
        sim, openid = self.sim, self.openid
        if msg.kind == "text":
            return sim.text(openid, msg.text)
        if msg.kind == "voice":
            return sim.voice(openid, msg.text or None)
        if msg.kind == "location":
            return sim.location(openid, msg.lat, msg.lng, msg.text)
        if msg.kind == "image":
            return sim.image(openid, await self.upload(msg.text))
        if msg.event_key is None:
            return sim.event(openid, msg.event)
        return sim.event(openid, msg.event, EventKey=msg.event_key)

    async def send(self, msg: Outgoing) -> None:
        """Send one message and print the reply; ChatError when it could not be done."""
        fields = await self.build(msg)
        async with self._lock:
            try:
                posted = await self.sim.post(self.http, self.url, fields)
            except aiohttp.ClientConnectionError as exc:
                raise self._unreachable(exc) from None
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise ChatError(f"no answer from {self.url}: {exc or type(exc).__name__}") from None
            except Exception as exc:  # the reply could not be decrypted or read
                raise ChatError(
                    f"cannot read the service's reply: {exc!r} (do chat and the "
                    "service share settings.toml and data_dir?)"
                ) from None
            if not posted.ok:
                reason = posted.body.decode("utf-8", "replace").strip().splitlines()
                said = reason[0][:200] if reason else "(no reason given)"
                hint = ""
                if posted.status == 403 and "signature" in said:
                    hint = (
                        " (chat and the service must share settings.toml and data_dir: "
                        "the token is in <data_dir>/sandbox-secrets.json)"
                    )
                raise ChatError(f"the service answered HTTP {posted.status}: {said}{hint}")
            if posted.text is not None:
                self.output.block(REPLY_PREFIX, posted.text)
            elif posted.body.strip() in (b"", b"success"):
                self.output.note("（公众号没有直接回复）")
            else:
                self.output.note("（公众号回了一条不是文字的消息）")

    async def linger(self) -> None:
        """Print the pushes that arrive within LINGER seconds."""
        if self.cursor is None:
            return
        loop = asyncio.get_running_loop()
        end = loop.time() + LINGER
        while (left := end - loop.time()) > 0:
            await asyncio.sleep(min(0.25, left))
            with contextlib.suppress(ChatError):
                await self.show_pushes()

    # Modes ----------------------------------------------------------------------

    async def one_shot(self, msg: Outgoing) -> int:
        self.show_missed(await self.follow_pushes())
        await self.send(msg)
        await self.linger()
        return 0

    async def _poll(self) -> None:
        failing = False
        while True:
            await asyncio.sleep(POLL_INTERVAL)
            try:
                await self.show_pushes()
            except Exception as exc:  # keep polling: the service may come back
                if not failing:
                    self.output.error(f"pushes not shown for now: {exc}")
                failing = True
            else:
                failing = False

    def banner(self, *, pushes: bool) -> None:
        account = self.settings.account.name
        shown = (
            "公众号主动发来的消息（客服消息、模板消息、订阅通知）显示为“公众号(推送)>”，"
            "chat 没开时收到的，下次打开时先显示。"
            if pushes
            else "（没有开 WeChat sandbox，公众号主动发来的消息这里看不到。）"
        )
        self.output.note(
            f"township chat：在终端里扮演微信，和正在运行的“{account}”公众号服务对话。\n"
            f"你现在是微信用户 {self.openid}（换人用 --as），消息发到 {self.url}\n"
            f"公众号的回复显示为“公众号>”。{shown}\n"
            f"怎么用：\n{_COMMANDS}\n"
            "第一次用？先输入 /event subscribe，像新关注公众号的人一样开始。"
        )

    async def interactive(self, stdin: TextIO, *, echo: bool) -> int:
        await self._check_reachable()
        missed = await self.follow_pushes()
        self.banner(pushes=missed is not None)
        self.show_missed(missed)
        reader = LineReader(asyncio.get_running_loop(), stdin, self.output)
        poller = asyncio.create_task(self._poll()) if self.cursor is not None else None
        failed = 0
        try:
            while True:
                line = await reader.next()
                if line is None:
                    if echo:
                        await self.linger()
                    break
                line = line.strip()
                if not line:
                    continue
                if echo:
                    self.output.block(ME_PREFIX, line)
                if line.startswith("//"):
                    msg: Outgoing | None = Outgoing("text", text=line[1:])
                elif line.startswith("/"):
                    command, _, rest = line[1:].partition(" ")
                    command = command.lower()
                    if command in ("quit", "exit", "q"):
                        break
                    if command in ("help", "h", "?"):
                        self.output.note(f"怎么用：\n{_COMMANDS}")
                        continue
                    if command not in KINDS:
                        self.output.error(f"no command /{command}; type /help to see them")
                        continue
                    msg = None
                    try:
                        msg = parse_outgoing(command, rest.strip())
                    except ChatError as exc:
                        self.output.error(str(exc))
                        failed += 1
                else:
                    msg = Outgoing("text", text=line)
                if msg is None:
                    continue
                try:
                    await self.send(msg)
                except ChatError as exc:
                    self.output.error(str(exc))
                    failed += 1
        finally:
            if poller is not None:
                poller.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await poller
        return 1 if failed else 0

    async def _check_reachable(self) -> None:
        url = f"{self.base}/healthz"
        try:
            async with self.http.get(url) as resp:
                await resp.read()
        except aiohttp.ClientConnectionError as exc:
            raise self._unreachable(exc) from None
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ChatError(f"no answer from {url}: {exc or type(exc).__name__}") from None


# Entry point ------------------------------------------------------------------------


def _one_shot_input(args: argparse.Namespace) -> Outgoing | None:
    for kind in KINDS:
        value = getattr(args, kind, None)
        if value is not None:
            return parse_outgoing(kind, str(value))
    return None


async def _main(settings: Settings, args: argparse.Namespace) -> int:
    output = Output(sys.stdout, sys.stderr, prompt=None)
    try:
        once = _one_shot_input(args)
        url = str(args.url or default_url(settings))
        timeout = aiohttp.ClientTimeout(total=settings.wechat.reply_budget + 6.0)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            chat = Chat(settings, http, output, openid=str(args.openid), url=url)
            if once is not None:
                return await chat.one_shot(once)
            tty = sys.stdin.isatty() and sys.stdout.isatty()
            if tty:
                with contextlib.suppress(ImportError):
                    import readline  # noqa: F401  (line editing for input())
                output.prompt = ME_PREFIX
            return await chat.interactive(sys.stdin, echo=not sys.stdin.isatty())
    except ChatError as exc:
        output.error(str(exc))
        return exc.code


def run_chat(settings: Settings, args: argparse.Namespace) -> int:
    try:
        return asyncio.run(_main(settings, args))
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130

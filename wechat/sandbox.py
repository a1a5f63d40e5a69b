"""A loopback stand-in for WeChat's HTTP API.

The service serves it under ``/sandbox`` when ``wechat.sandbox = true`` so every push can
be seen locally (``township chat`` prints them), and tests run it as a separate server.
It issues and checks access tokens, records every call, and can be told to answer a
chosen errcode or to stall, so the client's error handling is tried against real HTTP.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web

from wechat.errcodes import MASS_REPEATED

PREFIX = "/sandbox"
# Where the stand-in serves stored media as WeChat's picture server does PicUrl links.
PICTURES = "/mmbiz/"
K = TypeVar("K")

# How long WeChat remembers a duplicate guard: a template message's client_msg_id for ten
# minutes (a repeat after that is sent again), a mass send's clientmsgid for 24 hours.
TEMPLATE_GUARD_SECONDS = 600
MASS_GUARD_SECONDS = 24 * 3600


@dataclass
class Fault:
    """Answer ``errcode`` (or HTTP ``status``) ``times`` times, after ``delay`` seconds."""

    errcode: int | None = None
    status: int = 200
    times: int = 1
    delay: float = 0.0
    drop: bool = False  # stall past any client timeout without answering


@dataclass
class Call:
    seq: int
    at: float
    method: str
    path: str
    query: dict[str, str]
    body: Any
    # What the stand-in answered: 0 for success, the errcode, or -HTTP status for a fault;
    # None while the call is still being answered.
    errcode: int | None = None
    # A template message repeated under the same client_msg_id: WeChat drops it.
    duplicate: bool = False


@dataclass
class SandboxState:
    appid: str
    secret: str
    token_lifetime: int = 7200
    calls: deque[Call] = field(default_factory=lambda: deque(maxlen=10_000))
    faults: dict[str, deque[Fault]] = field(default_factory=dict)
    tokens: dict[str, float] = field(default_factory=dict)
    current_token: str | None = None
    token_requests: int = 0
    forced_refreshes: int = 0
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    menu: Any = None
    # (touser, client_msg_id) -> (msgid, when): WeChat sends a template message once per
    # pair within ten minutes.
    template_guard: dict[tuple[str, str], tuple[int, float]] = field(default_factory=dict)
    # clientmsgid -> (msg_id, when): WeChat refuses a repeated mass send within 24 hours
    # (45065).
    mass_guard: dict[str, tuple[int, float]] = field(default_factory=dict)
    # Seconds since the epoch, for how long the guards last: the service's clock (tests
    # move it rather than wait ten minutes).
    clock: Callable[[], float] = time.time
    # Names this run of the sandbox: call numbers start again at 1 when the service restarts,
    # so a reader that remembers a number (`township chat`) must know which run it was from.
    boot: str = field(default_factory=lambda: secrets.token_hex(8))
    _seq: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _media_seq: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def fail(
        self,
        path: str,
        errcode: int | None = None,
        *,
        times: int = 1,
        status: int = 200,
        delay: float = 0.0,
        drop: bool = False,
    ) -> None:
        """Make the next ``times`` calls to ``path`` (e.g. "/cgi-bin/message/custom/send")
        fail with ``errcode`` or HTTP ``status``, or stall (``drop``)."""
        self.faults.setdefault(path, deque()).append(
            Fault(errcode=errcode, status=status, times=times, delay=delay, drop=drop)
        )

    def expire_tokens(self) -> None:
        """As if every issued token had expired (WeChat then answers 42001)."""
        self.tokens.clear()

    def store_media(self, content: bytes, content_type: str) -> str:
        media_id = f"sandbox-media-{next(self._media_seq)}-{secrets.token_hex(4)}"
        self.media[media_id] = (content, content_type)
        return media_id

    def sent(self, path: str | None = None) -> list[Call]:
        """Every call made, accepted or not."""
        return [c for c in self.calls if path is None or c.path == path]

    def delivered(self, path: str | None = None) -> list[Call]:
        """Calls WeChat would have carried out (answered errcode 0), repeats it dropped
        (the same template client_msg_id) left out: what reached people's phones."""
        return [c for c in self.sent(path) if c.errcode == 0 and not c.duplicate]

    def guarded(self, guards: dict[K, tuple[int, float]], key: K, lasting: int) -> int | None:
        """The id the first send under ``key`` was given, while its guard still lasts."""
        first = guards.get(key)
        if first is None:
            return None
        if self.clock() - first[1] >= lasting:
            del guards[key]  # WeChat has forgotten it: a repeat is a new message
            return None
        return first[0]

    def _next_fault(self, path: str) -> Fault | None:
        queue = self.faults.get(path)
        if not queue:
            return None
        fault = queue[0]
        fault.times -= 1
        if fault.times <= 0:
            queue.popleft()
        return fault


STATE = web.AppKey("sandbox_state", SandboxState)
CALL = web.RequestKey("sandbox_call", Call)


def _error(errcode: int, errmsg: str) -> web.Response:
    return web.json_response({"errcode": errcode, "errmsg": errmsg})


@web.middleware
async def _record_and_inject(request: web.Request, handler: Any) -> web.StreamResponse:
    state = request.app[STATE]
    # Mounted as a sub-application under PREFIX inside the service, or alone in tests.
    path = request.path.removeprefix(PREFIX) if request.path.startswith(PREFIX) else request.path
    if path.startswith("/_sandbox"):
        result: web.StreamResponse = await handler(request)
        return result
    body: Any = None
    if request.can_read_body and request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            return _error(47001, "data format error")
    call = Call(next(state._seq), time.time(), request.method, path, dict(request.query), body)
    state.calls.append(call)
    request[CALL] = call
    try:
        return await _answer(request, handler, call, path)
    finally:
        # A handler that raised or was cancelled leaves no errcode; mark the call settled
        # anyway, or /_sandbox/sent would wait for it for ever.
        if call.errcode is None:
            call.errcode = -500


async def _answer(request: web.Request, handler: Any, call: Call, path: str) -> web.StreamResponse:
    state = request.app[STATE]
    fault = state._next_fault(path)
    if fault is not None:
        if fault.drop:
            call.errcode = -504
            await asyncio.sleep(3600)
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if fault.status != 200:
            call.errcode = -fault.status
            return web.Response(status=fault.status, text="sandbox fault")
        if fault.errcode is not None:
            call.errcode = fault.errcode
            return _error(fault.errcode, "sandbox fault")
    if path != "/cgi-bin/stable_token" and path.startswith("/cgi-bin/"):
        token = request.query.get("access_token", "")
        expires = state.tokens.get(token)
        if expires is None:
            call.errcode = 40001
            return _error(40001, "invalid credential, access_token is invalid or not latest")
        if expires < time.time():
            call.errcode = 42001
            return _error(42001, "access_token expired")
    result: web.StreamResponse = await handler(request)
    call.errcode = 0
    if isinstance(result, web.Response) and result.content_type == "application/json":
        try:
            call.errcode = int(json.loads(result.body or b"{}").get("errcode", 0))  # type: ignore[arg-type]
        except (ValueError, AttributeError):
            pass
    return result


async def _stable_token(request: web.Request) -> web.Response:
    state = request.app[STATE]
    body = await request.json()
    if body.get("grant_type") != "client_credential":
        return _error(40002, "invalid grant_type")
    if body.get("appid") != state.appid:
        return _error(40013, "invalid appid")
    if body.get("secret") != state.secret:
        return _error(40125, "invalid appsecret")
    state.token_requests += 1
    force = bool(body.get("force_refresh"))
    if force:
        state.forced_refreshes += 1
    if force or state.current_token not in state.tokens:
        state.current_token = f"SANDBOX_TOKEN_{secrets.token_hex(12)}"
        state.tokens[state.current_token] = time.time() + state.token_lifetime
    expires_in = int(state.tokens[state.current_token] - time.time())
    return web.json_response({"access_token": state.current_token, "expires_in": expires_in})


async def _ok(request: web.Request) -> web.Response:
    return _error(0, "ok")


async def _template_send(request: web.Request) -> web.Response:
    state = request.app[STATE]
    body = await request.json()
    guard = body.get("client_msg_id") if isinstance(body, dict) else None
    key = (str(body.get("touser")), str(guard)) if guard else None
    first = state.guarded(state.template_guard, key, TEMPLATE_GUARD_SECONDS) if key else None
    if first is not None:
        # WeChat drops the repeat; it answers as it did the first time.
        request[CALL].duplicate = True
        return web.json_response({"errcode": 0, "errmsg": "ok", "msgid": first})
    msgid = next(state._seq)
    if key:
        state.template_guard[key] = (msgid, state.clock())
    return web.json_response({"errcode": 0, "errmsg": "ok", "msgid": msgid})


async def _mass_send(request: web.Request) -> web.Response:
    state = request.app[STATE]
    body = await request.json()
    users = body.get("touser") if isinstance(body, dict) else None
    if not isinstance(users, list) or not 2 <= len(users) <= 10_000:
        return _error(40130, "invalid openid list size, at least two openid")
    guard = str(body.get("clientmsgid") or "")
    first = state.guarded(state.mass_guard, guard, MASS_GUARD_SECONDS) if guard else None
    if first is not None:
        request[CALL].duplicate = True
        return web.json_response(
            {"errcode": MASS_REPEATED, "errmsg": "clientmsgid exist", "msg_id": first}
        )
    msg_id = next(state._seq)
    if guard:
        state.mass_guard[guard] = (msg_id, state.clock())
    return web.json_response(
        {"errcode": 0, "errmsg": "send job submission success", "msg_id": msg_id}
    )


async def _user_info(request: web.Request) -> web.Response:
    openid = request.query.get("openid", "")
    return web.json_response(
        {
            "subscribe": 1,
            "openid": openid,
            "language": "zh_CN",
            "subscribe_time": 0,
            "subscribe_scene": "ADD_SCENE_QR_CODE",
        }
    )


async def _media_get(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    item = state.media.get(request.query.get("media_id", ""))
    if item is None:
        return _error(40007, "invalid media_id")
    content, content_type = item
    return web.Response(body=content, content_type=content_type)


async def _picture(request: web.Request) -> web.StreamResponse:
    """WeChat's picture server (the PicUrl of an image message): stored media by id."""
    item = request.app[STATE].media.get(request.match_info["media_id"])
    if item is None:
        return web.Response(status=404)
    content, content_type = item
    return web.Response(body=content, content_type=content_type)


async def _menu_create(request: web.Request) -> web.Response:
    state = request.app[STATE]
    body = await request.json()
    if not isinstance(body, dict) or not body.get("button"):
        return _error(40016, "invalid button size")
    state.menu = body
    return _error(0, "ok")


async def _menu_get(request: web.Request) -> web.Response:
    state = request.app[STATE]
    if state.menu is None:
        return _error(46003, "menu no exist")
    return web.json_response({"menu": state.menu})


# Local helpers for `township chat` (not part of WeChat's API) ----------------------


async def _sandbox_sent(request: web.Request) -> web.Response:
    """Messages pushed to one person after a sequence number: what their phone would show.

    ``last`` is where the next look should start: it stops before the first call still
    being answered, so a push whose answer is not known yet is not skipped. ``boot``
    names this run of the sandbox (numbers start again when the service restarts).
    """
    state = request.app[STATE]
    after = int(request.query.get("after", "0"))
    touser = request.query.get("touser")
    items = []
    last = after
    for call in state.calls:
        if call.errcode is None:
            break
        if call.seq <= after:
            continue
        last = call.seq
        if call.errcode != 0 or call.duplicate or not isinstance(call.body, dict):
            continue  # refused, or a repeat WeChat drops: never reached a phone
        to = call.body.get("touser")
        if touser and to != touser and not (isinstance(to, list) and touser in to):
            continue  # a mass send names many people
        items.append({"seq": call.seq, "at": call.at, "path": call.path, "body": call.body})
    return web.json_response({"boot": state.boot, "last": last, "items": items})


async def _sandbox_media(request: web.Request) -> web.Response:
    state = request.app[STATE]
    content = await request.read()
    media_id = state.store_media(content, request.content_type or "application/octet-stream")
    return web.json_response({"media_id": media_id})


def create_sandbox_app(state: SandboxState) -> web.Application:
    """The fake WeChat API: alone on its own port in tests, under PREFIX in the service."""
    app = web.Application(middlewares=[_record_and_inject])
    app[STATE] = state
    r = app.router
    r.add_post("/cgi-bin/stable_token", _stable_token)
    r.add_post("/cgi-bin/message/custom/send", _ok)
    r.add_post("/cgi-bin/message/template/send", _template_send)
    r.add_post("/cgi-bin/message/subscribe/bizsend", _ok)
    r.add_post("/cgi-bin/message/mass/send", _mass_send)
    r.add_get("/cgi-bin/user/info", _user_info)
    r.add_get("/cgi-bin/media/get", _media_get)
    r.add_get(PICTURES + "{media_id}", _picture)
    r.add_post("/cgi-bin/menu/create", _menu_create)
    r.add_get("/cgi-bin/menu/get", _menu_get)
    r.add_get("/_sandbox/sent", _sandbox_sent)
    r.add_post("/_sandbox/media", _sandbox_media)
    return app

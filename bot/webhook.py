"""GET/POST /wechat: WeChat's server verification and inbound messages.

Only what fails the signature, the size limit or XML parsing is refused: a 4xx with a
short plain reason, logged once without personal data, before anything is recorded. A
message missing a field we can do without is processed (wechat.parsing).
"""

from __future__ import annotations

import secrets
import time

import structlog
from aiohttp import web

from bot import keys
from bot.settings import required
from wechat.parsing import MalformedMessage, NoSender, parse_inbound, parse_xml
from wechat.signing import BadSignature, CannotDecrypt, Cipher, check

log = structlog.get_logger(__name__)


def _refuse(status: int, reason: str, request: web.Request) -> web.Response:
    log.warning(
        "wechat request refused",
        status=status,
        reason=reason,
        method=request.method,
        peer=request.remote,
    )
    return web.Response(status=status, text=reason + "\n")


def add_routes(app: web.Application) -> None:
    """GET and POST /wechat, with the cipher for encrypted messages when the mode uses it."""
    wx = app[keys.SETTINGS].wechat
    if wx.mode != "plain":
        app[keys.CIPHER] = Cipher(
            required(wx.token, "wechat.token"), required(wx.aes_key, "wechat.aes_key"), wx.appid
        )
    app.router.add_get("/wechat", verify)
    app.router.add_post("/wechat", receive)


def _check_signed(request: web.Request) -> web.Response | None:
    """Signature and timestamp window; None when the request may go on."""
    settings = request.app[keys.SETTINGS]
    q = request.query
    signature, timestamp, nonce = q.get("signature"), q.get("timestamp"), q.get("nonce")
    if not signature or not timestamp or not nonce:
        return _refuse(400, "missing signature, timestamp or nonce", request)
    try:
        check((required(settings.wechat.token, "wechat.token"), timestamp, nonce), signature)
    except BadSignature:
        return _refuse(403, "bad signature", request)
    try:
        sent_at = int(timestamp)
    except ValueError:
        return _refuse(400, "bad timestamp", request)
    now = request.app[keys.CLOCK]().timestamp()
    if abs(now - sent_at) > settings.wechat.timestamp_window:
        return _refuse(403, "timestamp outside the allowed window", request)
    return None


async def verify(request: web.Request) -> web.Response:
    """Server verification: echo ``echostr`` when the signature is ours."""
    refused = _check_signed(request)
    if refused is not None:
        return refused
    echostr = request.query.get("echostr")
    if not echostr:
        return _refuse(400, "missing echostr", request)
    return web.Response(text=echostr)


async def _read_body(request: web.Request, limit: int) -> bytes | None:
    """The whole body, however it arrives (in pieces, chunked); None past ``limit``."""
    parts: list[bytes] = []
    size = 0
    while chunk := await request.content.readany():
        size += len(chunk)
        if size > limit:
            return None
        parts.append(chunk)
    return b"".join(parts)


async def receive(request: web.Request) -> web.Response:
    settings = request.app[keys.SETTINGS]
    limit = settings.http.max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        return _refuse(413, "body too large", request)
    refused = _check_signed(request)
    if refused is not None:
        return refused
    body = await _read_body(request, limit)
    if body is None:
        return _refuse(413, "body too large", request)
    if not body.strip():
        return _refuse(400, "empty body", request)
    encrypted = request.query.get("encrypt_type", "raw").lower() == "aes"
    mode = settings.wechat.mode
    if encrypted and mode == "plain":
        return _refuse(400, "encrypted messages are not configured", request)
    if not encrypted and mode == "safe":
        return _refuse(400, "safe mode: messages must be encrypted", request)
    try:
        inner = _decrypt(request, body) if encrypted else body
        msg = parse_inbound(inner, settings.wechat.appid)
    except _Refused as refusal:
        return _refuse(refusal.status, str(refusal), request)
    except MalformedMessage as exc:
        return _refuse(400, str(exc), request)
    except NoSender:
        # Well-formed and signed, but from no one: nothing to answer or keep. WeChat is
        # told "success" (anything else shows the person an error, were there one).
        log.warning("wechat message names no sender; answered success", peer=request.remote)
        return web.Response(text="success")
    structlog.contextvars.bind_contextvars(openid=msg.openid)
    try:
        reply = await request.app[keys.TURNS].handle(msg)
    finally:
        structlog.contextvars.unbind_contextvars("openid")
    return _answer(request, reply, encrypted)


class _Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


def _decrypt(request: web.Request, body: bytes) -> bytes:
    """The message inside safe mode's envelope; raises _Refused or MalformedMessage."""
    q = request.query
    outer = parse_xml(body)
    token_sig = q.get("msg_signature")
    cipher_text = outer.get("Encrypt")
    if not token_sig:
        raise _Refused(400, "missing msg_signature")
    if not isinstance(cipher_text, str) or not cipher_text:
        raise _Refused(400, "missing Encrypt")
    try:
        return request.app[keys.CIPHER].decrypt(cipher_text, token_sig, q["timestamp"], q["nonce"])
    except BadSignature:
        raise _Refused(403, "bad msg_signature") from None
    except CannotDecrypt as exc:
        raise _Refused(400, str(exc)) from None


def _answer(request: web.Request, reply: bytes, encrypted: bool) -> web.Response:
    """The passive reply, sealed as the message came; "success" when there is none."""
    if not reply:
        return web.Response(text="success")
    if encrypted:
        nonce = secrets.token_hex(8)
        stamp = str(int(time.time()))
        text = request.app[keys.CIPHER].encrypt(reply.decode("utf-8"), nonce, stamp)
        return web.Response(text=text, content_type="application/xml")
    return web.Response(body=reply, content_type="application/xml")

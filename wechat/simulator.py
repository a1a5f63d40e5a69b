"""Playing WeChat's part: build the XML WeChat would post, sign and encrypt it, and read
the reply. Used by `township chat`, the tests and the benchmark."""

from __future__ import annotations

import itertools
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import xmltodict

from wechat.signing import Cipher, sign

ACCOUNT = "gh_township_sandbox"


def _node(name: str, value: Any) -> str:
    if isinstance(value, Mapping):
        inner = "".join(_node(k, v) for k, v in value.items())
        return f"<{name}>{inner}</{name}>"
    if isinstance(value, list):
        return "".join(_node(name, v) for v in value)
    if isinstance(value, int | float):
        return f"<{name}>{value}</{name}>"
    return f"<{name}><![CDATA[{str(value).replace(']]>', ']]]]><![CDATA[>')}]]></{name}>"


def to_xml(fields: Mapping[str, Any]) -> str:
    return "<xml>" + "".join(_node(k, v) for k, v in fields.items()) + "</xml>"


@dataclass
class Posted:
    """What came back from one post."""

    status: int
    body: bytes
    text: str | None  # the reply's words (decrypted), None for "success" or an error

    @property
    def ok(self) -> bool:
        return self.status == 200


class Simulator:
    """A stand-in for WeChat's servers talking to one account."""

    def __init__(
        self,
        *,
        token: str,
        appid: str,
        aes_key: str | None = None,
        mode: str = "safe",
        account: str = ACCOUNT,
    ) -> None:
        self.token = token
        self.appid = appid
        self.mode = mode
        self.account = account
        self.cipher = Cipher(token, aes_key, appid) if aes_key else None
        self._ids = itertools.count(int(time.time() * 1000) * 1000 + secrets.randbelow(1000))

    # Messages as WeChat sends them ------------------------------------------------

    def _base(self, openid: str, msg_type: str, created: int | None) -> dict[str, Any]:
        return {
            "ToUserName": self.account,
            "FromUserName": openid,
            "CreateTime": created if created is not None else int(time.time()),
            "MsgType": msg_type,
        }

    def message(
        self,
        openid: str,
        msg_type: str,
        created: int | None = None,
        msg_id: str | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        doc = self._base(openid, msg_type, created)
        doc.update(fields)
        doc["MsgId"] = msg_id or str(next(self._ids))
        return doc

    def text(self, openid: str, content: str, **kw: Any) -> dict[str, Any]:
        return self.message(openid, "text", Content=content, **kw)

    def voice(
        self, openid: str, recognition: str | None, media_id: str = "voice-media", **kw: Any
    ) -> dict[str, Any]:
        extra: dict[str, Any] = {"Recognition": recognition} if recognition is not None else {}
        return self.message(openid, "voice", MediaId=media_id, Format="amr", **extra, **kw)

    def image(
        self, openid: str, media_id: str, pic_url: str = "http://mmbiz.example/pic", **kw: Any
    ) -> dict[str, Any]:
        return self.message(openid, "image", PicUrl=pic_url, MediaId=media_id, **kw)

    def location(
        self, openid: str, lat: float, lng: float, label: str, scale: int = 15, **kw: Any
    ) -> dict[str, Any]:
        return self.message(
            openid, "location", Location_X=lat, Location_Y=lng, Scale=scale, Label=label, **kw
        )

    def event(
        self, openid: str, event: str, created: int | None = None, **fields: Any
    ) -> dict[str, Any]:
        doc = self._base(openid, "event", created)
        doc["Event"] = event
        doc.update(fields)
        return doc

    # Signing, encryption, posting -------------------------------------------------

    def signed_query(
        self, timestamp: str | None = None, nonce: str | None = None, openid: str | None = None
    ) -> dict[str, str]:
        timestamp = timestamp or str(int(time.time()))
        nonce = nonce or secrets.token_hex(5)
        query = {
            "signature": sign(self.token, timestamp, nonce),
            "timestamp": timestamp,
            "nonce": nonce,
        }
        if openid:
            query["openid"] = openid
        return query

    def envelope(
        self, fields: Mapping[str, Any], *, timestamp: str | None = None, nonce: str | None = None
    ) -> tuple[dict[str, str], bytes]:
        """The query string and body WeChat would post for ``fields`` in this mode."""
        query = self.signed_query(timestamp, nonce, openid=str(fields.get("FromUserName", "")))
        plain = to_xml(fields)
        if self.mode == "plain" or self.cipher is None:
            return query, plain.encode("utf-8")
        encrypted = self.cipher.seal(plain)
        query["encrypt_type"] = "aes"
        query["msg_signature"] = sign(self.token, query["timestamp"], query["nonce"], encrypted)
        if self.mode == "compatible":
            body = to_xml({**fields, "Encrypt": encrypted})
        else:
            body = to_xml({"ToUserName": self.account, "Encrypt": encrypted})
        return query, body.encode("utf-8")

    def read_reply(self, body: bytes) -> str | None:
        """The words of a passive reply, decrypting it (and checking its signature)."""
        if not body or body == b"success":
            return None
        doc = xmltodict.parse(body)["xml"]
        if "Encrypt" in doc:
            assert self.cipher is not None, "encrypted reply but no AES key"
            inner = self.cipher.decrypt(
                doc["Encrypt"], doc["MsgSignature"], doc["TimeStamp"], doc["Nonce"]
            )
            doc = xmltodict.parse(inner)["xml"]
        content = doc.get("Content")
        return str(content) if content is not None else None

    async def post(
        self, http: aiohttp.ClientSession, url: str, fields: Mapping[str, Any], **envelope: Any
    ) -> Posted:
        query, body = self.envelope(fields, **envelope)
        async with http.post(
            url, params=query, data=body, headers={"Content-Type": "text/xml"}
        ) as resp:
            raw = await resp.read()
        text = self.read_reply(raw) if resp.status == 200 else None
        return Posted(resp.status, raw, text)

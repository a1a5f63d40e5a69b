"""An async client for WeChat's HTTP API, on aiohttp.

wechatpy's own client is blocking and never runs here. Access tokens come from the
``stable_token`` endpoint, are shared through Redis, and are fetched by one process at a
time; a token WeChat rejects (40001/42001) is refreshed once, by one caller, and the call
retried once.
"""

from __future__ import annotations

import asyncio
import copy
import json
import random
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp
import redis.asyncio as aioredis
import structlog

from wechat.errcodes import BUSY, MASS_REPEATED, TOKEN_ERRORS

log = structlog.get_logger(__name__)

MASS_MAX = 10_000  # openids in one mass send
FORCE_COOLDOWN_SECONDS = 60
LOCAL_TOKEN_SECONDS = 60


class WeChatError(Exception):
    """WeChat answered with a non-zero errcode."""

    def __init__(
        self, errcode: int, errmsg: str, path: str, payload: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(f"{path}: errcode {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg
        self.path = path
        # The whole answer: some refusals carry data (45065 names the earlier mass send).
        self.payload = dict(payload or {})


class WeChatUnavailable(Exception):
    """WeChat could not be reached or did not answer in time (after the allowed retries).

    ``maybe_sent``: the request may have reached WeChat (a timeout, a dropped answer, a
    5xx), so a message without a duplicate guard must not be blindly sent again.
    """

    def __init__(self, message: str, *, maybe_sent: bool = True) -> None:
        super().__init__(message)
        self.maybe_sent = maybe_sent


@dataclass(frozen=True)
class Media:
    content: bytes
    content_type: str


def _text(value: bytes | str | None) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


# Deletes the fetch lock only if we still own it.
_UNLOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class WeChatAPI:
    def __init__(
        self,
        http: aiohttp.ClientSession,
        redis: aioredis.Redis,
        *,
        appid: str,
        secret: str,
        base_url: str,
        timeout: float = 5.0,
        attempts: int = 3,
        backoff: float = 0.2,
    ) -> None:
        self._http = http
        self._redis = redis
        self._appid = appid
        self.appid = appid
        self._secret = secret
        self._base = base_url.rstrip("/")
        self.base_url = self._base
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._attempts = attempts
        self._backoff = backoff
        self._unlock = redis.register_script(_UNLOCK)
        self._token_key = f"wx:token:{appid}"
        self._local: tuple[str, float] | None = None
        self._lock_key = f"wx:token-lock:{appid}"
        self._forced_key = f"wx:token-forced:{appid}"
        # Longer than the slowest fetch (every attempt timing out, plus backoff), so two
        # processes never fetch at once.
        self._lock_ms = int((timeout * attempts + backoff * 2**attempts + 5) * 1000)

    def single_attempt(self) -> WeChatAPI:
        """The same client (connection, account, shared token) trying each call once: for
        a caller that decides retries itself, so a send that WeChat may already have is
        never repeated behind its back."""
        twin = copy.copy(self)
        twin._attempts = 1
        return twin

    # Access tokens -----------------------------------------------------------------

    async def access_token(self) -> str:
        # Kept in this process for a minute: a dispatcher with hundreds of sends in flight
        # would otherwise ask Redis for the same token hundreds of times a second. A token
        # WeChat rejects is replaced at once (call() refreshes it), and the shared one
        # lives 5 minutes less than WeChat's, so a minute's copy is never stale.
        if self._local is not None and time.monotonic() < self._local[1]:
            return self._local[0]
        cached = _text(await self._redis.get(self._token_key))
        token = cached or await self._fetch_token(stale=None)
        self._remember(token)
        return token

    def _remember(self, token: str) -> None:
        self._local = (token, time.monotonic() + LOCAL_TOKEN_SECONDS)

    async def _fetch_token(self, stale: str | None) -> str:
        """Fetch a token, one process at a time. With ``stale``, force a refresh only if
        the shared token is still the one WeChat rejected (someone else may have fixed it)."""
        owner = secrets.token_hex(8)
        deadline = time.monotonic() + self._timeout.total * (self._attempts + 1)  # type: ignore[operator]
        delay = 0.01
        while True:
            current = _text(await self._redis.get(self._token_key))
            if current and current != stale:
                return current
            if await self._redis.set(self._lock_key, owner, nx=True, px=self._lock_ms):
                try:
                    current = _text(await self._redis.get(self._token_key))
                    if current and current != stale:
                        return current
                    if stale is not None and not await self._redis.set(
                        self._forced_key, owner, nx=True, ex=FORCE_COOLDOWN_SECONDS
                    ):
                        # WeChat rejects a fresh token too (wrong account, IP allow-list…):
                        # forced refreshes are rationed per day, so do not burn them.
                        log.warning("token rejected again soon after a forced refresh")
                        return stale
                    body = await self._request(
                        "POST",
                        "/cgi-bin/stable_token",
                        json_body={
                            "grant_type": "client_credential",
                            "appid": self._appid,
                            "secret": self._secret,
                            "force_refresh": stale is not None,
                        },
                    )
                    token = str(body["access_token"])
                    ttl = max(int(body.get("expires_in", 7200)) - 300, 30)
                    await self._redis.set(self._token_key, token, ex=ttl)
                    log.info("access token fetched", forced=stale is not None, ttl=ttl)
                    return token
                finally:
                    await self._unlock(keys=[self._lock_key], args=[owner])
            if time.monotonic() > deadline:
                raise WeChatUnavailable(
                    "timed out waiting for another process's token fetch", maybe_sent=False
                )
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.2)

    # Calls -------------------------------------------------------------------------

    async def call(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """Call an API that needs the access token; refresh it once if WeChat rejects it."""
        try:
            token = await self.access_token()
        except WeChatUnavailable as exc:  # no token, so the call itself never went out
            raise WeChatUnavailable(str(exc), maybe_sent=False) from exc
        try:
            return await self._request(
                method, path, json_body=json_body, params=params, token=token
            )
        except WeChatError as exc:
            if exc.errcode not in TOKEN_ERRORS:
                raise
            self._local = None
            token = await self._fetch_token(stale=token)
            self._remember(token)
            return await self._request(
                method, path, json_body=json_body, params=params, token=token
            )

    async def _request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: Mapping[str, str] | None = None,
        token: str | None = None,
        binary: bool = False,
    ) -> dict[str, Any]:
        """One call with bounded, jittered retries on errcode -1, 5xx and network errors."""
        query = dict(params or {})
        if token is not None:
            query["access_token"] = token
        data = None
        if json_body is not None:
            data = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
        last: Exception | None = None
        for attempt in range(self._attempts):
            if attempt:
                await asyncio.sleep(self._backoff * (2 ** (attempt - 1)) * random.uniform(0.5, 1.5))
            try:
                async with self._http.request(
                    method,
                    self._base + path,
                    params=query,
                    data=data,
                    headers={"Content-Type": "application/json; charset=utf-8"} if data else None,
                    timeout=self._timeout,
                ) as resp:
                    if resp.status >= 500:
                        last = WeChatUnavailable(f"{path}: HTTP {resp.status}")
                        continue
                    if resp.status != 200:
                        raise WeChatUnavailable(f"{path}: HTTP {resp.status}")
                    if binary and not resp.content_type.endswith(("json", "plain")):
                        return {"_media": Media(await resp.read(), resp.content_type)}
                    payload = json.loads(await resp.read())
            except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
                # Refused before anything was written: certainly not sent.
                unsent = isinstance(exc, aiohttp.ClientConnectorError)
                last = WeChatUnavailable(f"{path}: {type(exc).__name__}", maybe_sent=not unsent)
                continue
            errcode = int(payload.get("errcode", 0) or 0)
            if errcode == BUSY:
                last = WeChatError(errcode, str(payload.get("errmsg", "")), path)
                continue
            if errcode:
                raise WeChatError(errcode, str(payload.get("errmsg", "")), path, payload)
            return dict(payload)
        assert last is not None
        raise last

    # What the service sends and asks -----------------------------------------------

    async def send_text(self, openid: str, content: str) -> None:
        """A customer-service text message (only inside WeChat's window after they wrote)."""
        await self.call(
            "POST",
            "/cgi-bin/message/custom/send",
            json_body={"touser": openid, "msgtype": "text", "text": {"content": content}},
        )

    async def send_template(
        self,
        openid: str,
        template_id: str,
        data: Mapping[str, str],
        *,
        url: str | None = None,
        client_msg_id: str | None = None,
    ) -> int:
        body: dict[str, Any] = {
            "touser": openid,
            "template_id": template_id,
            "data": {k: {"value": v} for k, v in data.items()},
        }
        if url:
            body["url"] = url
        if client_msg_id:
            # WeChat drops a second send with the same id: safe to retry a lost answer.
            body["client_msg_id"] = client_msg_id
        result = await self.call("POST", "/cgi-bin/message/template/send", json_body=body)
        return int(result.get("msgid", 0))

    async def send_subscribe(
        self,
        openid: str,
        template_id: str,
        data: Mapping[str, str],
        *,
        page: str | None = None,
    ) -> None:
        body: dict[str, Any] = {
            "touser": openid,
            "template_id": template_id,
            "data": {k: {"value": v} for k, v in data.items()},
        }
        if page:
            body["page"] = page
        await self.call("POST", "/cgi-bin/message/subscribe/bizsend", json_body=body)

    async def send_mass_text(self, openids: Sequence[str], content: str, clientmsgid: str) -> str:
        """A mass send (群发) to 2..10,000 followers; WeChat counts it against each one's
        four a month. ``clientmsgid`` makes a repeat within 24 hours a no-op: the earlier
        send's msg_id is returned then, so a lost answer can safely be retried."""
        assert 2 <= len(openids) <= MASS_MAX
        body = {
            "touser": list(openids),
            "msgtype": "text",
            "text": {"content": content},
            "clientmsgid": clientmsgid,
        }
        try:
            result = await self.call("POST", "/cgi-bin/message/mass/send", json_body=body)
        except WeChatError as exc:
            if exc.errcode == MASS_REPEATED and exc.payload.get("msg_id"):
                return str(exc.payload["msg_id"])
            raise
        return str(result.get("msg_id", ""))

    async def user_info(self, openid: str) -> dict[str, Any]:
        return await self.call(
            "GET", "/cgi-bin/user/info", params={"openid": openid, "lang": "zh_CN"}
        )

    async def download_media(self, media_id: str) -> Media:
        token = await self.access_token()
        for retry in (False, True):
            try:
                result = await self._request(
                    "GET",
                    "/cgi-bin/media/get",
                    params={"media_id": media_id},
                    token=token,
                    binary=True,
                )
            except WeChatError as exc:
                if retry or exc.errcode not in TOKEN_ERRORS:
                    raise
                token = await self._fetch_token(stale=token)
                continue
            media = result.get("_media")
            if not isinstance(media, Media):
                raise WeChatError(0, "media answer was not a file", "/cgi-bin/media/get")
            return media
        raise AssertionError("unreachable")

    async def download_picture(self, url: str) -> Media:
        """A picture from the PicUrl of WeChat's older image messages (no token: it is a
        plain link to WeChat's picture server)."""
        if not url.startswith(("http://", "https://")):
            raise WeChatError(0, "picture URL is not http(s)", "PicUrl")
        try:
            async with self._http.get(url, timeout=self._timeout) as resp:
                if resp.status != 200:
                    raise WeChatUnavailable(f"PicUrl answered {resp.status}", maybe_sent=False)
                return Media(await resp.read(), resp.content_type)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise WeChatUnavailable(f"PicUrl: {type(exc).__name__}", maybe_sent=False) from exc

    async def create_menu(self, menu: Mapping[str, Any]) -> None:
        await self.call("POST", "/cgi-bin/menu/create", json_body=menu)

"""Fetching a grid report's photos and voice notes from WeChat as soon as they arrive,
checking them, and keeping them under the data folder; a failed download is tried again
later, and one that keeps failing is marked for staff to see, never dropped silently."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import structlog
from tortoise.context import TortoiseContext

from notifications.rounds import Worker
from storage import media
from storage.media_files import MediaStore
from wechat.client import WeChatAPI, WeChatError, WeChatUnavailable

log = structlog.get_logger(__name__)

BATCH = 20
# What a stored file must start with, by the type it claims to be.
SIGNATURES: dict[str, tuple[tuple[bytes, ...], str]] = {
    "image/jpeg": ((b"\xff\xd8\xff",), "jpg"),
    "image/png": ((b"\x89PNG\r\n\x1a\n",), "png"),
    "image/gif": ((b"GIF87a", b"GIF89a"), "gif"),
    "audio/amr": ((b"#!AMR",), "amr"),
    "voice/amr": ((b"#!AMR",), "amr"),
}


def checked(content: bytes, content_type: str, max_bytes: int) -> str:
    """The file's extension when it is what it says and small enough; ValueError if not."""
    kind = content_type.split(";")[0].strip().lower()
    if kind not in SIGNATURES:
        raise ValueError(f"unexpected type {kind or 'none'}")
    if not content or len(content) > max_bytes:
        raise ValueError(f"size {len(content)} bytes")
    starts, extension = SIGNATURES[kind]
    if not content.startswith(starts):
        raise ValueError(f"content is not {kind}")
    return extension


class MediaFetcher(Worker):
    def __init__(
        self,
        *,
        api: WeChatAPI,
        database: TortoiseContext,
        clock: Callable[[], datetime],
        store: MediaStore,
        max_bytes: int,
        attempts: int,
        retry: timedelta,
        lease: timedelta,
        poll_seconds: float,
    ) -> None:
        self._api = api
        self._clock = clock
        self._store = store
        self._max_bytes = max_bytes
        self._attempts = attempts
        self._retry = retry
        self._lease = lease
        self.owner = f"media-{secrets.token_hex(6)}"
        super().__init__(database=database, poll_seconds=poll_seconds, name="media fetch")

    async def step(self) -> bool:
        claimed = await media.claim(self.owner, now=self._clock(), lease=self._lease, limit=BATCH)
        await asyncio.gather(*(self._fetch(f) for f in claimed))
        return len(claimed) == BATCH

    async def _fetch(self, fetch: media.Fetch) -> None:
        try:
            if fetch.media_id:
                got = await self._api.download_media(fetch.media_id)
            elif fetch.url:  # an image in WeChat's older form: PicUrl, no MediaId
                got = await self._api.download_picture(fetch.url)
            else:
                raise ValueError("neither a media id nor a picture URL")
            extension = checked(got.content, got.content_type, self._max_bytes)
        except (WeChatError, WeChatUnavailable, ValueError) as exc:
            await self._missed(fetch, str(exc))
            return
        now = self._clock()
        name = f"{fetch.ticket_id}-{fetch.id}.{extension}"
        relative = Path("media") / now.strftime("%Y%m") / name
        try:
            await self._store.put(relative.as_posix(), got.content, got.content_type)
        except OSError as exc:  # a full disk, an unreachable bucket: counted, tried later
            await self._missed(fetch, f"write failed: {exc.strerror or exc}")
            return
        await media.stored(
            fetch,
            self.owner,
            path=relative.as_posix(),
            content_type=got.content_type.split(";")[0],
            size=len(got.content),
        )
        log.info("attachment stored", attachment=fetch.id, size=len(got.content))

    async def _missed(self, fetch: media.Fetch, error: str) -> None:
        tried = fetch.attempts + 1
        retry_at = None
        if tried < self._attempts:
            retry_at = self._clock() + self._retry * (2 ** (tried - 1))
        await media.missed(fetch, self.owner, error=error, retry_at=retry_at)
        log.warning(
            "attachment not fetched" if retry_at else "attachment given up",
            attachment=fetch.id,
            attempts=tried,
            error=error,
        )

"""Noticing that Redis lost what it held: restarted (a new ``run_id``; the embedded one
keeps a second or less on disk, an external one maybe nothing) or wiped (the marker key
gone). For a while after, conversations are checked against their database drafts
(storage.drafts), so nobody's half-finished request is lost or read one step behind."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime, timedelta

import redis.asyncio as aioredis
import structlog
from tortoise.context import TortoiseContext

from storage import drafts
from storage.db import use

log = structlog.get_logger(__name__)

MARKER = "township:redis-kept"
CHECK_SECONDS = 1.0


class RedisLoss:
    def __init__(
        self,
        redis: aioredis.Redis,
        database: TortoiseContext,
        clock: Callable[[], datetime],
        window: timedelta,
    ) -> None:
        self._redis = redis
        self._database = database
        self._clock = clock
        self._window = window
        self._run_id: str | None = None
        self._lost_at: datetime | None = None
        self._stopping = asyncio.Event()

    def recovering(self) -> bool:
        """Whether Redis lost data recently enough that a conversation may still be
        going on from before (within the session timeout)."""
        lost = self._lost_at
        return lost is not None and self._clock() - lost < self._window

    async def note_loss(self, why: str) -> None:
        """Check conversations against their drafts for a while, if anyone was in the
        middle of something (else there is nothing to bring back)."""
        now = self._clock()
        if not await drafts.any_since(now - self._window):
            log.info("Redis started empty; no conversation was in the middle", why=why)
            return
        self._lost_at = now
        log.warning("Redis lost what it held; conversations are checked against drafts", why=why)

    async def check(self) -> None:
        """Compare the server with what was seen last. The first check counts as a loss
        when the marker is missing (a fresh or emptied server: this process cannot tell
        how long it has been so)."""
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.info("server")
            pipe.set(MARKER, "1", nx=True)
            info, created = await pipe.execute()
        run_id = str(info.get("run_id", ""))
        restarted = self._run_id is not None and run_id != self._run_id
        if created or restarted:
            await self.note_loss("emptied" if created else "restarted")
        self._run_id = run_id

    async def run(self) -> None:
        with use(self._database):
            while not self._stopping.is_set():
                try:
                    await self.check()
                except Exception:  # away: the next check after it is back tells
                    log.debug("Redis check failed", exc_info=True)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), CHECK_SECONDS)

    def stop(self) -> None:
        self._stopping.set()

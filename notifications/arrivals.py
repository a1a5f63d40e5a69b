"""New tickets, as open console queues in this process learn of them: the newest ticket's
id, looked up when the outbox's wake-up is heard and every few seconds otherwise, and
only while someone is watching."""

from __future__ import annotations

import asyncio
import contextlib

import redis.asyncio as aioredis
import structlog
from tortoise.context import TortoiseContext

from notifications.dispatcher import WAKE_CHANNEL
from storage.db import use
from storage.models import Ticket
from storage.redis import listen

log = structlog.get_logger(__name__)


class Arrivals:
    def __init__(self, wakeups: aioredis.Redis, database: TortoiseContext, *, every: float) -> None:
        self._wakeups = wakeups
        self._database = database
        self._every = every
        self._newest = 0
        self._changed = asyncio.Condition()
        self._watchers = 0
        self._heard = asyncio.Event()
        self._stopping = asyncio.Event()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def stop(self) -> None:
        self._stopping.set()
        self._heard.set()

    async def run(self) -> None:
        listener = asyncio.create_task(self._listen())
        try:
            with use(self._database):
                while not self._stopping.is_set():
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(self._every):
                            await self._heard.wait()
                    self._heard.clear()
                    if self._watchers and not self._stopping.is_set():
                        await self._look()
        finally:
            listener.cancel()
            async with self._changed:
                self._changed.notify_all()

    async def _look(self) -> None:
        try:
            ids: list[int] = await (  # type: ignore[assignment]
                Ticket.all().order_by("-id").limit(1).values_list("id", flat=True)
            )
        except Exception:  # the database away: the queues stay as they are meanwhile
            log.warning("could not look for new tickets")
            return
        newest = ids[0] if ids else 0
        if newest > self._newest:
            self._newest = newest
            async with self._changed:
                self._changed.notify_all()

    async def _listen(self) -> None:
        # Redis away: looking every few seconds meanwhile.
        await listen(self._wakeups, WAKE_CHANNEL, self._heard.set, retry_seconds=self._every)

    async def wait(self, seen: int, timeout: float) -> int:
        """The newest ticket's id once it is past ``seen`` or ``timeout`` has passed
        (whatever it is then); at once when the service is stopping."""
        self._watchers += 1
        self._heard.set()  # a new watcher gets a fresh look
        try:
            async with self._changed:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(timeout):
                        await self._changed.wait_for(
                            lambda: self._newest > seen or self._stopping.is_set()
                        )
            return self._newest
        finally:
            self._watchers -= 1

"""The loop every background worker here runs: do rounds of work while there is any,
then sleep until woken or the poll interval ends, until stopped."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime

import structlog
from tortoise.context import TortoiseContext

from storage.db import use

log = structlog.get_logger(__name__)


class Rounds:
    def __init__(self, poll_seconds: float, name: str) -> None:
        self._poll = poll_seconds
        self._name = name
        self._woken = asyncio.Event()
        self.stopping = False

    def wake(self) -> None:
        """There is work: start a round now, not at the next poll."""
        self._woken.set()

    def stop(self) -> None:
        """Finish the round in hand, then return from :meth:`run`."""
        self.stopping = True
        self._woken.set()

    async def run(self, round_: Callable[[], Awaitable[object]]) -> None:
        """Call ``round_`` while it reports work done (truthy); a failed round is logged
        and tried again after the pause, never ends the loop."""
        while not self.stopping:
            try:
                while not self.stopping and await round_():
                    pass
            except Exception:
                log.exception("round failed; trying again shortly", worker=self._name)
            if self.stopping:
                break
            self._woken.clear()
            try:
                await asyncio.wait_for(self._woken.wait(), self._poll)
            except TimeoutError:
                pass


class Worker:
    """A background job that works in rounds (``step``) inside the app's database
    context until stopped: the fan-out, the ticket clock, the media fetcher."""

    def __init__(
        self,
        *,
        database: TortoiseContext,
        poll_seconds: float,
        name: str,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._database = database
        self._rounds = Rounds(poll_seconds, name)
        self._round_clock = clock
        # For a worker given the service's clock: the time its last finished round began.
        # Shows the worker alive, and tells a test a round has looked at a moment.
        self.looked_at: datetime | None = None

    def poke(self) -> None:
        """There is work in this process: start now, not at the next poll."""
        self._rounds.wake()

    def stop(self) -> None:
        self._rounds.stop()

    async def run(self) -> None:
        with use(self._database):
            await self._rounds.run(self._round)

    async def _round(self) -> bool:
        began = self._round_clock() if self._round_clock is not None else None
        more = await self.step()
        self.looked_at = began
        return more

    async def step(self) -> bool:
        """One round; True when there may be more work at once."""
        raise NotImplementedError

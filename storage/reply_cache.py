"""Recognising WeChat's retries and answering them with the first attempt's reply.

One key per inbound message: ``msg:{appid}:{message key}``. The first attempt claims it
(SET NX, in storage.turn_store) with a short lease; when it has a reply the key holds the
reply for a few minutes. A retry waits for that reply instead of running the step a
second time. If the first attempt's process died, its lease runs out and the retry
takes over (in the background, when the lease outlasts the retry's own budget: see
bot.turns).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import redis.asyncio as aioredis

PENDING = b"p"
LATE = b"l"
DONE = b"d"
REFUSED = b"r"  # refused unprocessed: the person's message budget was spent


def _as_bytes(value: bytes | str | None) -> bytes | None:
    return value.encode() if isinstance(value, str) else value


@dataclass(frozen=True)
class Outcome:
    """What a retry learns: a reply (XML, possibly empty) or that it went out late."""

    reply: bytes | None
    late: bool
    refused: bool = False
    # The first attempt had neither answered nor said it would answer late when the wait
    # ended: past that attempt's own budget, its process died mid-step.
    silent: bool = False


class ReplyCache:
    def __init__(self, redis: aioredis.Redis, *, keep_seconds: int) -> None:
        self._redis = redis
        self._keep = keep_seconds

    @staticmethod
    def key(appid: str, message_key: str) -> str:
        return f"msg:{appid}:{message_key}"

    @staticmethod
    def answered(value: bytes | str | None) -> Outcome | None:
        """What a stored value says to a retry; None while the first attempt is running
        (or after it vanished)."""
        value = _as_bytes(value)
        if value is None:
            return None
        if value.startswith(DONE):
            return Outcome(value[len(DONE) :], late=False)
        if value == LATE:
            return Outcome(None, late=True)
        if value == REFUSED:
            return Outcome(None, late=False, refused=True)
        return None

    async def late(self, key: str) -> None:
        """The first attempt answered "success"; its reply goes out as a customer-service
        message, so retries must answer "success" too."""
        await self._redis.set(key, LATE, ex=self._keep)

    async def wait(self, key: str, timeout: float) -> Outcome | None:
        """Wait up to ``timeout`` for the first attempt. None: it vanished (its lease ran
        out) and this attempt should claim the message itself; silent=True when it was
        still only claimed at the end."""
        deadline = time.monotonic() + timeout
        delay = 0.005
        while True:
            value = await self._redis.get(key)
            if value is None:
                return None
            outcome = self.answered(value)
            if outcome is not None:
                return outcome
            if time.monotonic() >= deadline:
                return Outcome(None, late=False, silent=True)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.05)

"""Who is a grid worker, asked of the database when bindings change, not on every message.

Every conversation step asks (a worker's menu is not a resident's); bindings change a
few times a day. A token in Redis (``grid:bindings``) is replaced after each bind and
unbind commits. Each turn reads it in the round trip that claims the message and loads
the session (storage.turn_store) and hands it here (``seen``); answers this process got
from the database under that same token are used (for five minutes each, should Redis
have lost a replacement), and a new token empties them.
"""

from __future__ import annotations

import secrets
import time
from contextvars import ContextVar
from datetime import datetime

import redis.asyncio as aioredis

from storage import grids
from storage.grids import Redeemed, Redemption
from storage.models import Grid, Visit

BINDINGS_KEY = "grid:bindings"
MAX_AGE_SECONDS = 300.0
MAX_KEPT = 100_000

# The token the current turn read with its session; None outside a turn (then the
# database is asked, as before).
_seen: ContextVar[bytes | None] = ContextVar("grid_bindings_seen", default=None)


def seen(token: bytes | str | None) -> None:
    """The bindings token this turn read (empty when Redis has none)."""
    _seen.set(token.encode() if isinstance(token, str) else (token or b""))


async def changed(redis: aioredis.Redis) -> None:
    """A binding was made or ended (and committed): every process asks again."""
    await redis.set(BINDINGS_KEY, secrets.token_hex(8))


class KnownWorkers:
    """storage.grids for the conversations, with ``is_worker`` remembered per token."""

    def __init__(self, redis: aioredis.Redis) -> None:
        self._redis = redis
        self._token: bytes | None = None
        # (appid, openid) -> (is a worker, when the database said so)
        self._answers: dict[tuple[str, str], tuple[bool, float]] = {}

    async def is_worker(self, appid: str, openid: str) -> bool:
        token = _seen.get()
        if token is None:
            return await grids.is_worker(appid, openid)
        if token != self._token:
            self._answers.clear()
            self._token = token
        key = (appid, openid)
        now = time.monotonic()
        kept = self._answers.get(key)
        if kept is not None and now - kept[1] <= MAX_AGE_SECONDS:
            return kept[0]
        answer = await grids.is_worker(appid, openid)
        if len(self._answers) >= MAX_KEPT:
            self._answers.clear()
        # Not if a turn with another token came meanwhile (the answer is this one's).
        if token == self._token:
            self._answers[key] = (answer, now)
        return answer

    async def redeem(self, code: str, appid: str, openid: str, now: datetime) -> Redemption:
        done = await grids.redeem(code, appid, openid, now)
        if done.outcome is Redeemed.BOUND:
            await changed(self._redis)
        return done

    async def grids_of(self, appid: str, openid: str) -> list[Grid]:
        return await grids.grids_of(appid, openid)

    def code_from_scene(self, scene: str | None) -> str | None:
        return grids.code_from_scene(scene)

    async def record_visit(
        self,
        appid: str,
        openid: str,
        *,
        group: str,
        person: str,
        findings: str,
        health: str,
        needs_help: bool,
        at: datetime,
    ) -> Visit | None:
        return await grids.record_visit(
            appid,
            openid,
            group=group,
            person=person,
            findings=findings,
            health=health,
            needs_help=needs_help,
            at=at,
        )

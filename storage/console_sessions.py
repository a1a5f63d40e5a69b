"""The staff console's sign-in sessions, kept in Redis so every process knows them.

A session id is a random secret held only by the browser (its cookie); Redis keeps its
digest, so a copy of Redis holds no usable cookie. A session ends after ``idle`` without
use and ``absolute`` after signing in whatever happens, counted by the service's clock
(passed in), so a test can move time; Redis forgets it by itself soon after."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import redis.asyncio as aioredis

_PREFIX = "console:session:"
_OF_STAFF = "console:staff:"


@dataclass(frozen=True)
class Session:
    staff_id: int
    # Sent back with every form that changes something (CSRF): tied to this session.
    csrf: str


def _text(value: bytes | str | None) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _digest(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


class ConsoleSessions:
    def __init__(self, redis: aioredis.Redis, *, idle: timedelta, absolute: timedelta) -> None:
        self._redis = redis
        self._idle = idle
        self._absolute = absolute
        # Redis forgets a session a while after it could have ended by the service's clock.
        self._keep_ms = int(absolute.total_seconds() * 1000) + 60_000

    async def open(self, staff_id: int, now: datetime) -> tuple[str, Session]:
        """A new session (a fresh id at every sign-in) and the id for the cookie."""
        sid = secrets.token_urlsafe(32)
        session = Session(staff_id, secrets.token_urlsafe(32))
        key, stamp = _PREFIX + _digest(sid), str(now.timestamp())
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(
                key,
                mapping={"staff": staff_id, "csrf": session.csrf, "born": stamp, "seen": stamp},
            )
            pipe.pexpire(key, self._keep_ms)
            pipe.sadd(_OF_STAFF + str(staff_id), _digest(sid))
            pipe.pexpire(_OF_STAFF + str(staff_id), self._keep_ms)
            await pipe.execute()
        return sid, session

    async def read(self, sid: str, now: datetime, *, touch: bool = True) -> Session | None:
        """The live session with this id, marked used now (unless not ``touch``: a page
        left open is not someone using it); None when there is none (never was, signed
        out, or expired, which also ends it)."""
        key = _PREFIX + _digest(sid)
        got = await self._redis.hmget(key, "staff", "csrf", "born", "seen")
        if any(v is None for v in got):
            return None
        staff, csrf, born, seen = (_text(v) for v in got)
        at = now.timestamp()
        if (
            at - float(seen) > self._idle.total_seconds()
            or at - float(born) > self._absolute.total_seconds()
        ):
            await self.close(sid)
            return None
        if touch:
            await self._redis.hset(key, "seen", str(at))
        return Session(int(staff), csrf)

    async def close(self, sid: str) -> None:
        key = _PREFIX + _digest(sid)
        staff = await self._redis.hget(key, "staff")
        await self._redis.delete(key)
        if staff is not None:
            await self._redis.srem(_OF_STAFF + _text(staff), _digest(sid))

    async def close_all(self, staff_id: int) -> int:
        """End every console session of this account (disabled): how many there were."""
        members = await self._redis.smembers(_OF_STAFF + str(staff_id))
        keys = [_PREFIX + _text(m) for m in members]
        if not keys:
            return 0
        ended: int = await self._redis.delete(*keys, _OF_STAFF + str(staff_id))
        return max(ended - 1, 0)

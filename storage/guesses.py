"""Rationing wrong guesses (binding codes) per person, shared by every process."""

from __future__ import annotations

import hashlib

import redis.asyncio as aioredis


class Guesses:
    """``limit`` wrong guesses per person per ``window_seconds``; then none until it ends."""

    def __init__(self, redis: aioredis.Redis, *, limit: int = 5, window_seconds: int = 3600):
        self._redis = redis
        self._limit = limit
        self._window = window_seconds

    def _key(self, appid: str, openid: str) -> str:
        # Hashed: the key should not spell out who guessed.
        who = hashlib.sha256(openid.encode()).hexdigest()[:16]
        return f"guesses:{appid}:{who}"

    async def allowed(self, appid: str, openid: str) -> bool:
        count = await self._redis.get(self._key(appid, openid))
        return count is None or int(count) < self._limit

    async def missed(self, appid: str, openid: str) -> None:
        key = self._key(appid, openid)
        if int(await self._redis.incr(key)) == 1:
            await self._redis.expire(key, self._window)

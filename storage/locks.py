"""A per-person lock in Redis that serves waiters in arrival order, across processes.

Each acquirer appends a token to a queue and waits until its token is at the head. A
token stays alive only while its owner keeps refreshing ``alive:<token>``; a process that
dies (or a request that is abandoned) stops refreshing, and the next acquirer removes the
dead head, so one crash never blocks a person for long.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator

import redis.asyncio as aioredis

# KEYS[1] queue; ARGV[1] token, ARGV[2] lease ms, ARGV[3] 1 to enqueue.
# Returns 1 when the token holds the lock.
_ACQUIRE = """
if ARGV[3] == '1' then
  redis.call('RPUSH', KEYS[1], ARGV[1])
  redis.call('PEXPIRE', KEYS[1], 600000)
end
redis.call('SET', 'alive:' .. ARGV[1], '1', 'PX', ARGV[2])
while true do
  local head = redis.call('LINDEX', KEYS[1], 0)
  if not head then
    return 0
  end
  if head == ARGV[1] then
    return 1
  end
  if redis.call('EXISTS', 'alive:' .. head) == 1 then
    return 0
  end
  redis.call('LPOP', KEYS[1])
end
"""

# KEYS[1] queue; ARGV[1] token.
_RELEASE = """
redis.call('LREM', KEYS[1], 1, ARGV[1])
redis.call('DEL', 'alive:' .. ARGV[1])
local head = redis.call('LINDEX', KEYS[1], 0)
if head then
  redis.call('PUBLISH', KEYS[1], 'next')
end
return 1
"""


class LockLost(Exception):
    """Our token vanished from the queue (Redis lost it); the step must not trust the lock."""


class PersonLocks:
    def __init__(self, redis: aioredis.Redis, *, lease_seconds: float = 10.0) -> None:
        self._redis = redis
        self._lease_ms = int(lease_seconds * 1000)
        self._acquire = redis.register_script(_ACQUIRE)
        self._release = redis.register_script(_RELEASE)

    @staticmethod
    def key(appid: str, openid: str) -> str:
        return f"lock:{appid}:{openid}"

    @contextlib.asynccontextmanager
    async def hold(self, appid: str, openid: str) -> AsyncIterator[None]:
        """Wait for our turn (arrival order), hold the lock for the block, then release."""
        key = self.key(appid, openid)
        token = secrets.token_hex(8)
        keeper: asyncio.Task[None] | None = None
        try:
            got = await self._acquire(keys=[key], args=[token, self._lease_ms, "1"])
            keeper = asyncio.create_task(self._keep_alive(token))
            delay = 0.002
            while not got:
                await asyncio.sleep(delay)
                delay = min(delay * 2, 0.05)
                got = await self._acquire(keys=[key], args=[token, self._lease_ms, "0"])
                if not got and not await self._redis.exists(key):
                    raise LockLost(key)
            yield
        finally:
            if keeper is not None:
                keeper.cancel()
            # Release even when cancelled, or the next message waits for the lease to run out.
            await asyncio.shield(self._release(keys=[key], args=[token]))

    async def _keep_alive(self, token: str) -> None:
        interval = self._lease_ms / 3000
        while True:
            await asyncio.sleep(interval)
            await self._redis.set(f"alive:{token}", "1", px=self._lease_ms)

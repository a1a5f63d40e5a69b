"""A per-person lock in Redis that serves waiters in arrival order, across processes.

Each acquirer appends a token to the person's queue and waits until its token is at the
head. A token stays alive only while its owner keeps refreshing ``alive:<token>``; a
process that dies stops refreshing, and the next acquirer removes the dead head, so one
crash never blocks a person for longer than the lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator

import redis.asyncio as aioredis
from redis.commands.core import AsyncScript

from storage.reply_cache import PENDING

LEASE_SECONDS = 10.0
QUEUE_TTL_MS = 600_000

# Lua, shared with storage.turn_store: with KEYS[lock] the queue and ARGV[token] our token,
# drop dead heads and set `acquired` when our token is at the head.
ACQUIRE_BODY = """
local acquired = false
while true do
  local head = redis.call('LINDEX', {queue}, 0)
  if not head then break end
  if head == {token} then acquired = true break end
  if redis.call('EXISTS', 'alive:' .. head) == 1 then break end
  redis.call('LPOP', {queue})
end
"""

RELEASE_BODY = """
redis.call('LREM', {queue}, 1, {token})
redis.call('DEL', 'alive:' .. {token})
"""

# Join the queue and start the token's lease: {queue}, {token}, {lease} as Lua expressions.
ENQUEUE_BODY = (
    """
redis.call('RPUSH', {queue}, {token})
redis.call('PEXPIRE', {queue}, """
    + str(QUEUE_TTL_MS)
    + """)
redis.call('SET', 'alive:' .. {token}, '1', 'PX', {lease})
"""
)

# KEYS[1] queue; ARGV[1] token, ARGV[2] lease ms, ARGV[3] 1 to enqueue. 1 when held.
_ACQUIRE = (
    "if ARGV[3] == '1' then\n"
    + ENQUEUE_BODY.format(queue="KEYS[1]", token="ARGV[1]", lease="ARGV[2]")
    + "else redis.call('SET', 'alive:' .. ARGV[1], '1', 'PX', ARGV[2]) end\n"
    + ACQUIRE_BODY.format(queue="KEYS[1]", token="ARGV[1]")
    + "if acquired then return 1 end\n"
    + "if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end\n"
    + "return 0\n"
)

_RELEASE = RELEASE_BODY.format(queue="KEYS[1]", token="ARGV[1]") + "return 1\n"

# KEYS[1] alive:<token>, KEYS[2] (optional) the message key; ARGV lease ms, message lease
# ms, the "claimed" marker. The message lease is only extended while merely claimed.
_REFRESH = """
redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
if KEYS[2] and redis.call('GET', KEYS[2]) == ARGV[3] then
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
end
return 1
"""


class LockLost(Exception):
    """Our token vanished from the queue (Redis lost it); the step must not go on."""


def lock_key(appid: str, openid: str) -> str:
    return f"lock:{appid}:{openid}"


class PersonLocks:
    def __init__(self, redis: aioredis.Redis, *, lease_seconds: float = LEASE_SECONDS) -> None:
        self._redis = redis
        self.lease_ms = int(lease_seconds * 1000)
        self._acquire = redis.register_script(_ACQUIRE)
        self._release = redis.register_script(_RELEASE)
        self._refresh = redis.register_script(_REFRESH)

    async def wait_turn(self, key: str, token: str) -> None:
        """Poll until ``token`` (already queued) is at the head of ``key``'s queue."""
        delay = 0.002
        while True:
            got = await self._acquire(keys=[key], args=[token, self.lease_ms, "0"])
            if got == 1:
                return
            if got == -1:
                raise LockLost(key)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.05)

    def keep_alive(
        self, token: str, *, message_key: str | None = None, message_lease_ms: int = 0
    ) -> KeepAlive:
        """Refresh the token's lease (and, while it is still only claimed, the message's)
        for as long as a step runs."""
        keys = [f"alive:{token}"] + ([message_key] if message_key else [])
        args: list[int | bytes] = [self.lease_ms, message_lease_ms, PENDING]
        return KeepAlive(self._refresh, keys, args, self.lease_ms)

    @contextlib.asynccontextmanager
    async def hold(self, appid: str, openid: str) -> AsyncIterator[None]:
        """Wait for our turn (arrival order), hold the lock for the block, then release."""
        key = lock_key(appid, openid)
        token = secrets.token_hex(8)
        keeper = self.keep_alive(token)
        try:
            got = await self._acquire(keys=[key], args=[token, self.lease_ms, "1"])
            if got != 1:
                await self.wait_turn(key, token)
            yield
        finally:
            keeper.stop()
            # Release even when cancelled, or the next message waits for the lease to run out.
            await asyncio.shield(self._release(keys=[key], args=[token]))


class KeepAlive:
    """Refreshes a lease every third of its length while a step runs long.

    Scheduled with call_later, so the usual few-millisecond step creates no task at all.
    """

    def __init__(
        self, refresh: AsyncScript, keys: list[str], args: list[int | bytes], lease_ms: int
    ) -> None:
        self._refresh_script = refresh
        self._keys = keys
        self._args = args
        self._interval = lease_ms / 3000
        self._loop = asyncio.get_running_loop()
        self._task: asyncio.Task[None] | None = None
        self._handle: asyncio.TimerHandle | None = self._loop.call_later(self._interval, self._fire)

    def _fire(self) -> None:
        self._task = self._loop.create_task(self._refresh())

    async def _refresh(self) -> None:
        try:
            async with asyncio.timeout(self._interval):
                await self._refresh_script(keys=self._keys, args=self._args)
        except Exception:
            pass  # the next refresh tries again; a lapsed lease only lets others go first
        if self._handle is not None:
            self._handle = self._loop.call_later(self._interval, self._fire)

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if self._task is not None:
            self._task.cancel()

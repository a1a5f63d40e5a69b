"""One inbound message's trips to Redis, batched: two round trips for the usual step.

``begin`` claims the message (recognising WeChat's retries), joins the person's lock
queue and, when the lock is free, reads their session, all in one script. ``finish``
saves the session (only if nobody saved since it was read), stores the reply for
retries and releases the lock, again in one script. The keys are those of
storage.reply_cache, storage.locks and the conversation sessions, so a turn and a
``PersonLocks.hold`` elsewhere exclude each other.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

import redis.asyncio as aioredis
import structlog
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError

from storage import reply_cache
from storage.locks import ACQUIRE_BODY, ENQUEUE_BODY, RELEASE_BODY, KeepAlive, PersonLocks
from storage.ratelimit import GCRA_BODY, gcra_args

log = structlog.get_logger(__name__)

# KEYS: message, lock queue, session, the person's message budget, a key read along with
#       the session (the grid bindings token, storage.worker_roles).
# ARGV: token, lock lease ms, message lease ms, pending marker, budget interval µs (0: no
#       budget), budget burst µs, refused marker, message keep s.
# Returns {0, value} for a retry, {1, session, read along} when the lock is ours, {2} when queued,
# {3} when the person's budget is spent (the message is marked refused for retries,
# and nothing else is done).
_BEGIN = (
    """
if not redis.call('SET', KEYS[1], ARGV[4], 'NX', 'PX', ARGV[3]) then
  return {0, redis.call('GET', KEYS[1])}
end
if tonumber(ARGV[5]) > 0 then
"""
    + GCRA_BODY.format(key="KEYS[4]", interval="ARGV[5]", burst="ARGV[6]")
    + """
  if wait > 0 then
    redis.call('SET', KEYS[1], ARGV[7], 'EX', ARGV[8])
    return {3}
  end
end
"""
    + ENQUEUE_BODY.format(queue="KEYS[2]", token="ARGV[1]", lease="ARGV[2]")
    + ACQUIRE_BODY.format(queue="KEYS[2]", token="ARGV[1]")
    + """
if acquired then
  return {1, redis.call('GET', KEYS[3]), redis.call('GET', KEYS[5])}
end
return {2}
"""
)

# KEYS: message, lock queue, session.
# ARGV: token, session payload ('-' leave, '' delete), loaded revision, session keep s,
#       reply mode ('done' store the reply, 'late' mark it sent late, 'keep' leave it),
#       reply, message keep s.
# Returns 1, or 0 when the session had been saved by someone else (not overwritten).
_FINISH = (
    """
local saved = 1
if ARGV[2] ~= '-' then
  local current = redis.call('GET', KEYS[3])
  if current then
    local ok, doc = pcall(cjson.decode, current)
    local rev = nil
    if ok and type(doc) == 'table' then rev = tonumber(doc['revision']) end
    if rev ~= nil and rev ~= tonumber(ARGV[3]) then
      saved = 0
    end
  end
  if saved == 1 then
    if ARGV[2] == '' then
      redis.call('DEL', KEYS[3])
    else
      redis.call('SET', KEYS[3], ARGV[2], 'EX', ARGV[4])
    end
  end
end
if ARGV[5] == 'done' then
  redis.call('SET', KEYS[1], '"""
    + reply_cache.DONE.decode()
    + """' .. ARGV[6], 'EX', ARGV[7])
elseif ARGV[5] == 'late' then
  redis.call('SET', KEYS[1], '"""
    + reply_cache.LATE.decode()
    + """', 'EX', ARGV[7])
end
"""
    + RELEASE_BODY.format(queue="KEYS[2]", token="ARGV[1]")
    + "return saved\n"
)


class _Script:
    """EVALSHA on a connection taken from the pool, loading the script when Redis lacks
    it (after a restart). Neither redis-py's Script wrapper nor ``execute_command`` (its
    retry wrapper, timing hooks and response callbacks: together a quarter of the cost of
    the call) is on this path; a connection the server closed is tried once more on a
    fresh one, as redis-py's retry would."""

    def __init__(self, redis: aioredis.Redis, source: str) -> None:
        self._pool = redis.connection_pool
        self._source = source
        self._sha = hashlib.sha1(source.encode()).hexdigest()

    async def __call__(self, keys: Sequence[str], args: Sequence[object]) -> Any:
        command = ("EVALSHA", self._sha, len(keys), *keys, *args)
        conn = await self._pool.get_connection()  # type: ignore[no-untyped-call]
        try:
            try:
                return await self._call(conn, command)
            except RedisConnectionError:
                await conn.disconnect()
                return await self._call(conn, command)
        finally:
            await self._pool.release(conn)

    async def _call(self, conn: Any, command: tuple[object, ...]) -> Any:
        await conn.send_command(*command)
        try:
            return await conn.read_response()
        except NoScriptError:
            await conn.send_command("SCRIPT", "LOAD", self._source)
            await conn.read_response()
            await conn.send_command(*command)
            return await conn.read_response()


class Began(Enum):
    RETRY = 0
    HOLDING = 1
    QUEUED = 2
    TOO_FAST = 3


@dataclass
class TurnClaim:
    """A claimed message: the lock token, and the session as read when the lock came."""

    message_key: str
    lock_key: str
    session_key: str
    token: str
    keeper: KeepAlive
    session: bytes | None = None
    # The value of the store's ``read_along`` key, read in the same round trip.
    read_along: bytes | None = None


class TurnStore:
    def __init__(
        self,
        redis: aioredis.Redis,
        locks: PersonLocks,
        *,
        message_lease_seconds: float,
        message_keep_seconds: int,
        session_keep_seconds: int,
        messages_per_minute: float = 0,
        message_burst: int = 1,
        read_along: str = "",
    ) -> None:
        """``read_along``: a key whose value each turn gets with the session, at no extra
        round trip (see TurnClaim.read_along)."""
        self._redis = redis
        self._read_along = read_along or "-"
        self._locks = locks
        self._message_lease_ms = int(message_lease_seconds * 1000)
        self._message_keep = message_keep_seconds
        self._session_keep = session_keep_seconds
        self._interval_us, self._burst_us = (
            gcra_args(messages_per_minute / 60, message_burst) if messages_per_minute else (0, 0)
        )
        self._begin = _Script(redis, _BEGIN)
        self._finish = _Script(redis, _FINISH)

    async def begin(
        self, message_key: str, lock_key: str, session_key: str, budget_key: str | None = None
    ) -> tuple[Began, TurnClaim | bytes | None]:
        """Claim the message. RETRY with the stored value when another attempt has it;
        TOO_FAST when ``budget_key`` (the person's) has no message left for now; otherwise
        a TurnClaim (HOLDING: lock and session in hand; QUEUED: call ``wait``)."""
        token = secrets.token_hex(8)
        interval = self._interval_us if budget_key else 0
        result = await self._begin(
            (message_key, lock_key, session_key, budget_key or session_key, self._read_along),
            (
                token,
                self._locks.lease_ms,
                self._message_lease_ms,
                reply_cache.PENDING,
                interval,
                self._burst_us,
                reply_cache.REFUSED,
                self._message_keep,
            ),
        )
        state = Began(int(result[0]))
        if state is Began.RETRY:
            return state, result[1]
        if state is Began.TOO_FAST:
            return state, None
        keeper = self._locks.keep_alive(
            token, message_key=message_key, message_lease_ms=self._message_lease_ms
        )
        turn = TurnClaim(message_key, lock_key, session_key, token, keeper)
        if state is Began.HOLDING:
            turn.session = result[1]
            turn.read_along = result[2] if len(result) > 2 else None
        return state, turn

    async def wait(self, turn: TurnClaim) -> None:
        """Wait for a queued turn's lock, then read the session."""
        await self._locks.wait_turn(turn.lock_key, turn.token)
        session, along = await self._redis.mget(turn.session_key, self._read_along)
        turn.session = session.encode() if isinstance(session, str) else session
        turn.read_along = along.encode() if isinstance(along, str) else along

    async def finish(
        self,
        turn: TurnClaim,
        *,
        session_payload: str | None,
        loaded_revision: int,
        reply: bytes | None,
        late: bool = False,
    ) -> None:
        """Save, store the reply for retries (or mark the message answered late) and
        release, in one round trip. With no reply and not late, the message key is left
        to its lease, so WeChat's retry can take over."""
        turn.keeper.stop()
        mode = "late" if late else ("keep" if reply is None else "done")
        saved = await self._finish(
            (turn.message_key, turn.lock_key, turn.session_key),
            (
                turn.token,
                "-" if session_payload is None else session_payload,
                loaded_revision,
                self._session_keep,
                mode,
                reply or b"",
                self._message_keep,
            ),
        )
        if not saved:
            log.error("session changed under the lock; this step's session was not saved")

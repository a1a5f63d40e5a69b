"""Signing in slowed, never locked: a delay per name that grows with its failures, a
limit per address, and an account's usual addresses kept apart from everyone else's
guesses. All in Redis, each decision one atomic script; failed sign-ins recorded in the
database for county admins (never the password).

Time is the service's clock (passed in), so a delay told to the caller as Retry-After is
the delay the next check applies."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import redis.asyncio as aioredis

from storage.models import FailedLogin
from storage.ratelimit import GCRA_STEP, gcra_args

REASONS = ("wrong_password", "unknown_name", "slowed")
USERNAME_KEPT = 64  # characters of the name as typed kept in a record
ADDRESS_KEPT = 45  # the longest IPv6 address written out

# KEYS[1] the address's budget, KEYS[2] the name's count from elsewhere, KEYS[3] the
# name's usual addresses, KEYS[4] the name's count from this address. ARGV: now (µs), the
# address limit's interval and burst (µs; interval 0: none), failures free of delay,
# first delay (µs), its cap (µs), how long a count is remembered (µs), this address, how
# long an address stays usual (µs). Returns {verdict, wait µs, scope}: verdict 0 go (the
# try is counted as a failure until it succeeds), 1 the address must wait, 2 the name
# must wait; scope 1 when the count is this usual address's own.
_CHECK = (
    """
local now = tonumber(ARGV[1])
if tonumber(ARGV[2]) > 0 then
"""
    + GCRA_STEP.format(key="KEYS[1]", interval="ARGV[2]", burst="ARGV[3]")
    + """
  if wait > 0 then return {1, wait, 0} end
end
local scope = 0
local counter = KEYS[2]
local seen = tonumber(redis.call('HGET', KEYS[3], ARGV[8]))
if seen and now - seen <= tonumber(ARGV[9]) then
  scope = 1
  counter = KEYS[4]
end
local forget = tonumber(ARGV[7])
local got = redis.call('HMGET', counter, 'n', 'until', 'last')
local n = tonumber(got[1]) or 0
local till = tonumber(got[2]) or 0
local last = tonumber(got[3]) or 0
if now - last > forget then
  n = 0
  till = 0
end
if till > now then return {2, till - now, scope} end
n = n + 1
local free = tonumber(ARGV[4])
if n >= free then
  local delay = tonumber(ARGV[5]) * 2 ^ math.min(n - free, 40)
  delay = math.min(delay, tonumber(ARGV[6]))
  till = now + delay
end
redis.call('HMSET', counter, 'n', n, 'until', string.format('%d', till),
           'last', string.format('%d', now))
redis.call('PEXPIRE', counter, math.ceil((forget + math.max(till - now, 0)) / 1000) + 1000)
return {0, 0, scope}
"""
)

# KEYS[1] the name's usual addresses, KEYS[2] the count the right password was tried
# under. ARGV: now (µs), the address, how many to keep, how long one stays usual (µs).
_SUCCEEDED = """
local now = tonumber(ARGV[1])
local keep = tonumber(ARGV[3])
local fresh = tonumber(ARGV[4])
redis.call('DEL', KEYS[2])
if keep <= 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[2], string.format('%d', now))
local all = redis.call('HGETALL', KEYS[1])
local kept = {}
for i = 1, #all, 2 do
  local at = tonumber(all[i + 1])
  if now - at > fresh then
    redis.call('HDEL', KEYS[1], all[i])
  else
    table.insert(kept, {all[i], at})
  end
end
table.sort(kept, function(a, b) return a[2] > b[2] end)
for i = keep + 1, #kept do redis.call('HDEL', KEYS[1], kept[i][1]) end
redis.call('PEXPIRE', KEYS[1], math.ceil(fresh / 1000))
return 0
"""


@dataclass(frozen=True)
class Policy:
    free_failures: int
    delay_seconds: float
    delay_cap_seconds: float
    forget_seconds: float
    per_address_per_minute: float  # 0: no limit per address
    address_burst: int
    usual_addresses: int
    usual_seconds: float


@dataclass(frozen=True)
class Verdict:
    """May this sign-in be tried: ``wait`` seconds (0: go), and whose limit says so."""

    wait: float
    address_limited: bool = False
    usual: bool = False  # counted under this usual address's own count


def _micro(seconds: float) -> int:
    return int(seconds * 1_000_000)


def _hashed(text: str) -> str:
    # The keys should not spell out who tried from where.
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:20]


class Logins:
    """The sign-in limits for one service, kept in its Redis."""

    def __init__(self, redis: aioredis.Redis, policy: Policy) -> None:
        self._policy = policy
        self._check = redis.register_script(_CHECK)
        self._succeeded = redis.register_script(_SUCCEEDED)
        if policy.per_address_per_minute:
            self._address_args = gcra_args(policy.per_address_per_minute / 60, policy.address_burst)
        else:
            self._address_args = (0, 0)

    def _keys(self, username: str, address: str) -> tuple[str, str, str, str]:
        name = _hashed(username)
        return (
            f"login:address:{_hashed(address)}",
            f"login:name:{name}",
            f"login:usual:{name}",
            f"login:name:{name}:{_hashed(address)}",
        )

    async def check(self, username: str, address: str, now: datetime) -> Verdict:
        """Whether a sign-in for ``username`` from ``address`` may be tried now. One that
        may is counted as a failure until ``succeeded`` clears it, so a burst sent at once
        is slowed like one sent in turn."""
        p = self._policy
        by_address, elsewhere, usual, here = self._keys(username, address)
        verdict, wait_us, scope = await self._check(
            keys=[by_address, elsewhere, usual, here],
            args=[
                _micro(now.timestamp()),
                *self._address_args,
                p.free_failures,
                _micro(p.delay_seconds),
                _micro(p.delay_cap_seconds),
                _micro(p.forget_seconds),
                address,
                _micro(p.usual_seconds),
            ],
        )
        return Verdict(int(wait_us) / 1_000_000, int(verdict) == 1, int(scope) == 1)

    async def succeeded(self, username: str, address: str, now: datetime, usual: bool) -> None:
        """The right password: its count is cleared and the address becomes usual."""
        p = self._policy
        _, elsewhere, usual_key, here = self._keys(username, address)
        await self._succeeded(
            keys=[usual_key, here if usual else elsewhere],
            args=[_micro(now.timestamp()), address, p.usual_addresses, _micro(p.usual_seconds)],
        )


# The record ------------------------------------------------------------------------------


async def record_failure(at: datetime, username: str, address: str, reason: str) -> None:
    if reason not in REASONS:
        raise ValueError(f"unknown reason {reason!r}")
    await FailedLogin.create(
        at=at, username=username[:USERNAME_KEPT], address=address[:ADDRESS_KEPT], reason=reason
    )


async def failures(
    *, username: str | None, since: datetime | None, before: int | None, limit: int
) -> Sequence[FailedLogin]:
    """Failed sign-ins, newest first."""
    q = FailedLogin.all()
    if username is not None:
        q = q.filter(username=username)
    if since is not None:
        q = q.filter(at__gte=since)
    if before is not None:
        q = q.filter(id__lt=before)
    return await q.order_by("-id").limit(limit)

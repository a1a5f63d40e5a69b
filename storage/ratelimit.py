"""A rate limit shared by every process: GCRA in one Redis script.

GCRA keeps one number per limit (the theoretical arrival time of the next call), so
the check and the update are one atomic step, and the clock is Redis's own (TIME),
so processes on machines with skewed clocks still share one budget.
"""

from __future__ import annotations

import asyncio

import redis.asyncio as aioredis

# One GCRA step at the Lua local ``now`` (µs), for scripts that bring their own clock
# (storage.logins): {key}, {interval} (µs between calls) and {burst} (µs of burst
# allowance) are Lua expressions. It leaves ``wait``: 0 when the call may go (and it has
# been spent), else how many µs to wait before asking again.
GCRA_STEP = """
local interval = tonumber({interval})
local burst = tonumber({burst})
local tat = tonumber(redis.call('GET', {key}) or now)
if tat < now then tat = now end
local wait = 0
if tat - now > burst then
  wait = tat - now - burst
else
  local new_tat = tat + interval
  redis.call('SET', {key}, string.format('%d', new_tat), 'PX',
             math.ceil((new_tat - now + burst) / 1000) + 1)
end
"""

# The same step at Redis's own time, for this module's script and for others that check
# a budget on the way (storage.turn_store).
GCRA_BODY = (
    """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])"""
    + GCRA_STEP
)

# KEYS[1] the limit; ARGV[1] interval, ARGV[2] burst allowance. Returns the wait (µs).
_GCRA = GCRA_BODY.format(key="KEYS[1]", interval="ARGV[1]", burst="ARGV[2]") + "return wait\n"


def gcra_args(per_second: float, burst: int) -> tuple[int, int]:
    """GCRA_BODY's interval and burst allowance (µs) for ``per_second`` calls on average
    with bursts of ``burst``."""
    interval = int(1_000_000 / per_second)
    return interval, interval * max(burst - 1, 0)


class RateLimit:
    """``rate`` calls per second with a burst of ``burst`` calls, for one key; or for each
    caller, its own budget of the same size, under ``key`` plus the caller's name."""

    def __init__(self, redis: aioredis.Redis, key: str, *, rate: float, burst: int = 1) -> None:
        self._key = key
        self._interval_us, self._burst_us = gcra_args(rate, burst)
        self._script = redis.register_script(_GCRA)

    async def take(self, caller: str = "") -> float:
        """Spend one call of the budget if there is one and return 0; else spend nothing and
        return the seconds until there is."""
        delay_us = int(
            await self._script(keys=[self._key + caller], args=[self._interval_us, self._burst_us])
        )
        return max(delay_us, 0) / 1_000_000

    async def wait(self) -> None:
        """Return when a call may be made, waiting our turn if the budget is spent."""
        while delay := await self.take():
            await asyncio.sleep(delay)

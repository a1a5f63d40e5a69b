"""A rate limit shared by every process: GCRA in one Redis script.

GCRA keeps one number per limit (the theoretical arrival time of the next call), so
the check and the update are one atomic step, and the clock is Redis's own (TIME),
so processes on machines with skewed clocks still share one budget.
"""

from __future__ import annotations

import asyncio

import redis.asyncio as aioredis

# KEYS[1] the limit; ARGV[1] interval between calls (µs), ARGV[2] burst allowance (µs).
# Returns 0 when the call may go now, else how many µs to wait before asking again.
_GCRA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
if tat - now > burst then
  return tat - now - burst
end
local new_tat = tat + interval
redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX',
           math.ceil((new_tat - now + burst) / 1000) + 1)
return 0
"""


class RateLimit:
    """``rate`` calls per second with a burst of ``burst`` calls, for one key; or for each
    caller, its own budget of the same size, under ``key`` plus the caller's name."""

    def __init__(self, redis: aioredis.Redis, key: str, *, rate: float, burst: int = 1) -> None:
        self._key = key
        self._interval_us = int(1_000_000 / rate)
        self._burst_us = self._interval_us * max(burst - 1, 0)
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

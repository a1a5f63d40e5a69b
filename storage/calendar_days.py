"""The holiday schedule county admins enter (calendar_day), and keeping every process's
working-day calendar in step with it.

Each process holds a ``CalendarDays`` that loads the entered days into its
``WorkCalendar`` at start; a change is announced on Redis (``calendar:changed``) and every
process reloads at once. A message missed (Redis away, a process reconnecting) is made
good by a reload every ``reload_seconds`` all the same."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import redis.asyncio as aioredis
import structlog
from tortoise.context import TortoiseContext
from tortoise.transactions import in_transaction

from storage.db import use
from storage.models import CalendarDay
from storage.redis import listen
from storage.workdays import WorkCalendar

log = structlog.get_logger(__name__)

HOLIDAY = "holiday"  # 放假
WORKDAY = "workday"  # 调休上班: a weekend day worked
KINDS = (HOLIDAY, WORKDAY)
NAME_MAX = 16
CHANNEL = "calendar:changed"


@dataclass(frozen=True)
class Entry:
    day: date
    kind: str
    name: str


async def of_year(year: int) -> list[CalendarDay]:
    return await CalendarDay.filter(
        day__gte=date(year, 1, 1), day__lte=date(year, 12, 31)
    ).select_related("entered_by")


async def replace_year(year: int, days: Sequence[Entry], staff_id: int, now: datetime) -> None:
    """The year's entered days become ``days`` (each within the year, none twice)."""
    async with in_transaction():
        await CalendarDay.filter(day__gte=date(year, 1, 1), day__lte=date(year, 12, 31)).delete()
        await CalendarDay.bulk_create(
            [
                CalendarDay(
                    day=d.day, kind=d.kind, name=d.name, entered_by_id=staff_id, entered_at=now
                )
                for d in days
            ]
        )


async def remove(day: date) -> CalendarDay | None:
    """Remove one entered day; None when it was not entered."""
    row = await CalendarDay.get_or_none(day=day)
    if row is not None:
        await CalendarDay.filter(id=row.id).delete()
    return row


class CalendarDays:
    """This process's copy of the entered days, kept in ``calendar``."""

    def __init__(
        self,
        calendar: WorkCalendar,
        *,
        redis: aioredis.Redis,
        wakeups: aioredis.Redis,
        database: TortoiseContext,
        reload_seconds: float,
    ) -> None:
        self.calendar = calendar
        self._redis = redis
        self._wakeups = wakeups
        self._database = database
        self._reload_seconds = reload_seconds
        self._woken = asyncio.Event()
        self._stopping = False

    async def reload(self) -> None:
        rows = await CalendarDay.all()
        self.calendar.entered(
            holidays=[r.day for r in rows if r.kind == HOLIDAY],
            workdays=[r.day for r in rows if r.kind == WORKDAY],
        )

    async def changed(self) -> None:
        """After a change: this process at once, the others by message."""
        await self.reload()
        try:
            await self._redis.publish(CHANNEL, "1")
        except Exception:
            log.warning("could not announce the calendar change; others reload on their own")

    def stop(self) -> None:
        self._stopping = True
        self._woken.set()

    async def run(self) -> None:
        """Until stopped: reload when told of a change, and every ``reload_seconds``."""
        listener = asyncio.create_task(self._listen())
        try:
            with use(self._database):
                while not self._stopping:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._woken.wait(), self._reload_seconds)
                    if self._stopping:
                        break
                    self._woken.clear()  # before reading: a change during it wakes again
                    try:
                        await self.reload()
                    except Exception:
                        log.exception("could not reload the holiday calendar; trying later")
        finally:
            listener.cancel()

    async def _listen(self) -> None:
        # Subscribed (again): reread what changed while not listening. Redis away: the
        # timer reloads meanwhile.
        await listen(
            self._wakeups,
            CHANNEL,
            self._woken.set,
            retry_seconds=self._reload_seconds,
            subscribed=self._woken.set,
        )

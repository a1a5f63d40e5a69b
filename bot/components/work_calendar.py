"""The working-day calendar's entered days (storage.calendar_days): loaded before the
service answers, then kept current by a job that reloads on every change any process
announces."""

from __future__ import annotations

from collections.abc import AsyncIterator

import structlog
from aiohttp import web

from bot import keys
from storage.calendar_days import CalendarDays
from storage.db import use
from storage.workdays import SCHEDULE_AHEAD_DAYS

log = structlog.get_logger(__name__)


async def work_calendar(app: web.Application) -> AsyncIterator[None]:
    days = CalendarDays(
        app[keys.WORK_CALENDAR],
        redis=app[keys.REDIS],
        wakeups=app[keys.REDIS_UNBOUNDED],
        database=app[keys.DATABASE],
        reload_seconds=app[keys.SETTINGS].tickets.calendar_reload_seconds,
    )
    with use(app[keys.DATABASE]):
        await days.reload()
    today = app[keys.CLOCK]().date()
    for year in days.calendar.unknown_years(today):
        log.warning(
            f"no public-holiday schedule for {year}, which deadlines reach within "
            f"{SCHEDULE_AHEAD_DAYS} days: they count Monday to Friday less 元旦/劳动节/"
            "国庆 until a county admin enters its holidays and swapped working days "
            "(the console's 节假日 page, or PUT /api/v1/holidays/{year}), they are "
            "listed under [tickets] in "
            "settings.toml, or chinesecalendar is upgraded",
            year=year,
        )
    app[keys.CALENDAR_DAYS] = days
    await app[keys.SCHEDULER].spawn(days.run())
    yield
    days.stop()

"""The holiday schedule (节假日) over JSON (bot.desk.holidays does the work)."""

from __future__ import annotations

import structlog
from aiohttp import web

from bot import keys
from bot.api.auth import caller
from bot.api.inputs import read_body, read_path, read_query
from bot.api.once import after_commit
from bot.api.responses import respond
from bot.api.routes import Operation, roles
from bot.desk import holidays
from bot.desk.holidays import Changed, DayRef, Year, YearDays, YearQuery, YearRef
from conversations import texts

log = structlog.get_logger(__name__)


def _changed(request: web.Request) -> Changed:
    """Every process's calendar told once this request's writing is committed."""
    days = request.app[keys.CALENDAR_DAYS]

    async def changed() -> None:
        await after_commit(request, days.changed)

    return changed


async def shown(request: web.Request) -> web.Response:
    member = await caller(request)
    which = read_query(request, YearQuery).year or request.app[keys.CLOCK]().year
    return respond(await holidays.year(member, which))


async def set_year(request: web.Request) -> web.Response:
    member = await caller(request)
    which = read_path(
        request, YearRef, texts.STAFF_FIELD_BAD.format(field="year", why=texts.STAFF_WHY_YEAR)
    ).year
    given = await read_body(request, YearDays)
    now = request.app[keys.CLOCK]()
    answer = await holidays.set_year(member, which, given, now, _changed(request))
    log.info("holidays set", staff=member.username, year=which, days=len(answer.days))
    return respond(answer)


async def remove(request: web.Request) -> web.Response:
    member = await caller(request)
    day = read_path(
        request, DayRef, texts.STAFF_FIELD_BAD.format(field="day", why=texts.STAFF_WHY_DATE)
    ).day
    answer = await holidays.remove(member, day, request.app[keys.CLOCK](), _changed(request))
    log.info("holiday removed", staff=member.username, day=day.isoformat())
    return respond(answer)


OPERATIONS = [
    Operation(
        "GET", "/holidays", shown,
        "A year's holidays and swapped working days (调休上班) as entered", Year,
        query=YearQuery, description="Any staff member.",
    ),
    Operation(
        "PUT", "/holidays/{year}", set_year,
        "Enter a year's holidays and swapped working days, all of them (they replace what "
        "was entered for the year); deadlines count with them at once", Year,
        body=YearDays, params=YearRef, refusals=(403,), description=roles("county_admin"),
    ),
    Operation(
        "DELETE", "/holidays/{day}", remove, "Remove one entered day", Year,
        params=DayRef, refusals=(403,), description=roles("county_admin"),
    ),
]  # fmt: skip

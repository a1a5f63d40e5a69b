"""节假日: a year's holidays and swapped working days, over bot.desk.holidays. Any staff
member reads them; county admins enter a year's schedule (it replaces what was entered
for that year) and remove a day. Every process's deadlines follow at once."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from bot import keys
from bot.console.pages import render
from bot.console.visits import Visit, form_of, signed_in
from bot.desk import holidays as desk
from bot.desk.holidays import YearDays
from bot.desk.reading import read
from bot.desk.refused import Refused
from conversations import texts
from storage.calendar_days import HOLIDAY, WORKDAY

_LINE = re.compile(r"^\s*([0-9]{4}-[0-9]{2}-[0-9]{2})\s+(\S.*?)\s*$")


def _year(request: web.Request) -> int:
    given = request.match_info.get("year") or request.query.get("year", "")
    now = request.app[keys.CLOCK]().year
    if given.isdigit() and desk.FIRST_YEAR <= int(given) <= desk.LAST_YEAR:
        return int(given)
    return now


async def page(request: web.Request) -> web.Response:
    return await _page(request, await signed_in(request), _year(request))


async def _page(
    request: web.Request,
    visit: Visit,
    which: int,
    *,
    said: str = "",
    error: str = "",
    typed: dict[str, str] | None = None,
    status: int = 200,
) -> web.Response:
    shown = await desk.year(visit.member, which)
    entered = {
        kind: "\n".join(f"{d.day.isoformat()} {d.name}" for d in shown.days if d.kind == kind)
        for kind in (HOLIDAY, WORKDAY)
    }
    return render(
        request,
        "holidays.html",
        visit,
        status=status,
        a=texts.CONSOLE_ADMIN,
        y=shown,
        said=said,
        error=error,
        typed=typed or entered,
        may_change=visit.member.role == "county_admin",
        kinds={HOLIDAY: texts.CONSOLE_ADMIN["holiday"], WORKDAY: texts.CONSOLE_ADMIN["workday"]},
    )


def _days(text: str, kind: str, first_line: int) -> list[dict[str, Any]]:
    days = []
    for number, line in enumerate(text.splitlines(), start=first_line):
        if not line.strip():
            continue
        found = _LINE.match(line)
        if found is None:
            raise Refused(400, texts.CONSOLE_ADMIN["holidays_line_bad"].format(line=number))
        days.append({"day": found.group(1), "kind": kind, "name": found.group(2)})
    return days


async def save(request: web.Request) -> web.Response:
    visit = await signed_in(request)
    form = await form_of(request, visit)
    which = _year(request)
    typed = {HOLIDAY: form.get(HOLIDAY, ""), WORKDAY: form.get(WORKDAY, "")}
    app = request.app
    try:
        holidays = _days(typed[HOLIDAY], HOLIDAY, 1)
        workdays = _days(typed[WORKDAY], WORKDAY, 1)
        given = read(YearDays, {"days": holidays + workdays})
        await desk.set_year(
            visit.member, which, given, app[keys.CLOCK](), app[keys.CALENDAR_DAYS].changed
        )
    except Refused as refused:
        if refused.status == 403:
            raise
        return await _page(
            request, visit, which, error=refused.message, typed=typed, status=refused.status
        )
    return await _page(request, visit, which, said=texts.CONSOLE_ADMIN["holidays_saved"])


async def remove(request: web.Request) -> web.Response:
    visit = await signed_in(request)
    form = await form_of(request, visit)
    app = request.app
    try:
        day = read(desk.DayRef, {"day": form.get("day", "")}).day
        shown = await desk.remove(
            visit.member, day, app[keys.CLOCK](), app[keys.CALENDAR_DAYS].changed
        )
    except Refused as refused:
        if refused.status == 403:
            raise
        return await _page(
            request, visit, _year(request), error=refused.message, status=refused.status
        )
    said = texts.CONSOLE_ADMIN["holidays_removed"].format(day=day.isoformat())
    return await _page(request, visit, shown.year, said=said)

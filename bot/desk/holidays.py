"""Holidays (节假日): the State Council's schedule of holidays and swapped working days
(调休上班), entered by county admins for a year chinese-calendar does not know yet (or to
correct one it does). Every process's working-day calendar follows at once
(storage.calendar_days); every change is an audit row. Any staff member reads them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field

from bot.desk.fields import DIGITS, STRIP, Answer, Day, QueryShape, Says, Shape, Why, words
from bot.desk.refused import Refused, only
from conversations import texts
from storage import audit, calendar_days
from storage.calendar_days import HOLIDAY, NAME_MAX, WORKDAY, Entry
from storage.staff import StaffMember
from storage.workdays import WorkCalendar, known_year

FIRST_YEAR, LAST_YEAR = 2000, 2100
DAYS_MAX = 100  # a year's schedule is some 30 days
_YEAR = Why(texts.STAFF_WHY_YEAR)


class EnteredDay(Shape):
    day: Annotated[Day, Why(texts.STAFF_WHY_DATE)]
    kind: Annotated[
        Literal[HOLIDAY, WORKDAY],  # type: ignore[valid-type]
        Says(texts.STAFF_FIELD_BAD.format(field="kind", why=texts.STAFF_WHY_DAY_KIND)),
    ]
    name: Annotated[str, words(NAME_MAX), STRIP, Field(description="春节, 国庆节调休 ...")]


class YearDays(Shape):
    """A year's schedule, all of it: what was entered for the year before is replaced."""

    days: Annotated[list[EnteredDay], Field(max_length=DAYS_MAX)]


class YearQuery(QueryShape):
    year: Annotated[
        Annotated[int, Field(ge=FIRST_YEAR, le=LAST_YEAR), DIGITS] | None,
        Field(description="Left out: this year"),
        _YEAR,
    ] = None


class YearRef(QueryShape):
    year: Annotated[int, Field(ge=FIRST_YEAR, le=LAST_YEAR), DIGITS]


class DayRef(QueryShape):
    day: Day


class ShownDay(Answer):
    day: date
    weekday: str
    kind: Literal[HOLIDAY, WORKDAY]  # type: ignore[valid-type]
    name: str
    entered_by: str | None
    entered_at: datetime


class Year(Answer):
    """A year's entered days, in order."""

    year: int
    known: bool = Field(description="chinese-calendar knows this year's schedule")
    days: list[ShownDay]


async def year(member: StaffMember, which: int) -> Year:
    rows = await calendar_days.of_year(which)
    return Year(
        year=which,
        known=known_year(which),
        days=[
            ShownDay(
                day=r.day,
                weekday=texts.WEEKDAY_NAMES[r.day.weekday()],
                kind=r.kind,
                name=r.name,
                entered_by=r.entered_by.username if r.entered_by else None,
                entered_at=r.entered_at,
            )
            for r in rows
        ],
    )


def _checked(which: int, given: YearDays) -> list[Entry]:
    """The days, or the first plain mistake: a day outside the year, a day twice, a
    swapped working day on a weekday (a weekday is worked anyway: a typo). A holiday may
    fall on a weekend: the State Council's notices list those too."""
    twice = {d for d, n in Counter(e.day for e in given.days).items() if n > 1}
    for e in given.days:
        shown = e.day.isoformat()
        if e.day.year != which:
            raise Refused(
                400, texts.STAFF_HOLIDAY_OUTSIDE_YEAR.format(day=shown, year=which), field="days"
            )
        if e.day in twice:
            raise Refused(400, texts.STAFF_HOLIDAY_TWICE.format(day=shown), field="days")
        if e.kind == WORKDAY and e.day.weekday() < 5:
            weekday = texts.WEEKDAY_NAMES[e.day.weekday()]
            raise Refused(
                400,
                texts.STAFF_HOLIDAY_WEEKDAY_WORKDAY.format(day=shown, weekday=weekday),
                field="days",
            )
    return [Entry(e.day, e.kind, e.name) for e in sorted(given.days, key=lambda e: e.day)]


# Tell every process's calendar (storage.calendar_days.CalendarDays.changed), once what
# was written is committed: the API defers it to the end of its transaction.
Changed = Callable[[], Awaitable[object]]


async def set_year(
    member: StaffMember, which: int, given: YearDays, now: datetime, changed: Changed
) -> Year:
    """The year's entered days become ``given``'s; every process counts with them."""
    only(member.role, "county_admin")
    entries = _checked(which, given)
    await calendar_days.replace_year(which, entries, member.id, now)
    holidays = sum(e.kind == HOLIDAY for e in entries)
    detail = f"{which}: {holidays} holiday(s), {len(entries) - holidays} workday(s)"
    await audit.record(member.id, audit.HOLIDAYS_SET, now, detail)
    await changed()
    return await year(member, which)


async def remove(member: StaffMember, day: date, now: datetime, changed: Changed) -> Year:
    """One entered day removed; the year's remaining days answered."""
    only(member.role, "county_admin")
    row = await calendar_days.remove(day)
    if row is None:
        raise Refused(404, texts.STAFF_HOLIDAY_NOT_FOUND.format(day=day.isoformat()))
    await audit.record(member.id, audit.HOLIDAY_REMOVED, now, f"{day.isoformat()} {row.name}")
    await changed()
    return await year(member, day.year)


def years_missing(calendar: WorkCalendar, today: date) -> list[int]:
    """The years deadlines reach within the next 90 days whose schedule nobody gave:
    chinese-calendar does not know them, and nothing was entered or listed in settings.
    The console warns county admins with it, as the service's start-up does."""
    return calendar.unknown_years(today)

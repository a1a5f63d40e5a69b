"""Working days (工作日) for 办理时限: China's public holidays and swapped working weekends.

The `chinese-calendar` package knows the State Council's schedule for the years it was
released with. A year it does not know yet (the schedule is announced each November or
December) falls back to Monday-Friday less the holidays fixed by the calendar date
(元旦, 劳动节, 国庆), corrected by the days county admins enter (storage.calendar_days)
and those settings.toml lists, so the county can add the new schedule (the lunar
holidays, the swapped weekends) without waiting for a release.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import chinese_calendar
import structlog

log = structlog.get_logger(__name__)

# Statutory holidays on fixed dates (全国年节及纪念日放假办法, 2025): 元旦 1 January,
# 劳动节 1-2 May, 国庆节 1-3 October. The lunar ones move and are left to settings.
FIXED_HOLIDAYS = frozenset({(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)})


def known_year(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


# How far ahead deadlines reach: a year within it must have its holiday schedule.
SCHEDULE_AHEAD_DAYS = 90


class WorkCalendar:
    """Working days: chinese-calendar's, corrected by the days settings list and by the
    days county admins entered (storage.calendar_days, replaced by :meth:`entered` when
    they change). An entered day wins over settings, and both over the package."""

    def __init__(
        self, *, extra_holidays: Iterable[date] = (), extra_workdays: Iterable[date] = ()
    ) -> None:
        self._holidays = frozenset(extra_holidays)
        self._workdays = frozenset(extra_workdays)
        self._entered: dict[date, bool] = {}  # day -> is a working day
        self._warned: set[int] = set()

    def entered(self, *, holidays: Iterable[date], workdays: Iterable[date]) -> None:
        """The days county admins entered, all of them (what was entered before goes)."""
        days = {day: False for day in holidays}
        days.update((day, True) for day in workdays)
        self._entered = days

    def is_workday(self, day: date) -> bool:
        entered = self._entered.get(day)
        if entered is not None:
            return entered
        if day in self._holidays:
            return False
        if day in self._workdays:
            return True
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            if day.year not in self._warned and not self._told(day.year):
                self._warned.add(day.year)
                log.warning(
                    "no holiday schedule for this year; counting Monday-Friday", year=day.year
                )
            return day.weekday() < 5 and (day.month, day.day) not in FIXED_HOLIDAYS

    def add(self, start: date, days: int) -> date:
        """The ``days``-th working day after ``start`` (the day of acceptance itself does
        not count, as for 办理时限 counted from the day after 受理)."""
        day = start
        left = days
        while left > 0:
            day += timedelta(days=1)
            if self.is_workday(day):
                left -= 1
        return day

    def _told(self, year: int) -> bool:
        """Some day of ``year`` is in settings or was entered: someone gave its schedule."""
        return any(d.year == year for d in (*self._holidays, *self._workdays, *self._entered))

    def unknown_years(self, start: date, days: int = SCHEDULE_AHEAD_DAYS) -> list[int]:
        """Years touched by the next ``days`` days with no schedule at all: neither
        chinese-calendar's nor any day of them in settings or entered by a county admin."""
        years = range(start.year, (start + timedelta(days=days)).year + 1)
        return [y for y in years if not known_year(y) and not self._told(y)]

    def between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
        count = 0
        day = start
        while day < end:
            day += timedelta(days=1)
            count += self.is_workday(day)
        return count

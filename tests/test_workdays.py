"""Working days for 办理时限: the official schedule where chinese-calendar has it, and a
safe fallback (weekdays less the fixed-date holidays, plus settings) where it does not."""

from __future__ import annotations

from datetime import date

from storage.workdays import WorkCalendar


def test_the_national_day_week_and_its_swapped_saturday_count_as_they_should() -> None:
    calendar = WorkCalendar()
    assert calendar.add(date(2026, 9, 29), 5) == date(2026, 10, 12)
    assert calendar.between(date(2026, 9, 29), date(2026, 10, 12)) == 5


def test_a_year_the_package_does_not_know_skips_fixed_holidays_and_listed_days() -> None:
    calendar = WorkCalendar()
    # 2027: 1 January (a Friday) is 元旦 even without the State Council's schedule.
    assert calendar.add(date(2026, 12, 31), 1) == date(2027, 1, 4)
    assert calendar.unknown_years(date(2026, 11, 27), 90) == [2027]
    told = WorkCalendar(extra_holidays=[date(2027, 2, 8)], extra_workdays=[date(2027, 2, 20)])
    assert not told.is_workday(date(2027, 2, 8)) and told.is_workday(date(2027, 2, 20))
    assert told.unknown_years(date(2026, 11, 27), 90) == []

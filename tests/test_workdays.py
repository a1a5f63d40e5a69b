"""Working days for 办理时限: the official schedule where chinese-calendar has it, and a
safe fallback (weekdays less the fixed-date holidays, plus settings) where it does not."""

from __future__ import annotations

from datetime import date

from storage.workdays import WorkCalendar, known_year

# Far enough ahead that no release of chinese-calendar will know it while this code lives;
# the precondition below says so if one ever does, rather than the test going quietly wrong.
UNKNOWN = 2099


def test_the_national_day_week_and_its_swapped_saturday_count_as_they_should() -> None:
    calendar = WorkCalendar()
    assert calendar.add(date(2026, 9, 29), 5) == date(2026, 10, 12)
    assert calendar.between(date(2026, 9, 29), date(2026, 10, 12)) == 5


def test_a_year_the_package_does_not_know_skips_fixed_holidays_and_listed_days() -> None:
    assert not known_year(UNKNOWN), "chinese-calendar now knows 2099: choose a later year"
    calendar = WorkCalendar()
    # Thursday 30 April: 劳动节 (Friday 1 May, and 2 May) is skipped, then the weekend.
    assert calendar.add(date(UNKNOWN, 4, 30), 1) == date(UNKNOWN, 5, 4)
    # Thursday 1 January is 元旦 even without the State Council's schedule.
    assert calendar.add(date(UNKNOWN - 1, 12, 31), 1) == date(UNKNOWN, 1, 2)
    assert calendar.unknown_years(date(UNKNOWN, 3, 1), 90) == [UNKNOWN]
    told = WorkCalendar(extra_holidays=[date(UNKNOWN, 2, 9)], extra_workdays=[date(UNKNOWN, 2, 21)])
    assert not told.is_workday(date(UNKNOWN, 2, 9)) and told.is_workday(date(UNKNOWN, 2, 21))
    assert told.unknown_years(date(UNKNOWN, 3, 1), 90) == []


def test_a_year_the_package_knows_is_not_reported_unknown() -> None:
    # 2024's schedule came out in 2023; every release since knows it.
    assert known_year(2024)
    assert WorkCalendar().unknown_years(date(2024, 3, 1), 90) == []

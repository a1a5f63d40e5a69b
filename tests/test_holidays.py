"""Holidays (节假日) entered by county admins over the staff API: deadlines count with
them at once, in every process sharing the database and Redis; bad schedules are refused
in plain words and change nothing; every change is audited."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Any

from bot import keys
from bot.desk.holidays import years_missing
from storage.clock import BEIJING
from storage.db import use
from storage.models import CalendarDay, Staff
from tests.conftest import Desk, DeskFactory
from tests.test_notices import login, token_for
from tests.test_service_desk import FIRST, SECOND, complaint, staff_act
from tests.test_staff_accounts import audited, call

# 春节 2027 as a county might enter it: 除夕 (Friday 5 February) to Thursday the 11th off,
# Sunday the 14th worked instead.
SPRING_FESTIVAL = {
    "days": [
        *({"day": f"2027-02-{d:02d}", "kind": "holiday", "name": "春节"} for d in range(5, 12)),
        {"day": "2027-02-14", "kind": "workday", "name": "春节调休"},
    ]
}


async def until(condition: Any, timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not condition():
        assert loop.time() < end, "the condition never held"
        await asyncio.sleep(0.01)


def move_to(desk: Desk, when: datetime) -> None:
    desk.clock.advance(seconds=(when - desk.clock()).total_seconds())


async def test_a_holiday_entered_moves_deadlines_in_every_process(
    make_desk: DeskFactory,
) -> None:
    first, second = await make_desk(), await make_desk()  # two processes, one database
    move_to(first, datetime(2027, 2, 4, 10, 0, tzinfo=BEIJING))  # a Thursday
    county = await login(first, "county", "county_admin")
    await login(first)  # sangyuan, township staff

    # Before: five working days from Thursday 4 February end on Thursday the 11th.
    before = await complaint(second, SECOND)
    township = await token_for(second, "sangyuan")
    status, body = await staff_act(second, township, before, "accept")
    assert status == 200 and body["due_on"] == "2027-02-11"

    status, year = await call(first, "PUT", "/holidays/2027", county, SPRING_FESTIVAL)
    assert status == 200, year
    assert [d["day"] for d in year["days"]][-1] == "2027-02-14"
    assert year["days"][0]["weekday"] == "星期五" and year["days"][0]["entered_by"] == "county"
    # The other process hears of it without a restart.
    calendar = second.app[keys.WORK_CALENDAR]
    await until(lambda: not calendar.is_workday(date(2027, 2, 8)))
    assert calendar.is_workday(date(2027, 2, 14))

    # After: the 12th, Sunday the 14th (worked), then the 15th, 16th and 17th.
    after = await complaint(second, FIRST)
    status, body = await staff_act(second, township, after, "accept")
    assert status == 200 and body["due_on"] == "2027-02-17"
    status, shown = await call(second, "GET", "/holidays?year=2027", township)
    assert status == 200 and len(shown["days"]) == 8

    # Removed again: both processes count the 8th as a working day once more.
    status, _ = await call(first, "DELETE", "/holidays/2027-02-08", county)
    assert status == 200
    await until(lambda: calendar.is_workday(date(2027, 2, 8)))
    assert first.app[keys.WORK_CALENDAR].is_workday(date(2027, 2, 8))
    changes = [(who, a, what) for who, a, what in await audited(first) if a != "view_contact"]
    assert changes == [
        ("county", "holidays_set", "2027: 7 holiday(s), 1 workday(s)"),
        ("county", "holiday_removed", "2027-02-08 春节"),
    ]


async def test_a_bad_schedule_is_a_plain_400_and_changes_nothing(desk: Desk) -> None:
    county = await login(desk, "county", "county_admin")
    assert (await call(desk, "PUT", "/holidays/2027", county, SPRING_FESTIVAL))[0] == 200
    with use(desk.app[keys.DATABASE]):
        kept = await CalendarDay.all().count()
    holiday = {"day": "2027-10-01", "kind": "holiday", "name": "国庆节"}
    for days, words in [
        ([{**holiday, "day": "2026-10-01"}], "days 的值不对：2026-10-01 不在 2027 年内"),
        ([holiday, holiday], "days 的值不对：2027-10-01 填了两次"),
        (
            [{"day": "2027-10-13", "kind": "workday", "name": "国庆调休"}],
            "days 的值不对：2027-10-13 是星期三，本来就上班，调休上班只填周六、周日",
        ),
    ]:
        status, answer = await call(desk, "PUT", "/holidays/2027", county, {"days": days})
        assert status == 400 and answer == {"error": words, "field": "days"}
    for body, field, words in [
        ({"days": [{**holiday, "kind": "rest"}]}, "kind", "kind 的值不对：应为 holiday"),
        ({"days": [{**holiday, "day": "2027-13-01"}]}, "day", "day 的值不对：应为日期"),
        ({"days": [{**holiday, "name": " "}]}, "name", "name 不能为空"),
    ]:
        status, answer = await call(desk, "PUT", "/holidays/2027", county, body)
        assert status == 400 and answer["field"] == field, answer
        assert answer["error"].startswith(words), answer
    status, answer = await call(desk, "DELETE", "/holidays/2027-10-01", county)
    assert status == 404 and answer["error"] == "2027-10-01 没有录入过"
    with use(desk.app[keys.DATABASE]):
        assert await CalendarDay.all().count() == kept
    assert [a for _, a, _ in await audited(desk)] == ["holidays_set"]


async def test_any_staff_reads_the_schedule_and_only_county_admins_change_it(
    desk: Desk,
) -> None:
    township = await login(desk)
    status, year = await call(desk, "GET", "/holidays?year=2027", township)
    assert status == 200 and year["days"] == []
    status, year = await call(desk, "GET", "/holidays", township)
    assert status == 200 and year["year"] == desk.clock().year
    for method, path, body in [
        ("PUT", "/holidays/2027", SPRING_FESTIVAL),
        ("DELETE", "/holidays/2027-02-05", None),
    ]:
        status, answer = await call(desk, method, path, township, body)
        assert status == 403 and answer["error"] == "您的角色不能做这件事"
    with use(desk.app[keys.DATABASE]):
        assert await CalendarDay.all().count() == 0


async def test_a_year_nobody_gave_the_schedule_of_is_missing_until_entered(desk: Desk) -> None:
    # chinese-calendar will not know 2099 for a long while.
    calendar = desk.app[keys.WORK_CALENDAR]
    assert years_missing(calendar, date(2099, 3, 1)) == [2099]
    county = await login(desk, "county", "county_admin")
    new_year = {"days": [{"day": "2099-01-01", "kind": "holiday", "name": "元旦"}]}
    assert (await call(desk, "PUT", "/holidays/2099", county, new_year))[0] == 200
    assert years_missing(calendar, date(2099, 3, 1)) == []
    assert (await call(desk, "PUT", "/holidays/2099", county, {"days": []}))[0] == 200
    assert years_missing(calendar, date(2099, 3, 1)) == [2099]


async def test_a_process_that_missed_the_news_catches_up_on_its_own(
    make_desk: DeskFactory,
) -> None:
    # A day written while no message went out (as if Redis dropped it): the reread finds it.
    desk = await make_desk(tickets={"calendar_reload_seconds": 0.05})
    county = await login(desk, "county", "county_admin")
    with use(desk.app[keys.DATABASE]):
        who = await Staff.get(username="county")
        await CalendarDay.create(
            day=date(2099, 5, 6),
            kind="holiday",
            name="劳动节",
            entered_by=who,
            entered_at=desk.clock(),
        )
    calendar = desk.app[keys.WORK_CALENDAR]
    await until(lambda: not calendar.is_workday(date(2099, 5, 6)))
    status, year = await call(desk, "GET", "/holidays?year=2099", county)
    assert status == 200 and [d["name"] for d in year["days"]] == ["劳动节"]

"""Each staff account has a budget of staff API requests: a burst, then so many a second.
Beyond it the answer is 429 with Retry-After, and the budget is the account's, shared by
all its tokens, so a fresh login does not reset it."""

from __future__ import annotations

import asyncio

from bot import keys
from storage import staff
from storage.db import use
from tests.conftest import DeskFactory
from tests.test_notices import PASSWORD, token_for


async def test_an_account_over_its_budget_is_told_to_wait_and_others_are_not(
    make_desk: DeskFactory,
) -> None:
    # One every four seconds after a burst of three: wide enough for a slow machine.
    desk = await make_desk(staff={"requests_per_second": 0.25, "request_burst": 3})
    with use(desk.app[keys.DATABASE]):
        await staff.add("sangyuan", "township_staff", PASSWORD, "桑园镇", None)
        await staff.add("tiecheng", "township_staff", PASSWORD, "铁城镇", None)
    # Logged in first: logging in spends nothing, and a new token is no way round it.
    auth = await token_for(desk, "sangyuan")
    again = await token_for(desk, "sangyuan")
    other = await token_for(desk, "tiecheng")
    for _ in range(3):
        assert (await desk.client.get("/api/v1/staff/me", headers=auth)).status == 200
    over = await desk.client.get("/api/v1/tickets", headers=auth)
    assert over.status == 429
    assert over.headers["Retry-After"] == "4"
    assert await over.json() == {"error": "请求太频繁，请 4 秒后再试", "retry_after": 4}
    assert (await desk.client.get("/api/v1/staff/me", headers=again)).status == 429
    assert (await desk.client.get("/api/v1/staff/me", headers=other)).status == 200
    # Ending a token is never refused, even with the budget spent.
    assert (await desk.client.post("/api/v1/auth/logout", headers=again)).status == 200
    assert (await desk.client.get("/api/v1/staff/me", headers=again)).status == 401
    # Four seconds later there is room for one more. Waited, not moved: the budget runs
    # on Redis's own clock (TIME, one for every process; storage/ratelimit.py), which no
    # test can move.
    await asyncio.sleep(4.1)
    assert (await desk.client.get("/api/v1/staff/me", headers=auth)).status == 200
    assert (await desk.client.get("/api/v1/staff/me", headers=auth)).status == 429


async def test_a_refused_token_spends_nothing_and_a_limit_of_zero_is_no_limit(
    make_desk: DeskFactory,
) -> None:
    limited = await make_desk(staff={"requests_per_second": 1, "request_burst": 1})
    with use(limited.app[keys.DATABASE]):
        await staff.add("sangyuan", "township_staff", PASSWORD, "桑园镇", None)
    bogus = {"Authorization": "Bearer not-a-token"}
    for _ in range(5):  # who is unknown is told to log in, and uses no one's budget
        assert (await limited.client.get("/api/v1/staff/me", headers=bogus)).status == 401
    auth = await token_for(limited, "sangyuan")
    assert (await limited.client.get("/api/v1/staff/me", headers=auth)).status == 200
    unlimited = await make_desk(staff={"requests_per_second": 0})
    auth = await token_for(unlimited, "sangyuan")
    for _ in range(30):
        assert (await unlimited.client.get("/api/v1/staff/me", headers=auth)).status == 200

"""The weekly digest (每周简报): on Monday from 8:30 each supervisor and each lead with a
linked WeChat gets last week's figures for their jurisdiction and what is overdue now,
once, however many processes run."""

from __future__ import annotations

from bot import keys
from notifications.rounds import Worker
from tests.conftest import Desk, DeskFactory, FakeWeChat
from tests.test_notices import login, token_for
from tests.test_reminders import (
    COUNTY,
    HANDLER,
    SUPERVISOR,
    TOWNSHIP,
    at,
    looked,
    process,
    staff_with_wechat,
    told,
)
from tests.test_service_desk import FIRST, SECOND, complaint, staff_act
from tests.test_staff_accounts import call

THIRD = "oThird00000000000000000000003"
LAST_WEEK = "（11月24日至11月30日）"


def digest(desk: Desk) -> Worker:
    return desk.app[keys.DIGEST]


def digests(wechat: FakeWeChat, openid: str) -> list[str]:
    """The digests of the week 24-30 November (the Monday of the 24th brought the week
    before's)."""
    said = told(wechat, openid, digests=True)
    return [w for w in said if w.startswith("【上周简报】") and LAST_WEEK in w]


async def test_supervisors_and_leads_read_last_weeks_figures_once_on_monday_morning(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    # No 督办单 by the clock in this week: the digest's count of them stays put.
    # A second process joins once the scene is set (see test_reminders).
    first = await process(make_desk, escalate_after_days=60)
    both: tuple[Desk, ...] = (first,)
    await looked(both, at(both, 2025, 11, 17, 7, 0))  # Monday, before the working day
    auth = await staff_with_wechat(first)
    county = await login(first, "county", "county_admin")
    status, _ = await call(first, "PUT", "/staff/minzheng/lead", county, {"lead": True})
    assert status == 200
    # Two complaints accepted on the 17th and sent to 县民政局, due Monday the 24th.
    done, late = await complaint(first, FIRST), await complaint(first, SECOND)
    for number in (done, late):
        await staff_act(first, auth["sangyuan"], number, "accept")
        await staff_act(
            first, auth["sangyuan"], number, "assign", unit="县民政局", handler="minzheng"
        )
    # One done on its last day; the other never.
    at(both, 2025, 11, 24, 19, 0)
    handling = await token_for(first, "minzheng")
    status, _ = await staff_act(first, handling, done, "resolve", result="已处理")
    assert status == 200
    # A third accepted on Tuesday by the township, due 2 December.
    at(both, 2025, 11, 25, 7, 0)
    third = await complaint(first, THIRD)
    status, _ = await staff_act(first, await token_for(first, "sangyuan"), third, "accept")
    assert status == 200
    await looked(both, first.clock())
    both = (first, await process(make_desk, escalate_after_days=60))

    await looked(both, at(both, 2025, 12, 1, 8, 0), digest)  # Monday, not yet 8:30
    assert not any(digests(wechat, p) for p in (SUPERVISOR, COUNTY, HANDLER))
    for minute in (30, 45):
        await looked(both, at(both, 2025, 12, 1, 8, minute), digest)
    link = f"http://{first.app[keys.SETTINGS].http.host}:{first.app[keys.SETTINGS].http.port}"
    township = (
        "【上周简报】桑园镇（11月24日至11月30日）：受理1件，办结1件，按期办结率50%，满意率—。"
        f"现在超期未办结1件，待反馈的督办单0件。详情请到工作台查看：{link}/console"
    )
    assert digests(wechat, SUPERVISOR) == [township]
    assert digests(wechat, COUNTY) == [township.replace("桑园镇", "全县")]
    assert digests(wechat, HANDLER) == [
        "【上周简报】县民政局（11月24日至11月30日）：受理0件，办结1件，按期办结率50%，满意率—。"
        f"现在超期未办结1件，待反馈的督办单0件。详情请到工作台查看：{link}/console"
    ]
    assert digests(wechat, TOWNSHIP) == []  # not a lead
    # The rest of Monday, and Tuesday: nothing more.
    await looked(both, at(both, 2025, 12, 1, 16, 0), digest)
    await looked(both, at(both, 2025, 12, 2, 9, 0), digest)
    assert len(digests(wechat, SUPERVISOR)) == 1 and len(digests(wechat, HANDLER)) == 1

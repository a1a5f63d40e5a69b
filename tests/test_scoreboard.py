"""The scoreboard (考核) against a hand-made month whose right answers are written here:
tickets driven through the staff API on the injected clock, rated by residents over
WeChat, with 退单, an approved 延期, 重办 both ways, unrated ones, 回访, 催办 and 督办; the
same figures in the API and on the console page; and each person's jurisdiction."""

from __future__ import annotations

import html
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from bot import keys
from conversations import texts
from storage import staff, supervision, tickets
from storage.clock import BEIJING
from storage.db import use
from storage.models import (
    AuditEntry,
    FollowUp,
    Resident,
    Staff,
    Ticket,
    TicketEvent,
    TicketFacts,
    Township,
)
from tests.conftest import APPID, Desk, DeskFactory
from tests.served import township
from tests.test_console import Browser, _close_browsers  # noqa: F401 (autouse fixture)
from tests.test_notices import FAST, PASSWORD, token_for
from tests.test_service_desk import staff_act

NOVEMBER = "start=2026-11-01&end=2026-11-30"
MIN_SAMPLE = 4


@dataclass
class Month:
    desk: Desk
    numbers: dict[str, str]  # T1 ... T9 -> 受理编号


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=BEIJING)


def move_to(desk: Desk, when: datetime) -> None:
    desk.clock.advance(seconds=(when - desk.clock()).total_seconds())


async def _nothing(_ticket: Ticket, _event: TicketEvent) -> None:
    return None


async def new_ticket(desk: Desk, name: str, township: str) -> str:
    """A resident's complaint (5 working days), made as the WeChat flow makes it."""
    with use(desk.app[keys.DATABASE]):
        place = await Township.get(name=township)
        person = await Resident.create(appid=APPID, openid=f"oScore{name:0>22}", township=place)
        made, _ = await tickets.create(
            tickets.NewTicket(
                kind="complaint",
                request_key=f"score:{name}",
                resident_id=person.id,
                township_id=place.id,
                village_id=None,
                title="投诉：环境卫生",
                time_limit_days=5,
            ),
            now=desk.clock(),
            message=_nothing,
        )
    return made.number


async def rate(desk: Desk, name: str, rating: str, comment: str = "跳过") -> None:
    """The resident of ``new_ticket(desk, name, ...)`` rates it over WeChat."""
    await rated(desk, f"oScore{name:0>22}", rating, comment)


async def rated(desk: Desk, openid: str, rating: str, comment: str = "跳过") -> None:
    """The resident rates their ticket over WeChat: 评价, the rating, a comment."""
    asked = await desk.say("评价", openid=openid)
    assert asked is not None and "满意吗" in asked, asked
    await desk.say(rating, openid=openid)
    await desk.say(comment, openid=openid)


async def person(desk: Desk, username: str, role: str, **where: str | None) -> dict[str, str]:
    with use(desk.app[keys.DATABASE]):
        await staff.add(username, role, PASSWORD, where.get("township"), where.get("unit"))
    return await token_for(desk, username)


async def act(desk: Desk, who: str, number: str, action: str, **body: Any) -> None:
    status, answer = await staff_act(desk, await token_for(desk, who), number, action, **body)
    assert status == 200, answer


@pytest.fixture
async def month(make_desk: DeskFactory) -> AsyncIterator[Month]:
    """November 2026 in 桑园镇 (T1-T7, T9) and 铁城镇 (T8); every complaint due five
    working days after 受理 (accepted Monday 2 November: due Monday 9 November)."""
    # The reminder clock looks once an hour: no 催办 of its own among the hand-made figures.
    desk: Desk = await make_desk(
        outbox=FAST, supervision={"min_sample": MIN_SAMPLE, "sweep_seconds": 3600}
    )
    await person(desk, "sangyuan", "township_staff", township="桑园镇")
    await person(desk, "tiecheng", "township_staff", township="铁城镇")
    await person(desk, "minzheng", "department_handler", unit="县民政局")
    await person(desk, "zhufang", "department_handler", unit="县住房和城乡建设局")
    await person(desk, "ducha", "supervisor")
    n: dict[str, str] = {}
    # T9: accepted in October, due Monday 2 November, done a day late in November.
    move_to(desk, at(26, 9, month=10))
    n["T9"] = await new_ticket(desk, "T9", "桑园镇")
    await act(desk, "sangyuan", n["T9"], "accept")
    move_to(desk, at(2, 8))
    for name in ("T1", "T2", "T3", "T4", "T5", "T6", "T7"):
        n[name] = await new_ticket(desk, name, "桑园镇")
    n["T8"] = await new_ticket(desk, "T8", "铁城镇")
    move_to(desk, at(2, 9))
    for name in ("T1", "T2", "T3", "T4", "T5", "T6", "T7"):
        await act(desk, "sangyuan", n[name], "accept")
    await act(desk, "tiecheng", n["T8"], "accept")
    for name in ("T1", "T3", "T5"):
        await act(desk, "sangyuan", n[name], "assign", unit="县民政局", handler="minzheng")
    await act(desk, "sangyuan", n["T2"], "assign", unit="县住房和城乡建设局", handler="zhufang")
    move_to(desk, at(2, 11))
    await act(desk, "minzheng", n["T1"], "reply", text="已联系村委会")  # 2 working hours
    move_to(desk, at(2, 15))
    await act(desk, "zhufang", n["T2"], "return", reason="不归住建局管")  # 6 hours, 退单
    await act(desk, "sangyuan", n["T2"], "assign", unit="县民政局", handler="minzheng")
    move_to(desk, at(3, 9))  # 9 hours on the 2nd, half an hour on the 3rd
    await act(desk, "minzheng", n["T3"], "request-extension", days=5, reason="要等材料")
    await act(desk, "ducha", n["T3"], "approve-extension")  # due 16 November now
    move_to(desk, at(3, 10))
    await act(desk, "sangyuan", n["T6"], "resolve", result="已清理")  # 10.5 hours, unrated
    await act(desk, "sangyuan", n["T9"], "resolve", result="已清理")  # a day late
    await act(desk, "tiecheng", n["T8"], "resolve", result="已清理")
    move_to(desk, at(4, 10))
    await act(desk, "minzheng", n["T1"], "resolve", result="已清理")
    await act(desk, "sangyuan", n["T7"], "resolve", result="已清理")  # 20 hours
    move_to(desk, at(4, 11))
    await rate(desk, "T1", "非常满意")
    move_to(desk, at(5, 10))
    await act(desk, "sangyuan", n["T7"], "reopen", reason="群众说还没清理干净")  # 重办
    move_to(desk, at(6, 10))
    await act(desk, "minzheng", n["T2"], "resolve", result="已清理")
    await act(desk, "sangyuan", n["T7"], "resolve", result="已清理干净")
    move_to(desk, at(6, 11))
    await rate(desk, "T2", "满意")
    await rate(desk, "T7", "非常满意")
    move_to(desk, at(10, 10))  # T5 is late: 催办 and 督办
    with use(desk.app[keys.DATABASE]):
        late = await Ticket.get(number=n["T5"])
        await TicketEvent.create(
            ticket=late, at=desk.clock(), action="urge", actor="system", to_status=late.status,
            due_on=late.due_on,
        )  # fmt: skip
        boss = await Staff.get(username="ducha")
        await supervision.issue(
            late, by=boss.id, reason="超期未办", answer_by=date(2026, 11, 12), now=desk.clock()
        )
    move_to(desk, at(12, 10))
    await act(desk, "sangyuan", n["T4"], "resolve", result="已清理")  # late: 77 hours
    await rate(desk, "T4", "不满意", "根本没人来")  # 重办 by the rating
    move_to(desk, at(13, 10))
    await act(desk, "sangyuan", n["T4"], "resolve", result="这次清理了")
    await act(desk, "minzheng", n["T3"], "resolve", result="已清理")  # by the extended deadline
    move_to(desk, at(16, 10))
    with use(desk.app[keys.DATABASE]):
        caller = await Staff.get(username="sangyuan")
        for name, satisfaction in (("T3", 3), ("T6", None)):  # 回访: 基本满意; not asked
            done = await Ticket.get(number=n[name])
            await FollowUp.create(
                ticket=done, staff=caller, at=desk.clock(), method="phone", solved=True,
                satisfaction=satisfaction,
            )  # fmt: skip
    move_to(desk, at(3, 10, month=12))
    yield Month(desk, n)


# The right answers -----------------------------------------------------------------------

# 桑园镇 in November. 受理 T1-T7 (T9 was accepted in October). 办结 for the first time:
# T1 T2 T3 T4 T6 T7 T9. Due in November: T1 T2 T6 T7 (9 Nov), T3 (16 Nov after 延期),
# T4 (9 Nov, done on the 12th: late), T5 (9 Nov, still open: late), T9 (2 Nov, done on the
# 3rd: late) = 8, on time 5. Rated: T1 5, T2 4, T7 5 (by the resident after its 重办),
# T4 2, T3 3 at its 回访; T6 and T9 unrated. 一次办结: T1 T3 T6 T9 (T2 退单, T4 T7 重办).
# Response, working hours: 2, 6, 9.5, 10.5, 20, 77 (T5 has none): median 10, P90 48.5.
SANGYUAN = {
    "accepted": 7,
    "returned": 1,
    "extended": 1,
    "resolved": 7,
    "redone": 2,
    "once": 4,
    "followed": 2,
    "rated": 5,
    "very_satisfied": 2,
    "satisfied": 1,
    "basic": 1,
    "due": 8,
    "on_time": 5,
    "urged": 1,
    "supervised": 1,
    "on_time_rate": 0.625,
    "satisfaction": 0.6,
    "basic_share": 0.2,
    "follow_rate": 0.2857,
    "once_rate": 0.5714,
    "return_rate": 0.1429,
    "extension_rate": 0.1429,
    "redo_rate": 0.2857,
    "wait_median": 10.0,
    "wait_p90": 48.5,
}
TIECHENG = {"accepted": 1, "resolved": 1, "due": 1, "on_time": 1, "once": 1, "rated": 0}


async def scoreboard(desk: Desk, who: str, query: str = NOVEMBER) -> dict[str, Any]:
    resp = await desk.client.get(f"/api/v1/scoreboard?{query}", headers=await token_for(desk, who))
    body: dict[str, Any] = await resp.json()
    assert resp.status == 200, body
    return body


def by_name(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {g["name"]: g for g in body["groups"]}


def subset(shown: dict[str, Any], expected: dict[str, Any]) -> dict[str, Any]:
    return {k: shown[k] for k in expected}


async def test_the_figures_are_the_ones_worked_out_by_hand(month: Month) -> None:
    """By township for the county, by unit and by handler for the township (one month
    built once: it is most of the time these take)."""
    await county_by_township(month)
    await township_by_unit(month)
    await township_by_handler(month)
    await county_in_excel(month)
    await rebuilt_from_the_events(month)


async def rebuilt_from_the_events(month: Month) -> None:
    """The scoreboard reads each ticket's facts, kept from its events as they were
    written; lost, they are made again from the events by `township scoreboard rebuild`,
    and the figures are the same."""
    before = await scoreboard(month.desk, "ducha")
    with use(month.desk.app[keys.DATABASE]):
        await TicketFacts.all().delete()
    emptied = await scoreboard(month.desk, "ducha")
    assert emptied["groups"] == [] and emptied["total"]["accepted"] == 0
    settings = month.desk.app[keys.SETTINGS]
    database = {
        "TOWNSHIP_DATA_DIR": str(settings.data_dir),
        "TOWNSHIP_DATABASE__URL": settings.database_url,
    }
    done = township(database, "scoreboard", "rebuild")
    assert done.returncode == 0, done.stderr
    with use(month.desk.app[keys.DATABASE]):
        assert done.stdout.strip() == texts.SCOREBOARD_REBUILT.format(
            count=await Ticket.all().count()
        )
    assert await scoreboard(month.desk, "ducha") == before


async def county_in_excel(month: Month) -> None:
    """The same figures in the workbook, cell by cell for 桑园镇's row, with the
    definitions under the table, a Chinese file name and an audit row."""
    auth = await token_for(month.desk, "ducha")
    resp = await month.desk.client.get(f"/api/v1/exports/scoreboard.xlsx?{NOVEMBER}", headers=auth)
    assert resp.status == 200
    name = resp.headers["Content-Disposition"].split("filename*=UTF-8''")[1]
    assert unquote(name) == "考核_全县_20261101-20261130.xlsx"
    sheet = load_workbook(io.BytesIO(await resp.read()), read_only=True).active
    assert isinstance(sheet, ReadOnlyWorksheet)
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][:5] == ["排名", "名称", "受理量", "按期办结率（%）", "满意率（%）"]
    assert rows[0][-2:] == ["响应时间中位数（小时）", "响应时间90分位（小时）"]
    assert rows[1] == [1, "桑园镇", 7, 62.5, 60.0, 20.0, 28.6, 57.1, 14.3, 14.3, 28.6, 1, 1,
                       10.0, 48.5]  # fmt: skip
    assert rows[2][:3] == [None, "铁城镇", 1] and rows[3][:3] == [None, "合计", 8]
    assert ["按期办结率" in str(r[1]) and "延期" in str(r[2]) for r in rows[5:]].count(True) == 1
    with use(month.desk.app[keys.DATABASE]):
        audited = [e.detail for e in await AuditEntry.filter(action="export")]
    assert audited == ["scoreboard.xlsx 2026-11-01..2026-11-30 by=township 全县"]


async def county_by_township(month: Month) -> None:
    body = await scoreboard(month.desk, "ducha")  # a county-wide supervisor
    assert body["jurisdiction"] == "全县" and body["by"] == "township"
    groups = by_name(body)
    assert set(groups) == {"桑园镇", "铁城镇"}
    assert subset(groups["桑园镇"], SANGYUAN) == SANGYUAN
    assert subset(groups["铁城镇"], TIECHENG) == TIECHENG
    # Under the minimum sample (4 accepted): listed after the ranked, with no place.
    assert [(g["name"], g["rank"], g["ranked"]) for g in body["groups"]] == [
        ("桑园镇", 1, True),
        ("铁城镇", None, False),
    ]
    total = body["total"]
    assert (total["accepted"], total["resolved"], total["due"], total["on_time"]) == (8, 8, 9, 6)
    # The weeks: 受理 in the week of 2 November; due in the weeks of 2, 9 and 16 November.
    weeks = {w["week"]: (w["accepted"], w["due"], w["on_time"]) for w in body["weeks"]}
    assert weeks == {
        "2026-W44": (0, 0, 0),
        "2026-W45": (8, 1, 0),
        "2026-W46": (0, 7, 5),
        "2026-W47": (0, 1, 1),
        "2026-W48": (0, 0, 0),
        "2026-W49": (0, 0, 0),
    }
    names = {d["figure"]: d["name"] for d in body["definitions"]}
    assert names["on_time_rate"] == "按期办结率" and "延期" in body["definitions"][1]["text"]


async def township_by_unit(month: Month) -> None:
    """The township's own work is its service centre's."""
    body = await scoreboard(month.desk, "sangyuan", f"{NOVEMBER}&by=unit")
    groups = by_name(body)
    assert set(groups) == {"县民政局", "桑园镇便民服务中心"}
    minzheng, centre = groups["县民政局"], groups["桑园镇便民服务中心"]
    # 民政局 has T1 T2 T3 T5 now (T2 came back from 住建局): 4 accepted, ranked.
    assert subset(minzheng, {"accepted": 4, "resolved": 3, "due": 4, "on_time": 3}) == {
        "accepted": 4, "resolved": 3, "due": 4, "on_time": 3,
    }  # fmt: skip
    assert (minzheng["rank"], minzheng["returned"], minzheng["urged"]) == (1, 1, 1)
    # The service centre kept T4 T6 T7 (and T9, accepted in October): 3, not ranked.
    assert subset(centre, {"accepted": 3, "resolved": 4, "due": 4, "on_time": 2}) == {
        "accepted": 3, "resolved": 4, "due": 4, "on_time": 2,
    }  # fmt: skip
    assert centre["rank"] is None and centre["redone"] == 2


async def township_by_handler(month: Month) -> None:
    """The first to resolve counts; a ticket not yet done, its handler."""
    body = await scoreboard(month.desk, "sangyuan", f"{NOVEMBER}&by=handler")
    groups = by_name(body)
    assert set(groups) == {"minzheng", "sangyuan"}
    # minzheng: T1 T2 T3 done, T5 still theirs; sangyuan: T4 T6 T7 T9.
    assert (groups["minzheng"]["accepted"], groups["minzheng"]["due"]) == (4, 4)
    assert (groups["sangyuan"]["resolved"], groups["sangyuan"]["on_time"]) == (4, 2)


async def test_each_person_sees_only_their_jurisdiction_in_the_api_and_console(
    month: Month,
) -> None:
    await jurisdiction(month)
    await console(month)


async def jurisdiction(month: Month) -> None:
    desk = month.desk
    await person(desk, "sy-ducha", "supervisor", township="桑园镇")
    mine = await scoreboard(desk, "sy-ducha")
    assert mine["jurisdiction"] == "桑园镇" and set(by_name(mine)) == {"桑园镇"}
    assert mine["total"]["accepted"] == 7
    other = await scoreboard(desk, "tiecheng")
    assert set(by_name(other)) == {"铁城镇"} and other["total"]["accepted"] == 1
    # A department's handler: their unit's tickets only, by handler.
    unit = await scoreboard(desk, "minzheng")
    assert unit["by"] == "handler" and unit["jurisdiction"] == "县民政局"
    assert set(by_name(unit)) == {"minzheng"} and unit["total"]["accepted"] == 4
    for body in (mine, unit):
        assert "铁城镇" not in str(body)
    # Another unit's handler with nothing of theirs in the month sees nothing at all.
    empty = await scoreboard(desk, "zhufang")
    assert empty["groups"] == [] and empty["total"]["accepted"] == 0


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("start=2026-11-31", "start"),
        ("start=2026-12-01&end=2026-11-01", "end"),
        ("start=2024-01-01&end=2026-01-01", "end"),
        ("start=1999-12-31&end=2000-01-01", "start"),
        ("by=village", "by"),
    ],
)
async def test_a_bad_period_is_refused_in_a_sentence(
    make_desk: DeskFactory, query: str, field: str
) -> None:
    desk: Desk = await make_desk()
    auth = await person(desk, "county", "county_admin")
    resp = await desk.client.get(f"/api/v1/scoreboard?{query}", headers=auth)
    body = await resp.json()
    assert resp.status == 400 and body["field"] == field, body
    assert body["error"] and "Traceback" not in body["error"]


async def console(month: Month) -> None:
    """The same figures on the page, the definitions under the table, two charts."""
    desk = month.desk
    browser = Browser(desk)
    status, page = await browser.sign_in("ducha")
    assert status == 200
    status, page = await browser.get(f"/console/scoreboard?{NOVEMBER}")
    assert status == 200, page
    row = page.split('data-group="桑园镇"')[1].split("</tr>")[0]
    for shown in ("62.5%", "60.0%", "20.0%", "28.6%", "57.1%", "14.3%", "10.0", "48.5"):
        assert f">{shown}<" in row, (shown, row)
    unranked = page.split('data-group="铁城镇"')[1].split("</tr>")[0]
    assert "不排名" in unranked
    assert "按期办结率" in page and "第一次办结时的期限" in page  # the definitions, below
    assert page.count("<svg") == 2  # tickets and on-time rate per week; satisfaction
    # One week (2 to 8 November): its axis names that week once, not at both ends.
    status, page = await browser.get("/console/scoreboard?start=2026-11-02&end=2026-11-08")
    axis = page.split("<svg")[1].split("</svg>")[0]
    assert status == 200 and axis.count(">11月2日起<") == 1, axis
    # A township's supervisor: nothing of another township on the page.
    theirs = Browser(desk)
    await theirs.sign_in("sy-ducha")
    status, page = await theirs.get(f"/console/scoreboard?{NOVEMBER}&by=unit")
    assert status == 200 and "铁城镇" not in page and "县民政局" in page
    # 导出Excel: the page's own period and grouping, their township only.
    link = html.unescape(page.split('<p class="exports"><a href="')[1].split('"')[0])
    assert link.startswith("/console/exports/scoreboard.xlsx?") and "by=unit" in link
    resp = await theirs.client.get(link)
    assert resp.status == 200 and resp.content_type.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(await resp.read()), read_only=True).active
    assert isinstance(sheet, ReadOnlyWorksheet)
    names = [r[1] for r in sheet.iter_rows(min_row=2, max_row=3, values_only=True)]
    assert names == ["县民政局", "桑园镇便民服务中心"]
    status, page = await theirs.get("/console/scoreboard?start=2026-12-01&end=2026-11-01")
    assert status == 400 and "end 不能早于 start" in page


def test_the_hand_made_answers_add_up() -> None:
    """The written answers agree with themselves (a typo here would pass the rest)."""
    assert SANGYUAN["on_time"] / SANGYUAN["due"] == SANGYUAN["on_time_rate"]
    assert sorted([2, 6, 9.5, 10.5, 20, 77])[2:4] == [9.5, 10.5]
    assert timedelta(hours=77) == timedelta(hours=9 + 4 * 9.5 + 3 * 9.5 + 1.5)

"""Exports as staff get them: tickets driven through the staff API and downloaded as Excel
and CSV (every step's person in the file), the visit ledger masked as its page is, a
notice's report, each within the person's jurisdiction and each an audited read; and
100,000 tickets exported with the server's memory measured."""

from __future__ import annotations

import csv
import html
import io
import re
import tempfile
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO, Any
from urllib.parse import unquote

import pytest
from aiohttp import ClientTimeout
from openpyxl import load_workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet
from tortoise.connection import get_connection

from bot import keys
from storage import staff, tickets
from storage.clock import BEIJING
from storage.db import use
from storage.models import (
    AuditEntry,
    Grid,
    Resident,
    Staff,
    Ticket,
    TicketEvent,
    Township,
    Village,
    Visit,
)
from storage.tickets import NewTicket
from tests.conftest import Desk, DeskFactory, FakeClock
from tests.test_console import Browser, _close_browsers
from tests.test_notices import PASSWORD, login, token_for

__all__ = ["_close_browsers"]  # autouse: the console's browsers closed after each test

START = datetime(2026, 12, 1, 9, 0, tzinfo=BEIJING)  # a Tuesday, a working day
HEADERS = [
    "受理编号", "类型", "状态", "标题", "乡镇", "村/社区", "责任单位", "联系人", "联系电话",
    "提交时间", "受理人", "受理时间", "转办人", "转办时间", "经办人", "办结人", "办结时间",
    "办理期限", "期限状态", "延期次数", "退单次数", "重办次数", "评价", "办理经过",
]  # fmt: skip
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class FrozenClock(FakeClock):
    """A clock that stands still until the test moves it: times in the file are exact."""

    def __call__(self) -> datetime:
        return START + self.offset


@pytest.fixture
def clock() -> FakeClock:
    return FrozenClock()


def local(at: datetime) -> datetime:
    """As Excel holds it: Beijing wall-clock time, no zone."""
    return at.astimezone(BEIJING).replace(tzinfo=None)


async def new_ticket(
    desk: Desk, key: str, title: str, township: str = "桑园镇", village: str | None = "南街村"
) -> str:
    with use(desk.app[keys.DATABASE]):
        place = await Township.get(name=township)
        where = await Village.get(township=place, name=village) if village else None
        person, _ = await Resident.get_or_create(appid="wxtest00000000001", openid=f"o{key}")
        made, _ = await tickets.create(
            NewTicket(
                kind="complaint",
                request_key=key,
                resident_id=person.id,
                township_id=place.id,
                village_id=where.id if where else None,
                title=title,
                time_limit_days=5,
                content="村东头垃圾堆了半个月没人清理。",
                contact_name="张桂兰",
                contact_phone="13812345678",
            ),
            now=desk.clock(),
            message=desk.app[keys.TICKET_RENDERING].message,
        )
    return made.number


async def act(desk: Desk, auth: dict[str, str], number: str, action: str, **body: Any) -> None:
    resp = await desk.client.post(f"/api/v1/tickets/{number}/{action}", json=body, headers=auth)
    assert resp.status == 200, await resp.text()


async def add_staff(
    desk: Desk, username: str, role: str, township: str | None = None, unit: str | None = None
) -> dict[str, str]:
    with use(desk.app[keys.DATABASE]):
        await staff.add(username, role, PASSWORD, township, unit)
    return await token_for(desk, username)


def first_sheet(body: bytes) -> Worksheet:
    found = load_workbook(io.BytesIO(body)).active
    assert isinstance(found, Worksheet)
    return found


def sheet_rows(body: bytes) -> list[list[Any]]:
    return [list(row) for row in first_sheet(body).iter_rows(values_only=True)]


def file_name(disposition: str) -> tuple[str, str]:
    """The ASCII stand-in and the real name, decoded, from a Content-Disposition."""
    assert disposition.startswith("attachment; ")
    plain = disposition.split('filename="', 1)[1].split('"', 1)[0]
    encoded = disposition.split("filename*=UTF-8''", 1)[1]
    assert plain.isascii() and encoded.isascii()
    return plain, unquote(encoded, encoding="utf-8")


async def download(desk: Desk, auth: dict[str, str], path: str) -> tuple[bytes, str]:
    resp = await desk.client.get(path, headers=auth)
    assert resp.status == 200, await resp.text()
    assert resp.headers["Cache-Control"] == "no-store"
    return await resp.read(), resp.headers["Content-Disposition"]


@pytest.fixture
async def worked(desk: Desk) -> dict[str, Any]:
    """Three tickets: one accepted by one clerk, assigned by another and resolved by the
    department's handler; one only submitted (its title looks like a formula); one in
    another township."""
    clock = desk.clock
    first = await add_staff(desk, "sangyuan", "township_staff", "桑园镇")
    second = await add_staff(desk, "sangyuan2", "township_staff", "桑园镇")
    handler = await add_staff(desk, "minzheng", "department_handler", unit="县民政局")
    done = await new_ticket(desk, "k1", "垃圾没人清理")
    submitted = clock()
    clock.advance(minutes=10)
    await act(desk, first, done, "accept")
    accepted = clock()
    clock.advance(minutes=10)
    await act(desk, second, done, "assign", unit="县民政局")
    assigned = clock()
    clock.advance(hours=1)
    await act(desk, handler, done, "resolve", result="已清理")
    resolved = clock()
    clock.advance(minutes=5)
    waiting = await new_ticket(desk, "k2", "=HYPERLINK(1)", village=None)
    waiting_at = clock()
    other = await new_ticket(desk, "k3", "铁城镇的事", township="铁城镇", village="铁城村")
    return {
        "auth": first, "handler": handler, "done": done, "waiting": waiting, "other": other,
        "submitted": submitted, "accepted": accepted, "assigned": assigned,
        "resolved": resolved, "waiting_at": waiting_at,
    }  # fmt: skip


def expected_rows(w: dict[str, Any], due: date) -> list[list[Any]]:
    def s(at: datetime) -> str:
        return f"{local(at):%m-%d %H:%M}"

    waiting = [
        w["waiting"], "投诉", "待受理", "=HYPERLINK(1)", "桑园镇", None, None, "张**",
        "138****5678", local(w["waiting_at"]), None, None, None, None, None, None, None,
        None, "预警", 0, 0, 0, None, f"{s(w['waiting_at'])} 提交 群众",
    ]  # fmt: skip  # 预警: one working day to be accepted (首问负责)
    done = [
        w["done"], "投诉", "已办结", "垃圾没人清理", "桑园镇", "南街村", "县民政局", "张**",
        "138****5678", local(w["submitted"]), "sangyuan", local(w["accepted"]),
        "sangyuan2", local(w["assigned"]), None, "minzheng", local(w["resolved"]),
        datetime.combine(due, datetime.min.time()), None, 0, 0, 0, None,
        f"{s(w['submitted'])} 提交 群众\n{s(w['accepted'])} 受理 sangyuan\n"
        f"{s(w['assigned'])} 转办 sangyuan2\n{s(w['resolved'])} 办结 minzheng",
    ]  # fmt: skip
    return [HEADERS, waiting, done]


async def test_a_tickets_export_names_every_steps_person_cell_by_cell(
    desk: Desk, worked: dict[str, Any]
) -> None:
    auth = worked["auth"]
    path = "/api/v1/exports/tickets.xlsx?township=桑园镇&from=2026-12-01&to=2026-12-31"
    body, disposition = await download(desk, auth, path)
    due = date(2026, 12, 8)  # five working days from Tuesday 1 December
    assert sheet_rows(body) == expected_rows(worked, due)
    plain, name = file_name(disposition)
    assert name == "工单_桑园镇_20261201-20261231.xlsx"
    assert plain == "export_20261201-20261231.xlsx"
    sheet = first_sheet(body)
    assert sheet.title == "工单"
    assert sheet["J2"].number_format == "yyyy-mm-dd hh:mm" and sheet["J2"].is_date
    assert sheet["R3"].number_format == "yyyy-mm-dd" and sheet["R3"].is_date
    assert sheet["D2"].data_type == "s"  # the formula-looking title is text, not a formula
    assert sheet.column_dimensions["X"].width >= 40  # 办理经过 wide enough to read
    with use(desk.app[keys.DATABASE]):
        audit = await AuditEntry.filter(action="export").order_by("id")
    assert [a.detail for a in audit] == [
        "tickets.xlsx township=桑园镇 from=2026-12-01 to=2026-12-31"
    ]


async def test_the_csv_has_the_same_rows_and_guards_formulas(
    desk: Desk, worked: dict[str, Any]
) -> None:
    resp = await desk.client.get("/api/v1/exports/tickets.csv?status=submitted,resolved",
                                 headers=worked["auth"])  # fmt: skip
    assert resp.status == 200 and resp.content_type == "text/csv"
    raw = await resp.read()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    due = date(2026, 12, 8)

    def text(column: int, value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            return value.date().isoformat() if column == 17 else f"{value:%Y-%m-%d %H:%M}"
        return str(value)

    wanted = [[text(i, v) for i, v in enumerate(row)] for row in expected_rows(worked, due)]
    wanted[1][3] = "'=HYPERLINK(1)"  # read as text by a spreadsheet, not run
    assert rows == wanted
    _, name = file_name(resp.headers["Content-Disposition"])
    assert name == "工单_桑园镇_20261201.csv"


async def test_each_person_exports_only_their_jurisdiction(
    desk: Desk, worked: dict[str, Any]
) -> None:
    supervisor = await add_staff(desk, "dudao", "supervisor", "桑园镇")
    county = await login(desk, "county", "county_admin")

    async def numbers(auth: dict[str, str], query: str = "") -> list[str]:
        body, _ = await download(desk, auth, f"/api/v1/exports/tickets.xlsx{query}")
        return [row[0] for row in sheet_rows(body)[1:]]

    assert await numbers(supervisor) == [worked["waiting"], worked["done"]]
    assert await numbers(worked["handler"]) == [worked["done"]]
    assert await numbers(county) == [worked["other"], worked["waiting"], worked["done"]]
    # Asking for another township's tickets by name finds none of them.
    assert await numbers(supervisor, "?township=铁城镇") == []
    # A filter the queue refuses is refused here too, in words.
    resp = await desk.client.get("/api/v1/exports/tickets.xlsx?limit=5", headers=county)
    assert resp.status == 400
    resp = await desk.client.get("/api/v1/exports/tickets.csv?status=lost", headers=county)
    assert resp.status == 400 and "status" in (await resp.json())["error"]


async def test_an_export_over_the_limit_is_refused_with_a_sentence(
    make_desk: DeskFactory,
) -> None:
    desk: Desk = await make_desk(staff={"export_rows_max": 1})
    auth = await login(desk)
    await new_ticket(desk, "a", "一")
    await new_ticket(desk, "b", "二")
    resp = await desk.client.get("/api/v1/exports/tickets.xlsx", headers=auth)
    assert resp.status == 400
    assert (await resp.json())["error"].startswith("符合条件的有 2 条，一次最多导出 1 条")
    with use(desk.app[keys.DATABASE]):
        assert not await AuditEntry.filter(action="export").exists()


async def visits_of(desk: Desk, grid_code: str) -> Grid:
    with use(desk.app[keys.DATABASE]):
        grid = await Grid.get(code=grid_code)
        worker = await Resident.create(appid="wxtest00000000001", openid="oWorker", name="李四")
        for i, (person, health) in enumerate((("王奶奶", "高血压"), ("=SUM(A1)", "好"))):
            await Visit.create(
                grid=grid, worker=worker, group="elderly_alone", person=person,
                findings=f"第{i + 1}次走访", health=health, needs_help=i == 0,
                visited_at=START + timedelta(days=i),
            )  # fmt: skip
    return grid


async def test_the_visit_ledger_export_is_masked_as_its_page_is(desk: Desk) -> None:
    with use(desk.app[keys.DATABASE]):
        code = (await Grid.filter(township__name="桑园镇").order_by("id").first()).code  # type: ignore[union-attr]
    grid = await visits_of(desk, code)
    township = await login(desk)
    county = await login(desk, "county", "county_admin")
    other = await add_staff(desk, "tiecheng", "township_staff", "铁城镇")
    path = f"/api/v1/grids/{grid.id}/visits.xlsx"

    body, disposition = await download(desk, township, path)
    whole = sheet_rows(body)
    assert whole[0] == [
        "走访时间",
        "人员类别",
        "走访对象",
        "情况",
        "身体",
        "需要乡镇帮忙",
        "网格员",
    ]
    assert [r[2:6] for r in whole[1:]] == [
        ["=SUM(A1)", "第2次走访", "好", "否"],
        ["王奶奶", "第1次走访", "高血压", "是"],
    ]
    assert whole[2][0] == local(START)
    assert file_name(disposition)[1] == f"走访台账_{grid.name}_20261201.xlsx"

    body, _ = await download(desk, county, path)
    page = await (await desk.client.get(f"/api/v1/grids/{grid.id}/visits", headers=county)).json()
    masked = sheet_rows(body)[1:]
    assert [r[2:5] for r in masked] == [
        [v["person"], v["findings"], v["health"]] for v in page["visits"]
    ]
    assert masked[1][2] == "王**" and "高血压" not in str(masked)

    resp = await desk.client.get(path, headers=other)
    assert resp.status == 404
    with use(desk.app[keys.DATABASE]):
        details = [a.detail for a in await AuditEntry.filter(action="export").order_by("id")]
    assert details == [f"visits.xlsx grid={grid.code}", f"visits.xlsx grid={grid.code} masked"]


async def test_a_notices_report_exports_what_the_report_shows(desk: Desk) -> None:
    township = await login(desk)
    made = await desk.client.post(
        "/api/v1/notices",
        json={"title": "停水通知", "body": "明天停水", "area": "announcement", "scope": "township",
              "township": "桑园镇"},
        headers=township,
    )  # fmt: skip
    notice = (await made.json())["id"]
    assert (await desk.client.post(f"/api/v1/notices/{notice}/publish", headers=township)).status
    report = await (
        await desk.client.get(f"/api/v1/notices/{notice}/report", headers=township)
    ).json()
    body, disposition = await download(desk, township, f"/api/v1/notices/{notice}/report.xlsx")
    rows = sheet_rows(body)
    assert rows[0] == ["项目", "说明", "户数"]
    assert rows[1] == ["通知", "停水通知", None]
    figures = {r[0]: r[2] for r in rows[3:6]}
    assert figures == {
        "应送达户数": report["households"],
        "已送达": report["reached_total"],
        "等待发送": report["waiting"],
    }
    assert file_name(disposition)[1] == "送达情况_停水通知_20261201.xlsx"
    other = await add_staff(desk, "tiecheng", "township_staff", "铁城镇")
    resp = await desk.client.get(f"/api/v1/notices/{notice}/report.xlsx", headers=other)
    assert resp.status == 404


async def test_an_export_takes_longer_than_the_staff_deadline(
    make_desk: DeskFactory,
) -> None:
    """Exports are not cut off at [http] staff_deadline, as the queue's pages are."""
    desk: Desk = await make_desk(http={"staff_deadline": 0.000001})
    with use(desk.app[keys.DATABASE]):
        await staff.add("sangyuan", "township_staff", PASSWORD, "桑园镇")
        token, _ = await staff.issue_token(
            await Staff.get(username="sangyuan"), now=desk.clock(), lifetime=timedelta(hours=1)
        )
    auth = {"Authorization": f"Bearer {token}"}
    resp = await desk.client.get("/api/v1/tickets", headers=auth)
    assert resp.status == 503
    resp = await desk.client.get("/api/v1/exports/tickets.xlsx", headers=auth)
    assert resp.status == 200 and resp.content_type == XLSX


# The issue's size: an export of 100,000 tickets, and the most memory it may take above
# what the process held before (its resident set's high-water mark, reset just before).
LARGE = 100_000
MEMORY_MAX_MB = 150


async def copies_of(desk: Desk, number: str, count: int, first: int = 1) -> None:
    """``count`` copies of a ticket and its steps, made by the database itself (one
    statement each for tickets and events), numbered B<first>, B<first + 1> ..."""
    made = [f for f in Ticket._meta.db_fields if f != "id"]
    made_as = {"number": "'B' || CAST(g AS TEXT)", "request_key": "'bulk:' || CAST(g AS TEXT)"}
    steps = [f for f in TicketEvent._meta.db_fields if f not in ("id", "ticket_id")]
    last = first + count - 1
    with use(desk.app[keys.DATABASE]):
        template = await Ticket.get(number=number)
        db = get_connection("default")
        await db.execute_script(
            f"WITH RECURSIVE n(g) AS (SELECT {first} UNION ALL SELECT g + 1 FROM n "
            f"WHERE g < {last}) "
            f"INSERT INTO ticket ({', '.join(made)}) "
            f"SELECT {', '.join(made_as.get(f, f't.{f}') for f in made)} "
            f"FROM ticket t, n WHERE t.id = {template.id}"
        )
        await db.execute_script(
            f"INSERT INTO ticket_event (ticket_id, {', '.join(steps)}) "
            f"SELECT t.id, {', '.join(f'e.{f}' for f in steps)} "
            f"FROM ticket t JOIN ticket_event e ON e.ticket_id = {template.id} "
            f"WHERE t.request_key LIKE 'bulk:%' AND t.id > (SELECT max(ticket_id) FROM "
            "ticket_event) ORDER BY t.id, e.id"
        )


def _peak_reset() -> int:
    """Resets this process's resident-set high-water mark (Linux); its size now, in kB."""
    Path("/proc/self/clear_refs").write_text("5")
    return _status_kb("VmRSS")


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/self/status")


def _sheet_rows(saved: IO[bytes]) -> int:
    """The rows in the workbook's one sheet, counted in its XML as it is read."""
    with zipfile.ZipFile(saved) as book:
        [sheet] = [n for n in book.namelist() if n.startswith("xl/worksheets/sheet")]
        count, tail = 0, b""
        with book.open(sheet) as xml:
            while chunk := xml.read(1 << 20):
                seen = tail + chunk
                count += seen.count(b"<row ") - tail.count(b"<row ")
                tail = seen[-8:]
    return count


async def test_a_tickets_export_of_100000_rows_streams_in_flat_memory(
    desk: Desk, worked: dict[str, Any]
) -> None:
    """The whole tickets export of 100,000 tickets (four steps each) over the API, with
    the server's memory (this process's) measured while it runs: under 150 MB above what
    it held before, however many rows (a page of 1,000 is read, written and let go)."""
    auth = await add_staff(desk, "dudao", "supervisor", "桑园镇")
    await copies_of(desk, worked["done"], LARGE - 2)  # and two of its own
    before = _peak_reset()
    resp = await desk.client.get(
        "/api/v1/exports/tickets.xlsx", headers=auth, timeout=ClientTimeout(total=3600)
    )
    assert resp.status == 200 and resp.content_type == XLSX
    with tempfile.TemporaryFile() as saved:
        async for chunk in resp.content.iter_chunked(256 * 1024):
            saved.write(chunk)
        grown = (_status_kb("VmHWM") - before) / 1024
        assert grown < MEMORY_MAX_MB, f"the export took {grown:.0f} MB more"
        print(f"100,000-row export: peak memory +{grown:.0f} MB over before it began")
        saved.seek(0)
        sheet = load_workbook(saved, read_only=True).active
        assert isinstance(sheet, ReadOnlyWorksheet)
        rows = sheet.iter_rows(values_only=True, max_row=2)
        assert list(next(rows)) == HEADERS
        first = next(rows)
        assert first[0] == f"B{LARGE - 2}" and first[12] == "sangyuan2"
        assert str(first[-1]).count("\n") == 3  # every step, with its person
        saved.seek(0)
        assert _sheet_rows(saved) == LARGE + 1  # and the headers


async def test_the_consoles_export_links_carry_the_pages_filters(
    desk: Desk, worked: dict[str, Any]
) -> None:
    browser = Browser(desk)
    status, _ = await browser.sign_in("sangyuan")
    assert status == 200
    status, page = await browser.get("/console/tickets?status=resolved&text=")
    assert status == 200
    links = re.findall(r'href="(/console/exports/tickets\.(?:xlsx|csv)[^"]*)"', page)
    assert [html.unescape(link) for link in links] == [
        "/console/exports/tickets.xlsx?status=resolved",
        "/console/exports/tickets.csv?status=resolved",
    ]
    resp = await browser.client.get(links[0])
    assert resp.status == 200 and resp.content_type == XLSX
    assert [row[0] for row in sheet_rows(await resp.read())[1:]] == [worked["done"]]
    _, name = file_name(resp.headers["Content-Disposition"])
    assert name == "工单_桑园镇_20261201.xlsx"
    resp = await browser.client.get("/console/exports/tickets.csv?status=resolved")
    assert resp.status == 200 and (await resp.read()).startswith(b"\xef\xbb\xbf")
    # The ledger page links its export; another township's ledger is the same 404 page.
    with use(desk.app[keys.DATABASE]):
        mine = await Grid.filter(township__name="桑园镇").order_by("id").first()
        theirs = await Grid.filter(township__name="铁城镇").order_by("id").first()
    assert mine is not None and theirs is not None
    status, page = await browser.get(f"/console/grids/{mine.id}/visits")
    assert f'href="/console/exports/grids/{mine.id}/visits.xlsx"' in page
    resp = await browser.client.get(f"/console/exports/grids/{mine.id}/visits.xlsx")
    assert resp.status == 200 and resp.content_type == XLSX
    resp = await browser.client.get(f"/console/exports/grids/{theirs.id}/visits.xlsx")
    assert resp.status == 404 and "不在您的管辖范围内" in await resp.text()
    with use(desk.app[keys.DATABASE]):
        details = [a.detail for a in await AuditEntry.filter(action="export").order_by("id")]
    assert details == [
        "tickets.xlsx status=resolved",
        "tickets.csv status=resolved",
        f"visits.xlsx grid={mine.code}",
    ]
    # Signed out, a link leads to the sign-in page, not to the file.
    resp = await Browser(desk).client.get(links[0], allow_redirects=False)
    assert resp.status == 303

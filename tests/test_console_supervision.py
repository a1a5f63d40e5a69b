"""督办 and 回访 at the console, as a browser speaks it: an order issued from the ticket
page, seen first in the unit's queue, answered and closed (销号) on its own page, each
step in the ticket's timeline in words; a 回访 that finds the matter unsolved."""

from __future__ import annotations

import io
import re
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from tests.conftest import Desk, DeskFactory, FakeWeChat
from tests.test_console import (  # noqa: F401 (the fixture closes the browsers)
    Browser,
    _close_browsers,
    account,
    text_of,
)
from tests.test_notices import FAST, token_for
from tests.test_service_desk import FIRST, complaint, staff_act


@pytest.fixture
async def desk(make_desk: DeskFactory) -> Desk:
    made: Desk = await make_desk(outbox=FAST)
    return made


async def browser_for(desk: Desk, username: str) -> Browser:
    browser = Browser(desk)
    status, page = await browser.sign_in(username)
    assert status == 200 and "工作台" in page, page
    return browser


async def worked(desk: Desk) -> str:
    """A complaint 桑园镇 accepted and assigned to 县民政局, with the people of this module:
    the clerk sangyuan, the unit's handler minzheng, the township's supervisor duban."""
    number = await complaint(desk)
    await account(desk, "sangyuan")
    await account(desk, "minzheng", "department_handler")
    await account(desk, "duban", "supervisor")
    clerk = await token_for(desk, "sangyuan")
    assert (await staff_act(desk, clerk, number, "accept"))[0] == 200
    assert (await staff_act(desk, clerk, number, "assign", unit="县民政局"))[0] == 200
    return number


def order_link(page: str) -> str:
    found = re.search(r'href="(/console/supervision/[0-9]+)"', page)
    assert found is not None, page
    return found.group(1)


async def test_an_order_from_the_ticket_page_to_its_close(desk: Desk) -> None:
    number = await worked(desk)
    boss = await browser_for(desk, "duban")
    status, page = await boss.get(f"/console/tickets/{number}")
    assert status == 200 and 'action="/console/tickets/' in page and "发出督办单" in page
    status, page = await boss.post(
        f"/console/tickets/{number}/supervise",
        {"reason": "群众反映多次，请尽快清理", "answer_by": ""},
    )
    words = text_of(page)
    assert status == 200 and "已督办。" in words and "待反馈" in words
    link = order_link(page)

    # The unit sees it first: above its queue, and as a figure on its home page.
    unit = await browser_for(desk, "minzheng")
    status, page = await unit.get("/console")
    assert re.search(r'<span class="count">1</span><span class="label">待反馈督办', page)
    status, page = await unit.get("/console/tickets")
    assert "待反馈的督办单" in page and page.index(link) < page.index('id="rows"')
    status, page = await unit.get("/console/supervision?state=open")
    assert link in page
    status, page = await unit.get(link)
    assert "提交反馈" in page and "销号（" not in page  # a unit does not close its own
    status, page = await unit.post(f"{link}/answer", {"answer": "已安排环卫车清运"})
    assert status == 200 and "已反馈，等待督办人销号。" in text_of(page)
    assert "提交反馈" not in page

    status, page = await boss.get(link)
    assert "已安排环卫车清运" in text_of(page) and "销号（确认反馈属实后销号）" in page
    status, page = await boss.post(f"{link}/close", {"note": "经核实已清理"})
    words = text_of(page)
    assert status == 200 and "已销号。" in words and "经核实已清理" in words
    status, page = await boss.get(f"/console/tickets/{number}")
    timeline = text_of(page.split("办理经过", 1)[1])
    steps = [w for w in ("督办", "督办反馈", "督办销号") if f" {w} " in timeline]
    assert steps == ["督办", "督办反馈", "督办销号"], timeline
    assert "已销号" in text_of(page)


async def test_a_step_out_of_turn_is_said_on_the_page_and_nothing_changes(desk: Desk) -> None:
    number = await worked(desk)
    boss = await browser_for(desk, "duban")
    _, page = await boss.post(f"/console/tickets/{number}/supervise", {"reason": "请尽快办理"})
    link = order_link(page)
    # A close posted before the unit answered (an old page): refused in a sentence.
    status, page = await boss.post(f"{link}/close", {"note": "提前销号"})
    assert status == 409 and "督办单现在是“待反馈”，不能销号" in text_of(page)
    assert "待反馈" in text_of(page) and "提前销号" not in text_of(page.split("</dl>")[0])
    # A day already past for answer_by: said, and what was typed is kept.
    status, page = await boss.post(
        f"/console/tickets/{number}/supervise", {"reason": "再督办", "answer_by": "2020-01-01"}
    )
    assert status == 400 and "不能早于今天" in text_of(page) and ">再督办</textarea>" in page
    status, page = await boss.get("/console/supervision")
    assert len(re.findall(r'href="/console/supervision/[0-9]+"', page)) == 1


async def test_another_townships_supervisor_sees_no_order(desk: Desk) -> None:
    number = await worked(desk)
    boss = await browser_for(desk, "duban")
    _, page = await boss.post(f"/console/tickets/{number}/supervise", {"reason": "请尽快办理"})
    link = order_link(page)
    await account(desk, "tiecheng", "supervisor", township="铁城镇")
    elsewhere = await browser_for(desk, "tiecheng")
    status, page = await elsewhere.get(link)
    none_status, none = await elsewhere.get("/console/supervision/99999")
    assert status == none_status == 404 and text_of(page) == text_of(none)
    status, page = await elsewhere.post(f"/console/tickets/{number}/supervise", {"reason": "督办"})
    assert status == 404
    _, page = await elsewhere.get("/console/supervision")
    assert "没有符合条件的督办单" in text_of(page)


async def test_a_follow_up_that_finds_it_unsolved_reopens_the_ticket(
    desk: Desk, wechat: FakeWeChat
) -> None:
    number = await worked(desk)
    clerk = await browser_for(desk, "sangyuan")
    status, page = await clerk.get(f"/console/tickets/{number}")
    assert "记录回访" not in page  # not before 办结
    status, page = await clerk.post(
        f"/console/tickets/{number}/follow-up", {"method": "phone", "solved": "true"}
    )
    assert status == 409 and "工单现在是“办理中”，不能回访" in text_of(page)
    handler = await token_for(desk, "minzheng")
    assert (await staff_act(desk, handler, number, "resolve", result="已清理"))[0] == 200
    status, page = await clerk.get(f"/console/tickets/{number}")
    assert "记录回访" in page and "满意程度" in page
    status, page = await clerk.post(
        f"/console/tickets/{number}/follow-up",
        {"method": "visit", "solved": "false", "satisfaction": "2", "note": "垃圾又堆起来了"},
    )
    words = text_of(page)
    assert status == 200 and "已回访。" in words and "办理中" in words and "重办 1 次" in words
    assert "上门 · 没有解决（将重新办理） · 不满意" in words
    timeline = text_of(page.split("办理经过", 1)[1])
    assert timeline.index(" 回访 ") < timeline.index(" 重办 ")
    pushes = await wechat.wait_for_texts(FIRST, 4)
    assert pushes[-1].startswith("【重新办理】")


async def test_the_open_orders_go_to_excel_for_whoever_sees_them(desk: Desk) -> None:
    number = await worked(desk)
    boss = await browser_for(desk, "duban")
    await boss.post(
        f"/console/tickets/{number}/supervise", {"reason": "请尽快清理", "answer_by": ""}
    )
    await account(desk, "tiecheng-duban", "supervisor", township="铁城镇")
    for who, rows in (("minzheng", 1), ("duban", 1), ("tiecheng-duban", 0)):
        browser = await browser_for(desk, who)
        _, page = await browser.get("/console/supervision")
        assert 'href="/console/exports/orders.xlsx"' in page
        resp = await browser.client.get("/console/exports/orders.xlsx")
        assert resp.status == 200
        name = unquote(resp.headers["Content-Disposition"].split("filename*=UTF-8''")[1])
        assert name.startswith("待反馈督办单_") and name.endswith(".xlsx")
        sheet = load_workbook(io.BytesIO(await resp.read()), read_only=True).active
        assert isinstance(sheet, ReadOnlyWorksheet)
        found = [list(r) for r in sheet.iter_rows(values_only=True)]
        assert found[0][:4] == ["受理编号", "工单标题", "乡镇", "督办对象"]
        assert len(found) - 1 == rows
        if rows:
            assert (
                found[1][0] == number and found[1][3] == "县民政局" and found[1][4] == "请尽快清理"
            )
    api = await token_for(desk, "minzheng")
    resp = await desk.client.get("/api/v1/exports/orders.xlsx", headers=api)
    assert resp.status == 200 and resp.content_type.endswith("spreadsheetml.sheet")

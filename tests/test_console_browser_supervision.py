"""督办, 回访 and 考核 in a real Chromium, as their people use them: a township's supervisor
chases an overdue ticket with a 督办单 from its page, the unit's handler (signed in at a
desk of their own) finds it above their queue and answers it, the supervisor closes it
(销号), each step in the ticket's timeline; a 回访 that finds the matter unsolved sends the
ticket back to work; a leader reads last month's 考核 for a small hand-made set of tickets,
its table and charts, in each grouping, and downloads it as Excel.

The deadlines need the clock moved, so the service here is the app on the test's own
event loop with the injected clock (``desk``), served on a loopback port the browser
visits; the tickets come in through the webhook as residents send them and are worked over
the staff API, as in tests/test_scoreboard.py.
"""

from __future__ import annotations

import asyncio
import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from playwright.async_api import Locator, Page, expect

from tests.browser import Pages, Shoot, sign_in
from tests.conftest import Desk, DeskFactory, FakeWeChat
from tests.served import complaint
from tests.test_console import account
from tests.test_console_browser import row
from tests.test_notices import FAST, PASSWORD
from tests.test_scoreboard import act, at, move_to, rated

RESIDENT = "oBrowserDuban0000000000000001"
SUPERVISOR, CLERK, HANDLER = "duban", "sangyuan", "minzheng"


@pytest.fixture
async def desk(make_desk: DeskFactory) -> Desk:
    """Pushes at once; the reminder clock looks once an hour, so while a test moves the
    clock days ahead no 催办 or automatic 督办单 of its own joins the ones on the page."""
    made: Desk = await make_desk(outbox=FAST, supervision={"min_sample": 3, "sweep_seconds": 3600})
    return made


def site(desk: Desk) -> str:
    """The desk's address, for the browser (http://127.0.0.1:PORT)."""
    return str(desk.client.make_url("")).rstrip("/")


async def signed_in(pages: Pages, desk: Desk, username: str) -> Page:
    """A page of its own (cookies apart), signed in through the form."""
    page = await pages.open()
    await sign_in(page, site(desk), username, PASSWORD)
    return page


async def reported(desk: Desk, openid: str, words: str, township: str = "桑园镇") -> str:
    """A new resident complains about 环境卫生 over WeChat, one message at a time: the
    受理编号."""
    reply = ""
    for said, expected in complaint(words, "张桂兰", "13812345678", township):
        reply = await desk.say(said, openid=openid) or ""
        assert expected in reply, f"said {said!r}, got {reply!r}"
    return reply.split("受理编号：")[1][:13]


async def timeline(page: Page) -> list[str]:
    """The ticket page's 办理经过, one line per step: what, and who (the time left out)."""
    steps = await page.locator("ol.timeline li").all_inner_texts()
    return [re.sub(r"^\S+ \S+ ", "", step).split("\n")[0] for step in steps]


async def test_an_overdue_ticket_is_chased_answered_and_closed_in_two_browsers(
    desk: Desk, pages: Pages, shoot: Shoot
) -> None:
    move_to(desk, at(2, 8))  # Monday 2 November 2026
    number = await reported(desk, RESIDENT, "村东头垃圾堆了半个月没人清理。")
    await account(desk, CLERK)
    await account(desk, HANDLER, "department_handler")
    await account(desk, SUPERVISOR, "supervisor")
    move_to(desk, at(2, 9))
    await act(desk, CLERK, number, "accept")  # five working days: due Monday the 9th
    await act(desk, CLERK, number, "assign", unit="县民政局", handler=HANDLER)
    move_to(desk, at(10, 10))  # Tuesday the 10th: a day late

    # The supervisor finds it overdue in the queue and issues a 督办单 from its page.
    boss = await signed_in(pages, desk, SUPERVISOR)
    await boss.get_by_role("link", name="工单", exact=True).click()
    await expect(row(boss, number)).to_contain_text("超期")
    await row(boss, number).get_by_role("link").click()
    await expect(boss.locator("dl.facts")).to_contain_text("到期 2026-11-09 超期")
    form = boss.locator("form.action-supervise")
    await form.get_by_label("督办事由（责任单位会看到）").fill("群众反映多次，请尽快清理并反馈")
    await form.get_by_label(re.compile(r"^反馈期限")).fill("2026-11-12")
    await form.get_by_role("button", name="发出督办单", exact=True).click()
    await expect(boss.get_by_role("status")).to_have_text("已督办。")
    order = boss.locator("ul.orders li.order-row")
    await expect(order).to_have_count(1)
    await expect(order).to_contain_text("待反馈 · 县民政局 · 反馈期限 2026-11-12")
    await expect(order).to_contain_text("群众反映多次，请尽快清理并反馈")
    assert (await timeline(boss))[-1] == "督办 duban"

    # The unit's handler, at a desk of their own: the 督办单 on the home page, and above
    # the tickets in the queue.
    unit = await signed_in(pages, desk, HANDLER)
    figure = unit.locator("ul.figures li.orders")
    await expect(figure).to_have_text(re.compile(r"^\s*1\s*待反馈督办\s*$"))
    await unit.get_by_role("link", name="工单", exact=True).click()
    orders = unit.locator("section.open-orders")
    await expect(orders.get_by_role("heading")).to_have_text("待反馈的督办单")
    await expect(orders.locator("li.order-row")).to_contain_text(number)
    await expect(row(unit, number)).to_be_visible()
    above, below = await _top(orders), await _top(row(unit, number))
    assert above < below, (above, below)
    await orders.get_by_role("link", name=re.compile(number)).click()
    await expect(unit.get_by_role("heading", level=1)).to_contain_text(f"督办单 · {number}")
    await expect(unit.get_by_role("button", name="销号", exact=True)).to_have_count(0)
    await unit.get_by_label("反馈（写明办理情况）").fill("已安排环卫车清运，明天清完")
    await unit.get_by_role("button", name="提交反馈", exact=True).click()
    await expect(unit.get_by_role("status")).to_have_text("已反馈，等待督办人销号。")
    await expect(unit.locator("dl.facts")).to_contain_text("已反馈")
    await expect(unit.get_by_role("button", name="提交反馈", exact=True)).to_have_count(0)
    await unit.get_by_role("link", name="工单", exact=True).click()
    await expect(row(unit, number)).to_be_visible()
    await expect(unit.locator("section.open-orders")).to_have_count(0)  # nothing left open

    # The supervisor: 已反馈 in the 督办 list, the answer on the order, and 销号.
    await boss.get_by_role("navigation").get_by_role("link", name="督办", exact=True).click()
    await boss.get_by_label("状态").select_option(label="已反馈")
    await boss.get_by_role("button", name="筛选", exact=True).click()
    listed = boss.locator("main li.order-row")
    await expect(listed).to_have_count(1)
    await expect(listed).to_contain_text("已反馈")
    await listed.get_by_role("link").click()
    facts = boss.locator("dl.facts")
    await expect(facts).to_contain_text("已安排环卫车清运，明天清完")
    await expect(facts).to_contain_text("minzheng · 2026-11-10")
    await shoot(boss, "supervision-desktop")  # the help page's 督办 picture
    await boss.get_by_label("意见（可不填）").fill("经核实已清理")
    await boss.get_by_role("button", name="销号", exact=True).click()
    await expect(boss.get_by_role("status")).to_have_text("已销号。")
    await expect(facts).to_contain_text("已销号")
    await expect(facts).to_contain_text("经核实已清理")
    await boss.locator("dl.facts").get_by_role("link", name=re.compile(number)).click()
    await expect(boss.locator("ul.orders li.order-row")).to_contain_text("已销号")
    assert (await timeline(boss))[-3:] == [
        "督办 duban",
        "督办反馈 minzheng",
        "督办销号 duban",
    ]


async def _top(element: Locator) -> float:
    box = await element.bounding_box()
    assert box is not None
    return box["y"]


async def test_a_follow_up_that_finds_it_unsolved_sends_it_back_to_work(
    desk: Desk, pages: Pages, wechat: FakeWeChat
) -> None:
    number = await reported(desk, RESIDENT, "村东头垃圾堆了半个月没人清理。")
    await asyncio.gather(account(desk, CLERK), account(desk, HANDLER, "department_handler"))
    await act(desk, CLERK, number, "accept")
    await act(desk, CLERK, number, "assign", unit="县民政局", handler=HANDLER)
    await act(desk, HANDLER, number, "resolve", result="已清理")
    heard = await wechat.wait_for_texts(RESIDENT, 3, timeout=10)
    assert [t[:5] for t in heard] == ["【已受理】", "【办理中】", "【已办结】"], heard

    clerk = await signed_in(pages, desk, CLERK)
    await clerk.goto(f"{site(desk)}/console/tickets/{number}")
    await expect(clerk.locator("dl.facts")).to_contain_text("已办结")
    form = clerk.locator("form.action-follow-up")
    await form.get_by_label("回访方式").select_option(label="上门")
    await form.get_by_label("问题解决了吗").select_option(label="没有解决（将重新办理）")
    await form.get_by_label("满意程度").select_option(label="不满意")
    await form.get_by_label("回访记录（可不填）").fill("上门查看，垃圾又堆起来了")
    await form.get_by_role("button", name="记录回访", exact=True).click()
    await expect(clerk.get_by_role("status")).to_have_text("已回访。")
    await expect(clerk.locator("dl.facts")).to_contain_text("办理中 · 需督办关注 · 重办 1 次")
    visits = clerk.locator("ul.follow-ups li")
    await expect(visits).to_contain_text("sangyuan · 上门 · 没有解决（将重新办理） · 不满意")
    await expect(visits).to_contain_text("上门查看，垃圾又堆起来了")
    assert (await timeline(clerk))[-2:] == ["回访 sangyuan", "重办 sangyuan → 办理中"]
    await expect(clerk.locator("form.action-follow-up")).to_have_count(0)  # not done now
    pushed = await wechat.wait_for_texts(RESIDENT, len(heard) + 1, timeout=10)
    assert pushed[-1].startswith("【重新办理】") and number in pushed[-1], pushed

    # Back in the handler's queue, to be done again.
    handler = await signed_in(pages, desk, HANDLER)
    await handler.get_by_role("link", name="工单", exact=True).click()
    await expect(row(handler, number)).to_contain_text("办理中")
    await row(handler, number).get_by_role("link").click()
    await expect(handler.get_by_role("button", name="办结", exact=True)).to_be_visible()


# 考核 ----------------------------------------------------------------------------------

# November 2026, made by hand (min_sample 3). Each complaint is due five working days after
# 受理 (Monday 2 November 09:00): Monday the 9th.
#   S1 桑园镇 -> 县民政局 (minzheng), 办结 4 Nov on time, rated 非常满意
#   S2 桑园镇, kept by the township (sangyuan), 办结 12 Nov late, rated 基本满意
#   S3 桑园镇 -> 县民政局 (minzheng), still open: overdue
#   T1 铁城镇 (tiecheng), 办结 3 Nov on time, not rated
# 桑园镇: 受理 3, 按期 1 of 3, 满意 1 of 2 rated, 基本满意 1 of 2, one-time 2 of 2;
# response (working hours from 受理 to the first step): S1 20, S2 77.
# 铁城镇: 受理 1 (under the sample: not ranked), 按期 1 of 1, nothing rated.
# The weeks: all four accepted in the week of 2 November, all four due in the week of 9th.
SANGYUAN_ROW = [
    "1", "桑园镇", "3", "33.3%", "50.0%", "50.0%", "0.0%", "100.0%", "0.0%", "0.0%",
    "0.0%", "0", "0", "48.5",
]  # fmt: skip
TIECHENG_ROW = ["不排名", "铁城镇", "1", "100.0%", "—", "—", "0.0%", "100.0%"]


async def _november(desk: Desk) -> None:
    n: dict[str, str] = {}
    move_to(desk, at(2, 8))
    said = {
        "S1": ("村东头垃圾堆了半个月没人清理。", "桑园镇"),
        "S2": ("南街的垃圾桶满了没人倒。", "桑园镇"),
        "S3": ("河边有人倒建筑垃圾。", "桑园镇"),
        "T1": ("菜市场门口污水横流。", "铁城镇"),
    }
    for name, (words, township) in said.items():
        n[name] = await reported(desk, _resident(name), words, township)
    await asyncio.gather(
        account(desk, CLERK),
        account(desk, "tiecheng", township="铁城镇"),
        account(desk, HANDLER, "department_handler"),
        account(desk, "ducha", "supervisor", township=None),  # the county's
    )
    move_to(desk, at(2, 9))
    for name in ("S1", "S2", "S3"):
        await act(desk, CLERK, n[name], "accept")
    await act(desk, "tiecheng", n["T1"], "accept")
    for name in ("S1", "S3"):
        await act(desk, CLERK, n[name], "assign", unit="县民政局", handler=HANDLER)
    move_to(desk, at(3, 10))
    await act(desk, "tiecheng", n["T1"], "resolve", result="已冲洗")
    move_to(desk, at(4, 10))
    await act(desk, HANDLER, n["S1"], "resolve", result="已清理")
    move_to(desk, at(4, 11))
    await rated(desk, _resident("S1"), "非常满意")
    move_to(desk, at(12, 10))
    await act(desk, CLERK, n["S2"], "resolve", result="已清空")
    move_to(desk, at(12, 11))
    await rated(desk, _resident("S2"), "基本满意")
    move_to(desk, at(3, 10, month=12))  # Thursday 3 December: November is 上月


def _resident(name: str) -> str:
    return f"oBrowserScore{name:0>16}"


async def _cells(page: Page, group: str) -> list[str]:
    cells = page.locator(f'table.scores tr[data-group="{group}"]').locator("td, th")
    return [c.strip() for c in await cells.all_inner_texts()]


async def test_a_leader_reads_last_month_s_scoreboard_and_takes_it_to_excel(
    desk: Desk, pages: Pages, shoot: Shoot, tmp_path: Path
) -> None:
    await _november(desk)
    leader = await signed_in(pages, desk, "ducha")
    await leader.get_by_role("navigation").get_by_role("link", name="考核", exact=True).click()
    await leader.get_by_role("link", name="上月", exact=True).click()
    await expect(leader.locator("p.role")).to_have_text("全县 · 2026-11-01 至 2026-11-30")

    # By township: the table, with the definitions under it.
    assert (await _cells(leader, "桑园镇"))[: len(SANGYUAN_ROW)] == SANGYUAN_ROW
    assert (await _cells(leader, "铁城镇"))[: len(TIECHENG_ROW)] == TIECHENG_ROW
    assert (await _cells(leader, "total"))[1:4] == ["合计", "4", "50.0%"]
    await expect(leader.locator("section.definitions")).to_contain_text("按期办结率")

    # The charts: a bar per week (tickets), a dot where something fell due (on-time rate),
    # and a bar per township with ratings (satisfaction).
    charts = leader.locator("figure.chart svg")
    await expect(charts).to_have_count(2)
    weekly, satisfaction = charts.nth(0), charts.nth(1)
    await expect(weekly).to_be_visible()
    bars = await weekly.locator("rect.bar title").all_text_contents()
    assert bars == [
        "10月26日起的一周：受理 0 件",
        "11月2日起的一周：受理 4 件",
        "11月9日起的一周：受理 0 件",
        "11月16日起的一周：受理 0 件",
        "11月23日起的一周：受理 0 件",
        "11月30日起的一周：受理 0 件",
    ], bars
    heights = await weekly.locator("rect.bar").evaluate_all(
        "bars => bars.map(b => b.getBBox().height)"
    )
    assert heights[1] > 0 and [h for i, h in enumerate(heights) if i != 1] == [0] * 5, heights
    dots = await weekly.locator("circle.dot title").all_text_contents()
    assert dots == ["11月9日起的一周：按期办结率 50.0%"], dots
    await expect(satisfaction).to_be_visible()
    assert await satisfaction.locator("rect.bar title").all_text_contents() == [
        "桑园镇：50.0%（2 件有评价）"
    ]
    await shoot(leader, "scoreboard-desktop")  # the help page's 考核 picture

    # By unit, then by handler, with the page's own links.
    groupings = leader.get_by_role("navigation", name="分组")
    await groupings.get_by_role("link", name="按责任单位", exact=True).click()
    await expect(groupings.get_by_role("link", name="按责任单位")).to_have_attribute(
        "aria-current", "page"
    )
    units = leader.locator("table.scores tbody tr")
    await expect(units).to_have_count(3)
    # 受理量 and 按期办结率: S1 and S3 went to 县民政局; each township kept the rest.
    for name, figures in (
        ("县民政局", ["2", "50.0%"]),
        ("桑园镇便民服务中心", ["1", "0.0%"]),
        ("铁城镇便民服务中心", ["1", "100.0%"]),
    ):
        assert (await _cells(leader, name))[1:4] == [name, *figures]
    await groupings.get_by_role("link", name="按经办人", exact=True).click()
    # None ranked (under 3 each): by how many they accepted, equals by name, every time.
    handlers = leader.locator("table.scores tbody tr th")
    await expect(handlers).to_have_text(["minzheng", "sangyuan", "tiecheng"])
    assert (await _cells(leader, "minzheng"))[:4] == ["不排名", "minzheng", "2", "50.0%"]
    assert (await _cells(leader, "sangyuan"))[1:5] == ["sangyuan", "1", "0.0%", "0.0%"]
    assert (await _cells(leader, "tiecheng"))[1:4] == ["tiecheng", "1", "100.0%"]

    # 导出Excel: the grouping on the page, in a file with a Chinese name.
    async with leader.expect_download() as downloading:
        await leader.get_by_role("link", name="导出Excel", exact=True).click()
    download = await downloading.value
    assert download.suggested_filename == "考核_全县_20261101-20261130.xlsx"
    saved = tmp_path / download.suggested_filename  # as the browser saves it
    await download.save_as(saved)
    sheet = load_workbook(io.BytesIO(saved.read_bytes()), read_only=True).active
    assert isinstance(sheet, ReadOnlyWorksheet)
    rows = {r[1]: list(r) for r in sheet.iter_rows(values_only=True) if len(r) > 1 and r[1]}
    assert list(rows)[:4] == ["名称", "minzheng", "sangyuan", "tiecheng"], list(rows)
    assert rows["名称"][:4] == ["排名", "名称", "受理量", "按期办结率（%）"]
    assert rows["minzheng"][:5] == [None, "minzheng", 2, 50.0, 100.0]
    assert rows["sangyuan"][:5] == [None, "sangyuan", 1, 0.0, 0.0]
    assert rows["合计"][:4] == [None, "合计", 4, 50.0]


async def test_the_help_page_explains_supervision_and_the_scoreboard_with_pictures(
    desk: Desk, pages: Pages
) -> None:
    await account(desk, CLERK)
    page = await signed_in(pages, desk, CLERK)
    await page.get_by_role("navigation").get_by_role("link", name="帮助", exact=True).click()
    contents = page.get_by_role("navigation", name="帮助")
    for title, opening, image in (
        ("督办和回访", "督办就是催着把事办好", "supervision-desktop.png"),
        ("考核", "考核就是看一段时间里", "scoreboard-desktop.png"),
    ):
        await contents.get_by_role("link", name=title, exact=True).click()
        heading = page.get_by_role("heading", name=title, exact=True)
        await expect(heading).to_be_in_viewport()
        section = page.locator("section.help").filter(has=heading)
        await expect(section.locator("p").first).to_contain_text(opening)
        picture = section.get_by_role("img", name=title, exact=True)
        await expect(picture).to_have_attribute("src", f"/console/help/{image}")
        await picture.scroll_into_view_if_needed()  # it loads lazily
        await picture.evaluate("img => img.decode()")  # settles once the PNG is drawn
        assert await picture.evaluate("img => img.naturalWidth") > 0

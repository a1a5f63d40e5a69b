"""The staff console in a real Chromium, as its people use it: signing in through the form,
a resident's WeChat message arriving in an open queue by itself, the filters, every step
of a ticket through its forms, who may see and do what, a resident's words as text, both
screen sizes and the keyboard alone. (The same pages over plain HTTP, with the rules in
detail: tests/test_console.py.) Each test has its own `township serve`."""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3

import asyncpg
import pytest
from playwright.async_api import Dialog, Locator, Page, expect

from tests import browser
from tests.browser import Pages, Served, Shoot, assert_fits, person
from tests.served import PASSWORD, complaint

ARRIVAL_MS = 10_000  # the live queue's promise is "a few seconds"; this leaves room on CI
SUBMITTED, IN_PROGRESS, RESOLVED = "待受理", "办理中", "已办结"


# The accounts the tests use, as `township staff add` makes them: role and place.
PEOPLE = {
    "sangyuan": ("township_staff", "桑园镇"),
    "tiecheng": ("township_staff", "铁城镇"),
    "minzheng": ("department_handler", "县民政局"),
}


async def accounts(served: Served, *names: str) -> None:
    """The accounts made at the CLI, side by side (each is a process that takes a second
    or two to start)."""

    def add(name: str) -> None:
        role, place = PEOPLE[name]
        where = {"unit": place} if role == "department_handler" else {"township": place}
        served.staff_add(name, role, **where)

    await asyncio.gather(*(asyncio.to_thread(add, name) for name in names))


async def sign_in(page: Page, served: Served, username: str) -> None:
    """The sign-in form, filled and sent as a person does; the home page follows."""
    await browser.sign_in(page, served.base, username)


def row(page: Page, number: str) -> Locator:
    """The queue's row for a ticket."""
    return page.locator(f'li.ticket[data-id="{number}"]')


async def act(page: Page, action: str, **fields: str) -> None:
    """One action's form on the ticket page: its fields by their labels, then its button;
    the page says it was done."""
    form = page.locator(f"form.action-{action}")
    for label, value in fields.items():
        control = form.get_by_label(label, exact=True)
        if await control.evaluate("e => e.tagName") == "SELECT":
            await control.select_option(label=value)
        else:
            await control.fill(value)
    name = {"accept": "受理", "assign": "转办", "reply": "回复", "resolve": "办结"}[action]
    await form.get_by_role("button", name=name, exact=True).click()
    await expect(page.get_by_role("status")).to_have_text(f"已{name}。")


async def disable(served: Served, username: str) -> None:
    """A county admin disables the account. The staff API has no endpoint for it on this
    branch yet, so straight in the service's database, as the endpoint would leave it (the
    console checks the account on every request, whichever way it was disabled)."""
    url = served.service.env.get("TOWNSHIP_DATABASE__URL", "")
    if url.startswith("postgres"):
        conn = await asyncpg.connect(url)
        try:
            await conn.execute("UPDATE staff SET active = false WHERE username = $1", username)
        finally:
            await conn.close()
        return
    with contextlib.closing(sqlite3.connect(served.service.data_dir / "township.sqlite3")) as db:
        db.execute("UPDATE staff SET active = 0 WHERE username = ?", (username,))
        db.commit()


async def test_a_wechat_complaint_is_worked_to_the_end_in_the_browser(
    served: Served, pages: Pages
) -> None:
    _, earlier = await asyncio.gather(
        accounts(served, "sangyuan", "minzheng"),
        served.file_complaint(person(), "南街的垃圾桶满了没人倒。", name="李秀英"),
    )
    clerk = await pages.open()
    await sign_in(clerk, served, "sangyuan")
    await clerk.get_by_role("link", name="工单", exact=True).click()
    await expect(row(clerk, earlier)).to_be_visible()

    # A resident complains on WeChat while the queue is open: it appears by itself.
    resident = person()
    number = await served.file_complaint(resident, "东街路灯坏了三天，晚上看不见路。")
    await expect(row(clerk, number)).to_be_visible(timeout=ARRIVAL_MS)
    await expect(row(clerk, number)).to_contain_text(SUBMITTED)
    await expect(clerk.locator("li.ticket").first).to_have_attribute("data-id", number)  # on top
    await expect(clerk.get_by_text("有新工单")).to_be_visible()
    assert clerk.url.endswith("/console/tickets")  # no reload, no navigation
    heard = len(await served.texts_to(resident))

    # The filters: by words, then by kind.
    await clerk.locator("details.filters > summary").click()
    await clerk.get_by_label("关键词").fill("路灯")
    await clerk.get_by_role("button", name="筛选", exact=True).click()
    await expect(row(clerk, number)).to_be_visible()
    await expect(row(clerk, earlier)).to_have_count(0)
    await clerk.get_by_label("关键词").fill("")
    await clerk.get_by_label("类别").select_option(label="建议")
    await clerk.get_by_role("button", name="筛选", exact=True).click()
    await expect(clerk.get_by_text("没有符合条件的工单。")).to_be_visible()
    await clerk.get_by_label("类别").select_option(label="投诉")
    await clerk.get_by_role("button", name="筛选", exact=True).click()
    await expect(row(clerk, number)).to_be_visible()
    await expect(row(clerk, earlier)).to_be_visible()
    assert "kind=complaint" in clerk.url

    # Accept and send it to 县民政局, naming the handler; the resident hears of each.
    await row(clerk, number).get_by_role("link").click()
    await expect(clerk.get_by_text("东街路灯坏了三天，晚上看不见路。")).to_be_visible()
    await expect(clerk.get_by_text("13812345678")).to_be_visible()  # theirs to act on: whole
    await act(clerk, "accept")
    assert (await served.wait_for_texts(resident, heard + 1))[-1].startswith("【已受理】")
    await act(clerk, "assign", 责任单位="县民政局", **{"办理人用户名（可不填）": "minzheng"})
    assert (await served.wait_for_texts(resident, heard + 2))[-1].startswith("【办理中】")
    await expect(clerk.locator("dl.facts")).to_contain_text("县民政局 · 办理人 minzheng")

    # The handler, at a desk of their own: no 受理 here, but a reply and the result.
    handler = await pages.open()
    await sign_in(handler, served, "minzheng")
    await handler.get_by_role("link", name="工单", exact=True).click()
    await row(handler, number).get_by_role("link").click()
    await expect(handler.get_by_role("button", name="回复", exact=True)).to_be_visible()
    await expect(handler.get_by_role("button", name="受理", exact=True)).to_have_count(0)
    await act(handler, "reply", **{"回复内容（群众会收到）": "已派电工，明天修好。"})
    reply = (await served.wait_for_texts(resident, heard + 3))[-1]
    assert reply.startswith("【回复】") and "已派电工，明天修好。" in reply
    await act(handler, "resolve", **{"办理结果（群众会收到）": "路灯已换新。"})
    done = (await served.wait_for_texts(resident, heard + 4))[-1]
    assert done.startswith("【已办结】") and "路灯已换新。" in done

    # Every step is in the timeline the clerk sees.
    await clerk.reload()
    timeline = clerk.locator("ol.timeline")
    for step in ("受理 sangyuan", "转办 sangyuan", "回复 minzheng", "办结 minzheng"):
        await expect(timeline).to_contain_text(step)
    await expect(clerk.locator("dl.facts")).to_contain_text(RESOLVED)


async def test_who_may_see_what_and_a_disabled_account(served: Served, pages: Pages) -> None:
    _, number = await asyncio.gather(
        accounts(served, "sangyuan", "tiecheng"),
        served.file_complaint(person(), "村口的桥栏杆断了，孩子上学危险。"),
    )

    # Another township's ticket is the same page as a number that does not exist.
    other = await pages.open()
    await sign_in(other, served, "tiecheng")
    theirs = await other.goto(f"{served.base}/console/tickets/{number}")
    theirs_text = await other.locator("main").inner_text()
    nothing = await other.goto(f"{served.base}/console/tickets/20990101-0001")
    nothing_text = await other.locator("main").inner_text()
    assert theirs is not None and nothing is not None
    assert theirs.status == nothing.status == 404
    assert theirs_text == nothing_text and "没有找到这件工单" in theirs_text
    assert "桥栏杆" not in theirs_text
    await other.get_by_role("link", name="工单", exact=True).click()
    await expect(other.get_by_text("没有符合条件的工单。")).to_be_visible()

    # Disabled while signed in: the next click lands on the sign-in page.
    clerk = await pages.open()
    await sign_in(clerk, served, "sangyuan")
    await clerk.get_by_role("link", name="工单", exact=True).click()
    await expect(row(clerk, number)).to_be_visible()
    await disable(served, "sangyuan")
    await row(clerk, number).get_by_role("link").click()
    await expect(clerk).to_have_url(re.compile(r"/console/login\?"))
    await expect(clerk.get_by_role("heading", name="工作人员登录")).to_be_visible()
    await expect(clerk.get_by_role("status")).to_have_text("登录已过期，请重新登录。")
    await expect(clerk.get_by_text("桥栏杆")).to_have_count(0)
    # And it cannot sign in again.
    await clerk.get_by_label("用户名").fill("sangyuan")
    await clerk.get_by_label("密码").fill(PASSWORD)
    await clerk.get_by_role("button", name="登录", exact=True).click()
    await expect(clerk.get_by_role("alert")).to_be_visible()
    await expect(clerk.get_by_role("heading", name="工作人员登录")).to_be_visible()


ATTACK = (
    '<script>alert("s")</script><img src=x onerror="alert(\'i\')">'
    "<a href=\"javascript:alert('a')\">点这里</a>"
)


async def test_a_resident_s_markup_is_shown_as_text_and_runs_nothing(
    served: Served, page: Page
) -> None:
    await accounts(served, "sangyuan")
    dialogs: list[str] = []

    async def seen(dialog: Dialog) -> None:  # an alert() that ran: noted, and closed
        dialogs.append(dialog.message)
        await dialog.dismiss()

    page.on("dialog", seen)
    await sign_in(page, served, "sangyuan")
    await page.get_by_role("link", name="工单", exact=True).click()
    # Arriving live (console.js puts the row in), then the ticket with the words.
    number = await served.file_complaint(person(), ATTACK)
    await expect(row(page, number)).to_be_visible(timeout=ARRIVAL_MS)
    await row(page, number).get_by_role("link").click()
    words = page.locator("p.words")
    await expect(words).to_have_text(ATTACK)  # literally, every character
    assert await words.locator("*").count() == 0
    main = page.locator("main")
    assert await main.locator("script, img[onerror], a[href^='javascript:']").count() == 0
    await page.wait_for_timeout(300)  # an onerror fires as the image fails: give it time
    assert dialogs == []


async def _report(served: Served, words: str, name: str, kind: str, category: str) -> str:
    """A new resident raises ``kind`` (投诉, 提建议, 求助) about ``category`` on WeChat,
    as ``Served.file_complaint`` does for 环境卫生: the 受理编号."""
    steps = complaint(words, name, "13912345678")
    steps[1:3] = [(kind, "是哪方面的"), (category, "请把情况说一说")]
    openid, reply = person(), ""
    for said, expected in steps:
        reply = await served.say(openid, said)
        assert expected in reply, f"said {said!r}, got {reply!r}"
    return reply.split("受理编号：")[1][:13]


async def _tickets_in_several_states(served: Served) -> dict[str, str]:
    """Four requests from four residents at once, then worked over the staff API to
    待受理, 已受理, 办理中 and 已办结: the numbers by state."""
    said = [
        ("东街路灯坏了三天，晚上看不见路。", "张桂兰", "投诉", "道路交通"),
        ("村东头垃圾堆了半个月没人清理，天热有味。", "王建国", "投诉", "环境卫生"),
        ("小学门口的减速带被压坏了，车开得很快。", "李秀英", "提建议", "公共服务"),
        ("家里老人卧床，低保的材料没法自己去交。", "赵德明", "求助", "生活困难"),
    ]
    numbers = await asyncio.gather(*(_report(served, *each) for each in said))
    submitted, accepted, working, resolved = numbers
    staff = await served.login("sangyuan")
    for number in (accepted, working, resolved):
        status, body = await served.api("POST", f"/tickets/{number}/accept", staff)
        assert status == 200, body
    for number in (working, resolved):
        status, body = await served.api(
            "POST", f"/tickets/{number}/assign", staff, unit="县民政局", handler="minzheng"
        )
        assert status == 200, body
    status, body = await served.api(
        "POST", f"/tickets/{working}/reply", staff, text="已联系县民政局，这周内处理。"
    )
    assert status == 200, body
    status, body = await served.api("POST", f"/tickets/{resolved}/resolve", staff, result="已修好")
    assert status == 200, body
    return {"submitted": submitted, "accepted": accepted, "working": working, "done": resolved}


@pytest.mark.parametrize("screen", ["desktop", "phone"])
async def test_every_page_fits_the_screen_and_is_photographed(
    served: Served, page: Page, screen: str, shoot: Shoot
) -> None:
    await accounts(served, "sangyuan", "minzheng")
    numbers = await _tickets_in_several_states(served)
    await page.goto(f"{served.base}/console/login")
    await assert_fits(page)
    if screen == "phone":
        await shoot(page, "login-phone")
    await sign_in(page, served, "sangyuan")
    await assert_fits(page)
    if screen == "desktop":
        await shoot(page, "home-desktop")
    await page.get_by_role("link", name="工单", exact=True).click()
    for number in numbers.values():
        await expect(row(page, number)).to_be_visible()
    await assert_fits(page)
    await shoot(page, f"queue-{screen}")
    await page.locator("details.filters > summary").click()  # the filters, opened
    await assert_fits(page)
    await row(page, numbers["working"]).get_by_role("link").click()
    await expect(page.locator("ol.timeline li")).to_have_count(4)  # 提交 受理 转办 回复
    await assert_fits(page)
    await shoot(page, f"ticket-{screen}")
    for name in ("考核", "督办"):  # the township's figures, and its 督办单 (none yet)
        await page.goto(f"{served.base}/console")
        await page.get_by_role("navigation").get_by_role("link", name=name, exact=True).click()
        await expect(page.get_by_role("heading", level=1)).to_have_text(name)
        await assert_fits(page)
    # At a desk's width these two are photographed with figures and an order in them, by
    # tests/test_console_browser_supervision.py (the help page shows those).
    if screen == "phone":
        await shoot(page, "supervision-phone")
        await page.goto(f"{served.base}/console/scoreboard")
        await shoot(page, "scoreboard-phone")
    await page.goto(f"{served.base}/console/help")
    await assert_fits(page)
    await page.goto(f"{served.base}/console/tickets/20990101-0001")  # the not-found page
    await assert_fits(page)


async def _focus_shows(page: Page) -> None:
    """The focused element has the console's focus ring (:focus-visible's outline)."""
    ring = await page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, s.outlineWidth]; }"
    )
    assert ring == ["solid", "3px"], ring


async def _tab_to(page: Page, element_id: str, most: int = 60) -> None:
    for _ in range(most):
        await page.keyboard.press("Tab")
        if await page.evaluate("document.activeElement.id") == element_id:
            return
    raise AssertionError(f"#{element_id} not reached in {most} presses of Tab")


async def test_signing_in_and_accepting_with_the_keyboard_alone(served: Served, page: Page) -> None:
    _, number = await asyncio.gather(
        accounts(served, "sangyuan"),
        served.file_complaint(person(), "东街路灯坏了三天，晚上看不见路。"),
    )
    await page.goto(f"{served.base}/console/login")
    # The user name is where the typing goes on arrival.
    await expect(page.get_by_label("用户名")).to_be_focused()  # autofocus comes after load
    await page.keyboard.type("sangyuan")
    await page.keyboard.press("Tab")
    await _focus_shows(page)
    await page.keyboard.type(PASSWORD)
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="您好，sangyuan")).to_be_visible()

    # First Tab: the skip link, shown while it has focus.
    await page.goto(f"{served.base}/console/tickets/{number}")
    await page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="跳到正文")
    await expect(skip).to_be_focused()
    await expect(skip).to_be_in_viewport()
    await _focus_shows(page)
    await _tab_to(page, "accept-note")
    await page.keyboard.type("群众来电确认")
    await page.keyboard.press("Tab")
    accept = page.get_by_role("button", name="受理", exact=True)
    await expect(accept).to_be_focused()
    await _focus_shows(page)
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("status")).to_have_text("已受理。")
    await expect(page.locator("ol.timeline")).to_contain_text("群众来电确认")

"""通知公告 and 网格 in a real Chromium against `township serve`: a clerk signs in through
the form, publishes a notice that reaches households who followed the township's account
through the webhook and reads its report and chart (desktop and phone); a clerk prints a
grid invite whose QR image loads, a worker binds with its code through the webhook and is
unbound with the button."""

from __future__ import annotations

import asyncio
import re

from playwright.async_api import Page, expect

from tests.browser import Pages, Served, ServeFactory, Shoot, assert_fits, person
from tests.served import PASSWORD
from tests.test_notices import NOTICE, TEMPLATE

CLERK = "sangyuan"


async def sign_in(page: Page, served: Served, username: str = CLERK) -> None:
    """Through the sign-in form, as the console's first page asks for it."""
    await page.goto(f"{served.base}/console")
    await page.get_by_label("用户名", exact=True).fill(username)
    await page.get_by_label("密码", exact=True).fill(PASSWORD)
    await page.get_by_role("button", name="登录", exact=True).click()
    await expect(page.get_by_role("button", name="退出", exact=True)).to_be_visible()


async def follows(served: Served, openid: str) -> None:
    """A household follows the township's account: subscribed to its notices by default."""
    posted = await served.send(served.sim.event(openid, "subscribe"))
    assert posted.status == 200, posted.body
    # Too late for the passive reply, the welcome follows as a customer-service message.
    welcome = posted.text or (await served.wait_for_texts(openid, 1))[-1]
    assert "已为您订阅桑园镇的“通知公告”" in welcome, welcome


async def wait_for_notice(served: Served, openid: str, title: str, timeout: float = 15.0) -> None:
    """The notice's template message has reached ``openid``'s phone (the sandbox)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        pushed = [p for p in await served.pushes_to(openid) if p["path"] == TEMPLATE]
        if any(title in str(p["body"]) for p in pushed):
            return
        assert asyncio.get_running_loop().time() < deadline, f"{openid} got {pushed}"
        await asyncio.sleep(0.1)


async def until_reached(page: Page, count: int, timeout: float = 15.0) -> None:
    """The report, reloaded as a clerk waiting for it would, once it counts ``count``
    reached (the page does not update by itself)."""
    reached = page.locator("#reached-total")
    deadline = asyncio.get_running_loop().time() + timeout
    while (await reached.text_content()) != str(count):
        assert asyncio.get_running_loop().time() < deadline, await reached.text_content()
        await asyncio.sleep(0.2)
        await page.reload()


async def test_a_clerk_publishes_a_notice_and_reads_its_report_on_desktop_and_phone(
    serve: ServeFactory, pages: Pages, shoot: Shoot
) -> None:
    served = await serve(TOWNSHIP_ACCOUNT__TOWNSHIP="桑园镇")
    households = [person(), person()]
    for openid in households:
        await follows(served, openid)
    served.staff_add(CLERK, "township_staff", township="桑园镇")
    page = await pages.open("desktop")
    await sign_in(page, served)
    await page.get_by_role("link", name="通知公告", exact=True).click()
    await page.get_by_role("link", name="写通知", exact=True).click()
    await page.get_by_label("标题", exact=True).fill(NOTICE["title"])
    await page.get_by_label("正文", exact=True).fill(NOTICE["body"])
    await page.get_by_label("领域", exact=True).select_option("announcement")
    await page.get_by_label("发布范围", exact=True).select_option("township")
    await page.get_by_label("乡镇", exact=True).select_option("桑园镇")
    await page.get_by_role("button", name="保存草稿", exact=True).click()
    await expect(page.get_by_role("status")).to_contain_text("草稿已保存")
    await expect(page.get_by_role("heading", name=NOTICE["title"], exact=True)).to_be_visible()
    await page.get_by_role("button", name="发布", exact=True).click()
    await expect(page.get_by_role("status")).to_contain_text("已发布，正在推送")
    # The answer to the form is the notice's page; its 刷新 link is the report's address.
    await page.get_by_role("link", name="刷新", exact=True).click()
    await page.wait_for_url(re.compile(r".*/console/notices/[0-9]+#report$"))
    report = page.url.split("#")[0]
    assert re.fullmatch(rf"{served.base}/console/notices/[0-9]+", report), report
    for openid in households:
        await wait_for_notice(served, openid, NOTICE["title"])
    await until_reached(page, len(households))
    await expect(page.locator("#reached-total")).to_have_text("2")
    chart = page.locator("figure.chart svg")
    await expect(chart).to_be_visible()
    heights = await chart.locator("rect.bar").evaluate_all(
        "bars => bars.map(b => b.getBBox().height)"
    )
    assert heights and max(heights) > 0, heights  # the minute both went out has a bar
    await expect(page.locator("figure.chart figcaption")).to_contain_text("发出的户数")
    await shoot(page, "notice-report-desktop")

    phone = await pages.open("phone")
    await sign_in(phone, served)
    await phone.goto(report)
    await expect(phone.locator("#reached-total")).to_have_text("2")
    await expect(phone.locator("figure.chart svg")).to_be_visible()
    await assert_fits(phone)
    await shoot(phone, "notice-report-phone")


async def test_a_clerk_prints_a_grid_invite_and_unbinds_the_worker_who_used_it(
    served: Served, page: Page, shoot: Shoot
) -> None:
    served.staff_add(CLERK, "township_staff", township="桑园镇")
    await sign_in(page, served)
    await page.get_by_role("link", name="网格", exact=True).click()
    await page.get_by_role("link", name="东街社区网格", exact=True).click()
    grid = page.url
    await expect(page.get_by_text("还没有网格员。")).to_be_visible()
    await page.get_by_role("button", name="生成绑定码和二维码", exact=True).click()
    await expect(page.get_by_role("heading", name="网格员绑定码", exact=True)).to_be_visible()
    code = (await page.locator(".invite-code strong").text_content() or "").strip()
    assert re.fullmatch(r"[0-9]{6}", code), code
    assert code not in page.url
    await expect(page.locator("main")).to_contain_text(f"绑定 {code}")
    qr = page.get_by_role("img", name=f"二维码，内容是“绑定 {code}”", exact=True)
    await expect(qr).to_be_visible()
    await page.wait_for_load_state("load")  # images included
    drawn = await qr.evaluate("img => [img.complete, img.naturalWidth, img.naturalHeight]")
    assert drawn[0] and drawn[1] > 0 and drawn[2] > 0, drawn
    download_link = page.get_by_role("link", name="下载二维码图片", exact=True)
    download = await download_link.get_attribute("href")
    assert download is not None
    png = await page.request.get(f"{served.base}{download}")
    assert png.ok and png.headers["content-type"] == "image/png"
    assert (await png.body()).startswith(b"\x89PNG")
    await shoot(page, "grid-invite-desktop")

    worker = person()
    reply = await served.say(worker, f"绑定 {code}")
    assert reply.startswith("绑定成功！您现在是“东街社区网格”的网格员"), reply
    await page.goto(grid)
    unbind = page.get_by_role("button", name=re.compile(r"^解除 .+ 的网格员身份$"))
    await expect(unbind).to_have_count(1)
    await expect(page.get_by_text("还没有网格员。")).to_have_count(0)
    await unbind.click()
    await expect(page.get_by_role("status")).to_contain_text("已解除绑定")
    await expect(unbind).to_have_count(0)
    await expect(page.get_by_text("还没有网格员。")).to_be_visible()
    reply = await served.say(worker, "菜单")
    assert "网格员菜单" not in reply, reply


async def test_every_list_and_form_fits_a_phone_for_a_county_admin(
    served: Served, pages: Pages
) -> None:
    """The pages beyond the queue (notices, grids, catalog, scoreboard, accounts, templates,
    holidays), each at 375 px without sideways scrolling, each reached through the menu or
    a link."""
    served.staff_add("county", "county_admin")
    phone = await pages.open("phone")
    await sign_in(phone, served, "county")
    for name in ("通知公告", "网格", "办事指南", "考核", "人员", "常用语", "节假日"):
        await phone.goto(f"{served.base}/console")
        await phone.get_by_role("navigation").get_by_role("link", name=name, exact=True).click()
        await expect(phone.get_by_role("heading", level=1)).to_be_visible()
        await assert_fits(phone)
    for path in ("/console/notices/new", "/console/catalog?q=低保"):
        await phone.goto(f"{served.base}{path}")
        await assert_fits(phone)
    await phone.goto(f"{served.base}/console/grids")
    await phone.locator("main a[href^='/console/grids/']").first.click()
    await expect(phone.get_by_role("heading", level=1)).to_be_visible()
    await assert_fits(phone)
    await phone.goto(f"{served.base}/console/catalog")
    await phone.locator("main a[href^='/console/catalog/']").first.click()
    await expect(phone.get_by_role("heading", level=1)).to_be_visible()
    await assert_fits(phone)

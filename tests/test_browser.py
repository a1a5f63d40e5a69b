"""The browser tests' harness (tests/browser.py) at work before any console page exists:
Chromium reads the served process, Chinese renders in real glyphs, and a resident's ticket
made through the webhook is there for staff signed in with an account the CLI made."""

from __future__ import annotations

import base64
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.async_api import Page

from tests.browser import Pages, Served, Shoot, assert_fits, person

# Counts the dark pixels of a PNG, decoded by the browser itself.
DARK_PIXELS = """async (src) => {
  const img = new Image();
  img.src = src;
  await img.decode();
  const canvas = document.createElement("canvas");
  canvas.width = img.width;
  canvas.height = img.height;
  const g = canvas.getContext("2d");
  g.drawImage(img, 0, 0);
  const rgba = g.getImageData(0, 0, img.width, img.height).data;
  let dark = 0;
  for (let i = 0; i < rgba.length; i += 4) if (rgba[i] + rgba[i + 1] + rgba[i + 2] < 384) dark++;
  return dark;
}"""


def _page_of(html: str) -> str:
    """A data: URL: each goto lays out anew (page.set_content keeps the last page's
    viewport)."""
    return "data:text/html;charset=utf-8," + quote("<meta charset=utf-8>" + html)


async def test_chromium_reads_the_served_process(served: Served, page: Page) -> None:
    health = await page.goto(f"{served.base}/healthz")
    assert health is not None and health.status == 200
    assert '"database": "ok"' in (await page.text_content("body") or "")
    await page.goto(f"{served.base}/api/v1/openapi.json")
    described = await page.evaluate("JSON.parse(document.body.innerText)")
    assert described["openapi"].startswith("3.") and "/tickets" in described["paths"]


@pytest.mark.parametrize("screen", ["desktop", "phone"])
async def test_chinese_renders_in_real_glyphs(page: Page, screen: str) -> None:
    html = (
        "<meta name=viewport content='width=device-width'><body style='margin:0;background:#fff'>"
        "<span id=ni style='font-size:48px'>你</span> <span id=hao style='font-size:48px'>好</span>"
    )
    await page.goto(_page_of(html))
    await assert_fits(page)
    ni = await page.locator("#ni").screenshot()
    hao = await page.locator("#hao").screenshot()
    for shot in (ni, hao):
        dark = await page.evaluate(
            DARK_PIXELS, "data:image/png;base64," + base64.b64encode(shot).decode()
        )
        assert dark > 100, "a blank glyph: is fonts-noto-cjk installed?"
    # Without a font for them both would be the same empty box (tofu).
    assert ni != hao, "你 and 好 look the same: no Chinese font (apt-get install fonts-noto-cjk)"


@pytest.mark.parametrize("screen", ["phone"])
async def test_a_page_too_wide_for_a_phone_is_caught(page: Page, screen: str) -> None:
    fitted = "<meta name=viewport content='width=device-width'>"
    await page.goto(_page_of(fitted + "<p>工单</p>"))
    await assert_fits(page)
    too_wide = fitted + "<table><tr>" + "<td>20261201-0001</td>" * 8 + "</tr></table>"
    for html in ("<p>工单</p>", too_wide):
        await page.goto(_page_of(html))
        with pytest.raises(AssertionError, match="px wide on a 375 px screen"):
            await assert_fits(page)


async def test_shoot_keeps_the_tree_clean_unless_asked(
    page: Page, shoot: Shoot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TOWNSHIP_SCREENSHOTS", raising=False)
    await page.set_content("<h1>工作台</h1>")
    path = await shoot(page, "harness-check")
    assert path.is_relative_to(tmp_path) and path.read_bytes().startswith(b"\x89PNG")
    with pytest.raises(AssertionError, match="a-z, 0-9"):
        await shoot(page, "../escape")


async def test_a_ticket_from_the_webhook_reaches_staff_and_back(served: Served) -> None:
    # The pieces the console's tests put together: an account made at the CLI, a
    # resident's complaint through the webhook, staff over HTTP, the resident's phone.
    served.staff_add("sangyuan", "township_staff", township="桑园镇")
    resident = person()
    number = await served.file_complaint(resident, "东街路灯坏了三天，晚上看不见路。")
    staff = await served.login("sangyuan")
    status, queue = await served.api("GET", "/tickets?status=open", staff)
    assert status == 200
    (row,) = [t for t in queue["tickets"] if t["number"] == number]
    assert row["status_name"] == "待受理" and row["contact"]["phone"] == "138****5678"
    status, body = await served.api("POST", f"/tickets/{number}/accept", staff)
    assert status == 200 and body["status"] == "accepted", body
    (update,) = await served.wait_for_texts(resident, 1)
    assert update.startswith("【已受理") and number in update


async def test_a_second_person_has_a_context_of_their_own(served: Served, pages: Pages) -> None:
    desk = await pages.open("desktop")
    phone = await pages.open("phone")
    assert desk.context is not phone.context
    await desk.goto(f"{served.base}/healthz")
    await desk.context.add_cookies([{"name": "who", "value": "desk", "url": served.base}])
    assert await phone.context.cookies() == []

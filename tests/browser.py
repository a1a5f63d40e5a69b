"""The browser tests' harness (a pytest plugin, loaded by conftest): the service as
`township serve` runs it, the people around it, and Chromium driven by Playwright.

Fixtures, all per test:

- ``served``: `township serve` on a free port, its data under the test's tmp_path, on the
  suite's database and Redis (SQLite and the embedded Redis, or the servers CI's second
  pass names), the demo data loaded and the WeChat sandbox on. A ``Served`` plays the
  others: WeChat posting what residents say (signed and encrypted, to /wechat), an
  operator at the CLI (`township staff add`), staff over HTTP, and the resident's phone
  (what the service sent to the sandbox). ``serve(**settings)`` starts one with other
  settings (TOWNSHIP_... variables). Stopped at teardown; its log printed if the test failed.
- ``page``: a fresh browser context and page at the size ``screen`` names ("desktop",
  1280x800, unless the test parametrizes ``screen`` with "phone": 375x740, a touch screen
  at device scale 2). ``pages.open(screen)`` opens more, each in a context of its own
  (two people signed in at once). On a failure each open page's screenshot and HTML are
  kept under the test's tmp_path, and where is printed.
- ``shoot(page, name)``: a PNG of the whole page, into docs/screenshots/ when
  TOWNSHIP_SCREENSHOTS=1 (to refresh the committed ones), otherwise into tmp_path.

Playwright's async API on the test's own event loop (pytest-asyncio); the browser is
Debian's chromium, as the playwright wheel cannot download one here.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

import run
from tests.conftest import AES_KEY, APPID, SECRET, TOKEN
from tests.served import PASSWORD, ROOT, Service, complaint, free_port, serving, staff_add
from wechat.simulator import Posted, Simulator

SCREENSHOTS = ROOT / "docs" / "screenshots"
SCREENS: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {
        "viewport": {"width": 375, "height": 740},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    },
}
ACTION_TIMEOUT_MS = 10_000  # Playwright's 30 s default makes a failing test slow to say so
FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item,
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Mark a test that failed, so its fixtures keep evidence at teardown."""
    report = yield
    if report.failed:
        item.stash[FAILED] = True
    return report


def _failed(request: pytest.FixtureRequest) -> bool:
    return bool(request.node.stash.get(FAILED, False))


# The service and the people around it ------------------------------------------------


def person() -> str:
    """A new resident's openid."""
    return f"o_browser_{secrets.token_hex(8)}"


@dataclass
class Served:
    """`township serve` as a process, and everyone who talks to it from outside."""

    service: Service
    http: aiohttp.ClientSession
    sim: Simulator  # WeChat, for this account

    @property
    def base(self) -> str:
        """http://127.0.0.1:PORT, for page.goto(served.base + "/console")."""
        return self.service.base

    # WeChat, posting what residents say

    async def send(self, fields: dict[str, Any]) -> Posted:
        """One message built with ``self.sim`` (text, image, location, event ...)."""
        return await self.sim.post(self.http, f"{self.base}/wechat", fields)

    async def say(self, openid: str, text: str) -> str:
        """What the resident sees in answer: the passive reply, or, when it came too late
        for one, the customer-service message that followed."""
        before = len(await self.texts_to(openid))
        posted = await self.send(self.sim.text(openid, text))
        assert posted.status == 200, posted.body
        if posted.text is not None:
            return posted.text
        return (await self.wait_for_texts(openid, before + 1))[-1]

    async def file_complaint(
        self,
        openid: str,
        words: str,
        *,
        name: str = "张桂兰",
        phone: str = "13812345678",
        township: str = "桑园镇",
    ) -> str:
        """A new resident complains about 环境卫生 in ``township``'s first village, one
        message at a time as WeChat posts them. Returns the 受理编号."""
        reply = ""
        for said, expected in complaint(words, name, phone, township):
            reply = await self.say(openid, said)
            assert expected in reply, f"said {said!r}, got {reply!r}"
        return reply.split("受理编号：")[1][:13]

    # the resident's phone: what the service sent to WeChat's API (the sandbox)

    async def pushes_to(self, openid: str) -> list[dict[str, Any]]:
        """Every message pushed to ``openid`` (customer-service, template ...), oldest
        first: {"seq", "at", "path", "body"} with the body as sent to WeChat."""
        url = f"{self.base}/sandbox/_sandbox/sent"
        async with self.http.get(url, params={"after": "0", "touser": openid}) as resp:
            assert resp.status == 200, await resp.text()
            items: list[dict[str, Any]] = (await resp.json())["items"]
        return items

    async def texts_to(self, openid: str) -> list[str]:
        """The words of the customer-service messages pushed to ``openid`` (ticket updates
        go this way while the resident has written in the last 48 hours)."""
        return [
            p["body"]["text"]["content"]
            for p in await self.pushes_to(openid)
            if p["path"] == "/cgi-bin/message/custom/send" and p["body"].get("msgtype") == "text"
        ]

    async def wait_for_texts(self, openid: str, count: int, timeout: float = 10.0) -> list[str]:
        """The texts pushed to ``openid`` once there are ``count`` (they go out a moment
        after the change that made them)."""
        texts: list[str] = []
        for _ in range(int(timeout / 0.05)):
            texts = await self.texts_to(openid)
            if len(texts) >= count:
                return texts
            await asyncio.sleep(0.05)
        raise AssertionError(f"{len(texts)} of {count} messages reached {openid}: {texts}")

    # an operator at the CLI, and staff over HTTP

    def staff_add(
        self, username: str, role: str, *, township: str | None = None, unit: str | None = None
    ) -> None:
        """`township staff add` as a process on the service's database; the password is
        tests.served.PASSWORD."""
        args = [username, "--role", role]
        args += ["--township", township] if township else []
        args += ["--unit", unit] if unit else []
        done = staff_add(self.service.env, *args)
        assert done.returncode == 0, done.stderr

    async def login(self, username: str, password: str = PASSWORD) -> dict[str, str]:
        """A staff API sign-in: the header to send with its token."""
        status, body = await self.api("POST", "/auth/login", username=username, password=password)
        assert status == 200, body
        return {"Authorization": f"Bearer {body['token']}"}

    async def api(
        self, method: str, path: str, auth: dict[str, str] | None = None, **body: Any
    ) -> tuple[int, Any]:
        """A staff API call (path under /api/v1), JSON body from ``body`` on POST, PUT,
        PATCH: the status and the decoded answer."""
        sends = method in ("POST", "PUT", "PATCH")
        async with self.http.request(
            method, f"{self.base}/api/v1{path}", headers=auth, json=body if sends else None
        ) as resp:
            return resp.status, await resp.json()


def _service_settings(redis_url: str) -> dict[str, str]:
    """The settings every served test starts with: this suite's Redis (the database is the
    environment's: PostgreSQL on CI's second pass, else the SQLite file in data_dir), WeChat
    secrets the test's simulator knows, pushes at once, and no rate limits (a test clicks
    faster than people; the limits have tests of their own)."""
    return {
        "TOWNSHIP_REDIS__URL": redis_url,
        "TOWNSHIP_WECHAT__SANDBOX": "true",
        "TOWNSHIP_WECHAT__APPID": APPID,
        "TOWNSHIP_WECHAT__SECRET": SECRET,
        "TOWNSHIP_WECHAT__TOKEN": TOKEN,
        "TOWNSHIP_WECHAT__AES_KEY": AES_KEY,
        "TOWNSHIP_WECHAT__MODE": "safe",
        "TOWNSHIP_OUTBOX__POLL_SECONDS": "0.1",
        "TOWNSHIP_OUTBOX__PERSON_GAP_SECONDS": "0",
        "TOWNSHIP_STAFF__REQUESTS_PER_SECOND": "0",
        "TOWNSHIP_STAFF__LOGINS_PER_MINUTE_PER_ADDRESS": "0",
        "TOWNSHIP_CONVERSATION__MESSAGES_PER_MINUTE": "0",
    }


ServeFactory = Callable[..., Awaitable[Served]]


@pytest.fixture
async def serve(
    tmp_path: Path,
    redis_url: str,
    backends: None,
    migrated: Path | None,
    request: pytest.FixtureRequest,
) -> AsyncIterator[ServeFactory]:
    """Start `township serve` (``settings``: TOWNSHIP_... variables over the defaults
    above). ``backends`` has emptied the suite's Redis and, on PostgreSQL, its tables; on
    SQLite each service gets a copy of the migrated schema. Either way it loads the demo
    data set at start-up, as a fresh install does."""
    started: list[Service] = []
    async with aiohttp.ClientSession() as http:
        with contextlib.ExitStack() as running:

            async def start(**settings: str) -> Served:
                folder = tmp_path / f"served-{len(started) + 1}"
                if migrated is not None:  # SQLite: the service's default file
                    (folder / "data").mkdir(parents=True)
                    shutil.copyfile(migrated, folder / "data" / "township.sqlite3")
                env = {**_service_settings(redis_url), **settings}
                service = running.enter_context(serving(folder, free_port(), **env))
                started.append(service)
                sim = Simulator(token=TOKEN, appid=APPID, aes_key=AES_KEY, mode="safe")
                return Served(service, http, sim)

            yield start
            if _failed(request):
                for service in started:
                    print(f"\n---- township serve's log, {service.log} (the end) ----")
                    print(service.log_text()[-8000:])


@pytest.fixture
async def served(serve: ServeFactory) -> Served:
    return await serve()


# Chromium ------------------------------------------------------------------------------


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Debian's chromium, headless; missing, the test fails saying what to install."""
    missing = run.browser_missing()
    if missing:
        pytest.fail(run.browser_hint(missing), pytrace=False)
    # expect() waits 5 s by default, half of what an action may take here: on a busy
    # machine a sign-in and the page after it took longer than that.
    expect.set_options(timeout=ACTION_TIMEOUT_MS)
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=shutil.which("chromium"), headless=True
        )
        try:
            yield chromium
        finally:
            await chromium.close()


class Pages:
    """Pages, each in a fresh context of its own (cookies, storage), closed at teardown."""

    def __init__(self, browser: Browser, evidence: Path) -> None:
        self.browser = browser
        self.evidence = evidence
        self.contexts: list[BrowserContext] = []

    async def open(self, screen: str = "desktop", **options: Any) -> Page:
        """A page at a size SCREENS names; ``options`` go to browser.new_context."""
        context = await self.browser.new_context(
            **{"locale": "zh-CN", "timezone_id": "Asia/Shanghai", **SCREENS[screen], **options}
        )
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        self.contexts.append(context)
        return await context.new_page()

    async def keep_evidence(self) -> list[str]:
        """Each open page's screenshot and HTML, under ``evidence``: a line for each."""
        kept: list[str] = []
        self.evidence.mkdir(parents=True, exist_ok=True)
        for n, page in enumerate(p for c in self.contexts for p in c.pages):
            stem = self.evidence / f"page-{n + 1}"
            with contextlib.suppress(Exception):  # a crashed page must not hide the failure
                stem.with_suffix(".html").write_text(await page.content(), "utf-8")
                await page.screenshot(path=stem.with_suffix(".png"), full_page=True)
            kept.append(f"{stem}.png and .html: {page.url}")
        return kept

    async def close(self) -> None:
        for context in self.contexts:
            await context.close()


@pytest.fixture
async def pages(
    browser: Browser, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Pages]:
    opened = Pages(browser, tmp_path / "browser-evidence")
    yield opened
    if _failed(request):
        kept = await opened.keep_evidence()
        print("\n---- the browser's pages when the test failed ----")
        print("\n".join(kept))
    await opened.close()


@pytest.fixture
def screen() -> str:
    """The size of ``page``: parametrize a test with screen="phone" for 375 px."""
    return "desktop"


@pytest.fixture
async def page(pages: Pages, screen: str) -> Page:
    return await pages.open(screen)


async def sign_in(page: Page, base: str, username: str, password: str = PASSWORD) -> None:
    """The console's sign-in form at ``base``, filled and sent as a person does; the home
    page follows."""
    await page.goto(f"{base}/console/login")
    await page.get_by_label("用户名", exact=True).fill(username)
    await page.get_by_label("密码", exact=True).fill(password)
    await page.get_by_role("button", name="登录", exact=True).click()
    await expect(page.get_by_role("heading", name=f"您好，{username}")).to_be_visible()


async def assert_fits(page: Page) -> None:
    """Nothing on the page makes it wider than the screen. A phone lays a page out 980 px
    wide without ``<meta name="viewport" content="width=device-width">``, and widens its
    layout to fit content that overflows, so either shows as a width above the screen's."""
    viewport = page.viewport_size
    assert viewport is not None
    laid_out = await page.evaluate(
        "Math.max(window.innerWidth, document.documentElement.scrollWidth)"
    )
    assert laid_out <= viewport["width"], (
        f"{page.url} is {laid_out} px wide on a {viewport['width']} px screen"
        " (content too wide, or no viewport meta tag)"
    )


Shoot = Callable[[Page, str], Awaitable[Path]]


@pytest.fixture
def shoot(tmp_path: Path) -> Shoot:
    """``await shoot(page, "queue-phone")``: the whole page as a PNG, into docs/screenshots/
    with TOWNSHIP_SCREENSHOTS=1 (the committed ones the README and the help page show),
    otherwise into tmp_path, so an ordinary run leaves the tree as it was."""

    async def take(page: Page, name: str) -> Path:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name), f"name {name!r}: a-z, 0-9 and -"
        refresh = os.environ.get("TOWNSHIP_SCREENSHOTS") == "1"
        folder = SCREENSHOTS if refresh else tmp_path / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.png"
        await page.screenshot(path=path, full_page=True)
        return path

    return take

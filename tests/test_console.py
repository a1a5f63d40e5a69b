"""The staff console over HTTP as a browser speaks it: cookies, forms and redirects. (The
same pages in a real Chromium: tests/test_console_browser.py.)"""

from __future__ import annotations

import asyncio
import hashlib
import html
import re
import time
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import ClientResponse
from yarl import URL

from bot import keys
from storage import staff
from storage.db import use
from storage.models import AuditEntry, FailedLogin, Staff, Ticket, TicketEvent
from tests import own_postgres
from tests.conftest import Desk, DeskFactory, FakeWeChat
from tests.test_database_faults import pg, pg_desk, pushes_to  # noqa: F401 (fixtures)
from tests.test_notices import FAST, PASSWORD
from tests.test_service_desk import FIRST, PHONE, complaint

ROOT = Path(__file__).resolve().parent.parent
SECOND = "oSecond0000000000000000000002"


@pytest.fixture
async def desk(make_desk: DeskFactory) -> Desk:
    made: Desk = await make_desk(outbox=FAST)
    return made


_open: list[aiohttp.ClientSession] = []


@pytest.fixture(autouse=True)
async def _close_browsers() -> AsyncIterator[None]:
    yield
    while _open:
        await _open.pop().close()


class Browser:
    """One browser's cookie jar against the desk: what a person at the console does."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.client = aiohttp.ClientSession(
            base_url=desk.client.make_url("/"), cookie_jar=aiohttp.CookieJar(unsafe=True)
        )
        _open.append(self.client)
        self.csrf = ""

    async def get(self, path: str, **kw: Any) -> tuple[int, str]:
        resp = await self.client.get(path, allow_redirects=kw.pop("follow", True), **kw)
        return resp.status, await self._read(resp)

    async def post(self, path: str, data: dict[str, Any], **kw: Any) -> tuple[int, str]:
        if "csrf" not in data and kw.pop("with_csrf", True):
            data = {**data, "csrf": self.csrf}
        resp = await self.client.post(path, data=data, allow_redirects=kw.pop("follow", True), **kw)
        return resp.status, await self._read(resp)

    async def _read(self, resp: ClientResponse) -> str:
        text = await resp.text()
        found = re.search(r'name="csrf" value="([^"]+)"', text)
        if found:
            self.csrf = found.group(1)
        return text

    async def sign_in(self, username: str, password: str = PASSWORD) -> tuple[int, str]:
        status, page = await self.get("/console/login")
        assert status == 200, page
        pre = re.search(r'name="pre" value="([^"]+)"', page)
        assert pre is not None
        return await self.post(
            "/console/login",
            {"pre": pre.group(1), "username": username, "password": password, "next": ""},
            with_csrf=False,
        )

    def cookie(self) -> str | None:
        for morsel in self.client.cookie_jar:
            if morsel.key == "township_console":
                return morsel.value
        return None


async def account(desk: Desk, username: str, role: str = "township_staff", **kw: Any) -> None:
    township = kw.get("township", "桑园镇" if role in ("township_staff", "supervisor") else None)
    unit = kw.get("unit", "县民政局" if role == "department_handler" else None)
    with use(desk.app[keys.DATABASE]):
        await staff.add(username, role, PASSWORD, township, unit)


async def signed_in(
    desk: Desk, username: str = "sangyuan", role: str = "township_staff"
) -> Browser:
    await account(desk, username, role)
    browser = Browser(desk)
    status, page = await browser.sign_in(username)
    assert status == 200 and "工作台" in page, page
    return browser


def text_of(page: str) -> str:
    """What a person reads: the page without its markup."""
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


async def test_signing_in_gives_a_fresh_http_only_lax_cookie_and_a_home_page(desk: Desk) -> None:
    browser = Browser(desk)
    status, page = await browser.get("/console/tickets")
    assert status == 200 and "工作人员登录" in page  # sent to sign in first
    await account(desk, "sangyuan")
    # A session id planted beforehand (by someone at this desk, or a link) is never kept.
    browser.client.cookie_jar.update_cookies(
        {"township_console": "planted"}, desk.client.make_url("/console")
    )
    _, page = await browser.get("/console/login?next=/console/tickets")
    pre = re.search(r'name="pre" value="([^"]+)"', page)
    assert pre is not None
    resp = await browser.client.post(
        "/console/login",
        data={
            "pre": pre.group(1),
            "username": "sangyuan",
            "password": PASSWORD,
            "next": "/console/tickets",
        },
        allow_redirects=False,
    )
    assert resp.status == 303 and resp.headers["Location"] == "/console/tickets"
    cookie = resp.headers["Set-Cookie"]
    assert "township_console=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Path=/console" in cookie and "Secure" not in cookie  # served over http here
    assert browser.cookie() not in (None, "planted")
    status, page = await browser.get("/console")
    words = text_of(page)
    assert status == 200 and "待受理" in words and "即将到期" in words and "已超期" in words
    assert "乡镇工作人员 · 桑园镇" in words
    # Sent elsewhere after signing in? Only to our own pages.
    status, page = await browser.get("/console/login?next=https://evil.example/")
    assert status == 200 and "工作台" in page


async def test_the_cookie_is_secure_when_the_site_is_served_over_https(
    make_desk: DeskFactory,
) -> None:
    desk = await make_desk(console={"https": True})
    await account(desk, "sangyuan")
    browser = Browser(desk)
    _, page = await browser.get("/console/login")
    pre = re.search(r'name="pre" value="([^"]+)"', page)
    assert pre is not None
    resp = await browser.client.post(
        "/console/login",
        data={"pre": pre.group(1), "username": "sangyuan", "password": PASSWORD},
        allow_redirects=False,
    )
    assert resp.status == 303 and "Secure" in resp.headers["Set-Cookie"]


async def test_a_wrong_password_is_said_plainly_and_repeated_ones_are_slowed(desk: Desk) -> None:
    await account(desk, "sangyuan")
    browser = Browser(desk)
    status, page = await browser.sign_in("sangyuan", "wrong-password")
    assert status == 401 and "用户名或密码不对" in text_of(page)
    assert browser.cookie() is None
    for _ in range(5):
        status, page = await browser.sign_in("sangyuan", "wrong-password")
    assert status == 429 and "秒后再试" in text_of(page)
    with use(desk.app[keys.DATABASE]):
        assert await FailedLogin.filter(username="sangyuan").count() >= 6


async def test_a_sign_in_not_posted_from_our_own_form_is_refused(desk: Desk) -> None:
    await account(desk, "sangyuan")
    resp = await desk.client.post(
        "/console/login",
        data={"pre": "forged", "username": "sangyuan", "password": PASSWORD},
        allow_redirects=False,
    )
    assert resp.status == 403 and "township_console=" not in resp.headers.get("Set-Cookie", "")


async def test_a_ticket_made_on_wechat_is_worked_through_the_console_forms(
    desk: Desk, wechat: FakeWeChat
) -> None:
    number = await complaint(desk)
    await account(desk, "minzheng", "department_handler")
    township = await signed_in(desk)
    _, page = await township.get("/console")
    found = re.findall(r'class="count">(\d+)</span><span class="label">([^<]+)<', page)
    figures = {label: int(count) for count, label in found}
    # A new request has one working day to be accepted (首问负责): due soon at once.
    assert figures == {
        "待受理": 1,
        "办理中": 0,
        "即将到期": 1,
        "已超期": 0,
        "待审批延期": 0,
        "待反馈督办": 0,
    }
    assert 'href="/console/tickets?status=submitted"' in page
    status, page = await township.get("/console/tickets?status=submitted")
    assert status == 200 and number in page and "村东头垃圾" not in page  # list: titles only
    status, page = await township.get(f"/console/tickets/{number}")
    words = text_of(page)
    assert "村东头垃圾堆了半个月没人清理" in words and "桑园镇东街" in words
    assert PHONE in words  # township staff work it: the contact whole, and audited
    assert 'action="/console/tickets/' + number + '/accept"' in page
    status, page = await township.post(f"/console/tickets/{number}/accept", {"note": ""})
    assert status == 200 and "已受理。" in text_of(page)
    status, page = await township.post(
        f"/console/tickets/{number}/assign", {"unit": "县民政局", "handler": "minzheng"}
    )
    assert status == 200 and "已转办。" in text_of(page)
    # The rules' refusal, said on the page: accepting twice.
    status, page = await township.post(f"/console/tickets/{number}/accept", {"note": ""})
    assert status == 409 and "不能受理" in text_of(page)
    handler = Browser(desk)
    await handler.sign_in("minzheng")
    status, page = await handler.get(f"/console/tickets/{number}")
    assert status == 200 and "/accept" not in page and "/reply" in page  # no accept button
    status, page = await handler.post(
        f"/console/tickets/{number}/request-extension", {"days": "3", "reason": "需要补材料"}
    )
    # The timeline in plain words: who (群众 for the resident), what, and the extension's
    # days with its reason, not the codes they are stored as.
    timeline = " ".join(text_of(page).split("办理经过")[-1].split())
    assert status == 200 and "提交 群众" in timeline and "3个工作日：需要补材料" in timeline
    assert "submit" not in timeline and "resident" not in timeline and "3|" not in timeline
    status, page = await handler.post(f"/console/tickets/{number}/reply", {"text": "明天派车清运"})
    assert status == 200 and "已回复。" in text_of(page)
    status, page = await handler.post(f"/console/tickets/{number}/resolve", {"result": "已清运"})
    assert status == 200 and "已办结" in text_of(page)
    with use(desk.app[keys.DATABASE]):
        ticket = await Ticket.get(number=number)
        assert ticket.status == "resolved" and ticket.result == "已清运"
        events = await TicketEvent.filter(ticket=ticket).order_by("id")
        assert [e.action for e in events][-5:] == [
            "accept",
            "assign",
            "request-extension",
            "reply",
            "resolve",
        ]
        views = await AuditEntry.filter(ticket=ticket, action="view_contact").count()
        assert views >= 2
    # The resident heard of each step.
    assert await pushes_to(wechat, FIRST, "明天派车清运", 1) == 1
    assert await pushes_to(wechat, FIRST, "已清运", 1) == 1


async def test_a_form_without_its_csrf_token_is_403_and_changes_nothing(desk: Desk) -> None:
    number = await complaint(desk)
    browser = await signed_in(desk)
    for token in ("", "forged-token"):
        status, page = await browser.post(
            f"/console/tickets/{number}/accept", {"note": "", "csrf": token}
        )
        assert status == 403 and "操作没有执行" in text_of(page)
    with use(desk.app[keys.DATABASE]):
        assert (await Ticket.get(number=number)).status == "submitted"
    # Another session's token is not this one's.
    other = await signed_in(desk, "sangyuan2")
    await other.get("/console")
    status, _ = await browser.post(
        f"/console/tickets/{number}/accept", {"note": "", "csrf": other.csrf}
    )
    assert status == 403


async def test_a_resident_s_words_are_shown_as_text_never_as_markup(desk: Desk) -> None:
    attack = (
        '<script>alert(1)</script><img src=x onerror="alert(2)">'
        '<a href="javascript:alert(3)">点</a>'
    )
    await desk.say("反映问题", openid=SECOND)
    await desk.say("投诉", openid=SECOND)
    await desk.say("环境卫生", openid=SECOND)
    await desk.say(attack, openid=SECOND)
    for answer in ("同意", "王五", PHONE, "桑园镇", "1"):
        await desk.say(answer, openid=SECOND)
    await desk.say("跳过", openid=SECOND)
    done = await desk.say("确认", openid=SECOND)
    assert done is not None and "受理编号" in done, done
    number = done.split("受理编号：")[1][:13]
    browser = await signed_in(desk)
    for path in (f"/console/tickets/{number}", "/console/tickets"):
        status, page = await browser.get(path)
        assert status == 200
        assert "<script>alert" not in page and "<img src=x" not in page
        assert 'href="javascript:' not in page
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        or "&lt;script&gt;" in (await browser.get(f"/console/tickets/{number}"))[1]
    )


async def test_another_township_s_ticket_looks_like_no_ticket_at_all(desk: Desk) -> None:
    number = await complaint(desk)
    await account(desk, "tiecheng", township="铁城镇")
    other = Browser(desk)
    await other.sign_in("tiecheng")
    theirs = await other.get(f"/console/tickets/{number}")
    nothing = await other.get("/console/tickets/20990101-0001")
    tampered = await other.get("/console/tickets/..%2F..%2Fetc")
    assert theirs[0] == nothing[0] == 404 and tampered[0] == 404
    assert text_of(theirs[1]) == text_of(nothing[1])
    status, page = await other.post(f"/console/tickets/{number}/accept", {"note": ""})
    assert status == 404
    status, page = await other.get("/console/tickets")
    assert number not in page
    with use(desk.app[keys.DATABASE]):
        assert (await Ticket.get(number=number)).status == "submitted"
        assert not await AuditEntry.filter(action="view_contact").exists()


async def test_a_guessed_attachment_and_a_tampered_filter_get_a_clear_page(desk: Desk) -> None:
    number = await complaint(desk)
    browser = await signed_in(desk)
    for guess in ("1", "999999", "99999999999999999999999", "x"):
        status, page = await browser.get(f"/console/tickets/{number}/files/{guess}")
        assert status == 404 and "没有找到" in text_of(page)
    for query in ("status=nonsense", "kind=<b>", "from=2026-13-01", "before=-1", "limit=x"):
        status, page = await browser.get(f"/console/tickets?{query}")
        assert status == 400 and 'class="error"' in page, query
        assert "<b>" not in page
    status, page = await browser.get("/console/tickets?status=open&status=closed")
    assert status == 400 and "status" in text_of(page)


async def test_a_session_ends_after_its_idle_time_and_after_its_absolute_time(
    desk: Desk,
) -> None:
    browser = await signed_in(desk)
    desk.clock.advance(minutes=119)
    assert "工作台" in (await browser.get("/console"))[1]
    desk.clock.advance(minutes=119)  # used a moment ago: still fine
    assert "工作台" in (await browser.get("/console"))[1]
    desk.clock.advance(minutes=121)
    _, page = await browser.get("/console")
    assert "登录已过期" in text_of(page) and "工作人员登录" in page
    # Absolute: kept busy, it still ends twelve hours after signing in.
    browser = await signed_in(desk, "sangyuan2")
    for _ in range(12):
        desk.clock.advance(minutes=61)
        _, page = await browser.get("/console")
    assert "登录已过期" in text_of(page)


async def test_signing_out_ends_the_session_for_that_cookie_everywhere(desk: Desk) -> None:
    browser = await signed_in(desk)
    cookie = browser.cookie()
    status, page = await browser.post("/console/logout", {})
    assert status == 200 and "您已退出" in text_of(page)
    again = Browser(desk)
    resp = await again.client.get(
        "/console", headers={"Cookie": f"township_console={cookie}"}, allow_redirects=False
    )
    assert resp.status == 303


async def test_a_disabled_account_is_signed_out_at_its_next_click(desk: Desk) -> None:
    browser = await signed_in(desk)
    with use(desk.app[keys.DATABASE]):
        await Staff.filter(username="sangyuan").update(active=False)
    _, page = await browser.get("/console/tickets")
    assert "工作人员登录" in page and "工单" not in text_of(page).split("工作人员登录")[0]


async def test_the_api_never_takes_the_console_s_cookie(desk: Desk) -> None:
    browser = await signed_in(desk)
    resp = await desk.client.get(
        "/api/v1/tickets", headers={"Cookie": f"township_console={browser.cookie()}"}
    )
    assert resp.status == 401


async def test_an_open_queue_hears_of_a_new_ticket_by_itself(make_desk: DeskFactory) -> None:
    # Told at once, not at the next look: that is a minute away here.
    desk = await make_desk(outbox=FAST, console={"live_seconds": 60})
    browser = await signed_in(desk)
    status, page = await browser.get("/console/tickets")
    newest = re.search(r'data-newest="(\d+)"', page)
    assert newest is not None
    resp = await browser.client.get(f"/console/live?after={newest.group(1)}")
    assert resp.status == 200 and resp.headers["Content-Type"] == "text/event-stream"

    async def next_event() -> str:
        while True:
            line = (await resp.content.readline()).decode()
            if line.startswith("event: "):
                return line.removeprefix("event: ").strip()

    arrived = asyncio.create_task(next_event())
    number = await complaint(desk)
    assert await asyncio.wait_for(arrived, 10) == "tickets"
    resp.close()
    status, rows = await browser.get(f"/console/tickets/rows?after={newest.group(1)}")
    assert status == 200 and number in rows


async def test_the_vendored_htmx_is_the_one_its_digest_names(desk: Desk) -> None:
    static = ROOT / "bot" / "console" / "static"
    listed = (static / "VENDORED.md").read_text()
    name, digest = re.search(r"`(htmx-[0-9.]+\.min\.js)`.*`([0-9a-f]{64})`", listed).groups()  # type: ignore[union-attr]
    assert hashlib.sha256((static / name).read_bytes()).hexdigest() == digest
    browser = await signed_in(desk)
    _, page = await browser.get("/console")
    src = re.search(r'<script src="([^"]*htmx[^"]*)"', page)
    assert src is not None and name in src.group(1)
    resp = await browser.client.get(str(URL(src.group(1))))
    assert resp.status == 200 and len(await resp.read()) > 40_000


@pytest.mark.skipif(own_postgres.binaries() is None, reason="PostgreSQL is not installed")
async def test_a_page_asked_for_while_the_database_is_stuck_is_a_plain_503_in_time(
    pg_desk: Desk,  # noqa: F811 (the fixtures imported above)
    pg: own_postgres.OwnPostgres,  # noqa: F811
) -> None:
    browser = await signed_in(pg_desk)
    pg.freeze()
    began = time.monotonic()
    resp = await browser.client.get("/console/tickets")
    page = await resp.text()
    assert resp.status == 503 and resp.headers["Retry-After"] == "5"
    assert time.monotonic() - began < 3.5
    assert "系统暂时忙" in page and resp.content_type == "text/html"
    pg.thaw()
    loop = asyncio.get_running_loop()
    end = loop.time() + 20
    while (status := (await browser.get("/console/tickets"))[0]) != 200:
        assert status == 503 and loop.time() < end
        await asyncio.sleep(0.2)


async def test_deadlines_show_their_colour_and_filter_the_queue(desk: Desk) -> None:
    number = await complaint(desk)
    browser = await signed_in(desk)
    await browser.post(f"/console/tickets/{number}/accept", {"note": ""})
    with use(desk.app[keys.DATABASE]):
        due = (await Ticket.get(number=number)).due_on
    assert due is not None

    async def row_state() -> str:
        _, page = await browser.get("/console/tickets")
        found = re.search(rf'<li class="ticket (\w+)[^"]*" data-id="{number}"', page)
        assert found is not None, page
        return found.group(1)

    async def listed(query: str) -> bool:
        _, page = await browser.get(f"/console/tickets?{query}")
        return number in page

    assert await row_state() == "normal"  # five working days left
    assert not await listed("due_soon=true") and not await listed("overdue=true")
    today = desk.clock().date()
    desk.clock.advance(days=(due - today).days)  # its last day
    await browser.sign_in("sangyuan")
    assert await row_state() == "due_soon"
    assert await listed("due_soon=true") and not await listed("overdue=true")
    desk.clock.advance(days=1)
    await browser.sign_in("sangyuan")
    assert await row_state() == "overdue"
    assert await listed("overdue=true") and not await listed("due_soon=true")
    _, page = await browser.get("/console")
    assert re.search(r'class="count">1</span><span class="label">已超期<', page)


class Controls(HTMLParser):
    """The form controls of a page and the labels that name them."""

    def __init__(self) -> None:
        super().__init__()
        self.unnamed: list[str] = []
        self.labelled: set[str] = set()
        self.ids: list[str] = []
        self.inside_label = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "label":
            self.inside_label += 1
            if a.get("for"):
                self.labelled.add(a["for"] or "")
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            if a.get("aria-label") or self.inside_label:  # named, or inside its label
                return
            if not a.get("id"):
                self.unnamed.append(f"<{tag} name={a.get('name')}>")
            else:
                self.ids.append(a["id"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.inside_label -= 1

    def missing(self) -> list[str]:
        return self.unnamed + [i for i in self.ids if i not in self.labelled]


async def test_every_form_control_on_the_pages_has_a_label(desk: Desk) -> None:
    number = await complaint(desk)
    browser = await signed_in(desk, "county", "county_admin")
    pages = ("/console", "/console/tickets", f"/console/tickets/{number}", "/console/help")
    more = ("/console/notices", "/console/notices/new", "/console/grids", "/console/catalog")
    admin = ("/console/staff", "/console/templates", "/console/holidays")
    for path in (*pages, *more, *admin):
        status, page = await browser.get(path)
        assert status == 200, path
        controls = Controls()
        controls.feed(page)
        assert not controls.missing(), (path, controls.missing())
    _, page = await Browser(desk).get("/console/login")
    controls = Controls()
    controls.feed(page)
    assert not controls.missing()

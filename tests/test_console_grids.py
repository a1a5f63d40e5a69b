"""网格 in the console over HTTP as a browser speaks it: an invite printed with its QR code
and used by a worker through the webhook, unbinding, another township's grids, and the
visit ledger masked as the API masks it."""

from __future__ import annotations

import io
import re
from xml.etree import ElementTree

import segno

from bot import keys
from bot.console.grids import QR, QR_IMAGE
from storage.db import use
from storage.models import AuditEntry, Grid, GridInvite, GridWorker
from tests.conftest import Desk
from tests.test_console import Browser, _close_browsers, account, desk, signed_in, text_of

__all__ = ["_close_browsers", "desk"]  # fixtures shared with tests/test_console.py

WORKER = "oGridWorker00000000000000001"


async def grid_id(desk: Desk, township: str = "桑园镇", village: str = "东街社区") -> int:
    with use(desk.app[keys.DATABASE]):
        grid = await Grid.get(township__name=township, village__name=village)
    return grid.id


async def issued(browser: Browser, grid: int) -> tuple[str, str]:
    """An invite issued through the grid page's form: its page's address and its code."""
    status, page = await browser.get(f"/console/grids/{grid}")
    assert status == 200 and f'action="/console/grids/{grid}/invites"' in page
    resp = await browser.client.post(
        f"/console/grids/{grid}/invites", data={"csrf": browser.csrf}, allow_redirects=False
    )
    assert resp.status == 303
    address = resp.headers["Location"]
    assert re.fullmatch(rf"/console/grids/{grid}/invites/[0-9]+", address)
    status, page = await browser.get(address)
    assert status == 200, page
    found = re.search(r'class="invite-code">.*?<strong>([0-9]{6})</strong>', page, re.S)
    assert found is not None
    return address, found.group(1)


def qr_of(text: str, kind: str) -> bytes:
    out = io.BytesIO()
    segno.make(text, **QR).save(out, kind=kind, **QR_IMAGE[kind])
    return out.getvalue()


async def test_a_clerk_prints_an_invite_a_worker_binds_with_it_and_unbinding_ends_it(
    desk: Desk,
) -> None:
    clerk = await signed_in(desk)
    grid = await grid_id(desk)
    status, page = await clerk.get("/console/grids")
    assert status == 200 and "东街社区网格" in text_of(page) and "铁城镇" not in text_of(page)
    address, code = await issued(clerk, grid)
    assert code not in address  # named by its id: the code stays out of history and logs
    _, page = await clerk.get(address)
    words = text_of(page)
    assert "东街社区网格" in words and f"绑定 {code}" in words and "72小时内有效" in words
    assert f'src="{address}/qr.svg"' in page
    with use(desk.app[keys.DATABASE]):
        assert (await GridInvite.get(code=code)).grid_id == grid
    # The QR code says what the worker sends the account.
    svg = await clerk.client.get(f"{address}/qr.svg")
    assert svg.status == 200 and svg.content_type == "image/svg+xml"
    drawn = await svg.read()
    assert ElementTree.fromstring(drawn).tag.endswith("svg")
    assert drawn == qr_of(f"绑定 {code}", "svg")
    png = await clerk.client.get(f"{address}/qr.png")
    assert png.status == 200 and png.content_type == "image/png"
    picture = await png.read()
    assert picture.startswith(b"\x89PNG\r\n\x1a\n") and picture == qr_of(f"绑定 {code}", "png")
    # The worker sends it through the webhook and is bound.
    reply = await desk.say(f"绑定 {code}", openid=WORKER)
    assert reply is not None and reply.startswith("绑定成功！您现在是“东街社区网格”的网格员")
    status, _ = await clerk.get(address)
    assert status == 404  # used: nothing left to print
    assert (await clerk.client.get(f"{address}/qr.svg")).status == 404
    _, page = await clerk.get(f"/console/grids/{grid}")
    unbind = re.search(rf'action="(/console/grids/{grid}/workers/[0-9]+/unbind)"', page)
    assert unbind is not None and "解除" in text_of(page)
    status, page = await clerk.post(unbind.group(1), {})
    assert status == 200 and "已解除绑定" in text_of(page)
    with use(desk.app[keys.DATABASE]):
        assert not await GridWorker.filter(grid_id=grid, unbound_at__isnull=True).exists()
    reply = await desk.say("菜单", openid=WORKER)
    assert reply is not None and "网格员菜单" not in reply


async def test_another_township_s_grid_is_the_same_404_as_a_missing_one(desk: Desk) -> None:
    clerk = await signed_in(desk)
    await account(desk, "tiecheng", township="铁城镇")
    theirs = Browser(desk)
    await theirs.sign_in("tiecheng")
    other = await grid_id(desk, "铁城镇", (await _a_village(desk, "铁城镇")))
    address, _ = await issued(theirs, other)
    missing_status, missing = await clerk.get("/console/grids/999999")
    assert missing_status == 404
    for path in (
        f"/console/grids/{other}",
        f"/console/grids/{other}/visits",
        address,
        f"{address}/qr.svg",
        "/console/grids/not-a-number",
    ):
        status, page = await clerk.get(path)
        assert status == 404 and text_of(page) == text_of(missing), path
    with use(desk.app[keys.DATABASE]):
        before = await GridInvite.filter(grid_id=other).count()
    status, page = await clerk.post(f"/console/grids/{other}/invites", {})
    assert status == 404 and "不在您的管辖范围内" in text_of(page)
    with use(desk.app[keys.DATABASE]):
        assert await GridInvite.filter(grid_id=other).count() == before


async def _a_village(desk: Desk, township: str) -> str:
    with use(desk.app[keys.DATABASE]):
        grid = await Grid.filter(township__name=township, village_id__not_isnull=True).first()
        assert grid is not None
        await grid.fetch_related("village")
        assert grid.village is not None
        return grid.village.name


async def test_the_visit_ledger_is_masked_as_in_the_api(desk: Desk) -> None:
    clerk = await signed_in(desk)
    grid = await grid_id(desk)
    _, code = await issued(clerk, grid)
    await desk.say(f"绑定 {code}", openid=WORKER)
    for said in ("走访登记", "留守儿童", "王小明", "昨天", "跟奶奶住，作业没人辅导", "有哮喘"):
        await desk.say(said, openid=WORKER)
    await desk.say("不需要", openid=WORKER)
    saved = await desk.say("确认", openid=WORKER)
    assert saved is not None and saved.startswith("走访已登记")
    status, page = await clerk.get(f"/console/grids/{grid}/visits")
    words = text_of(page)
    assert status == 200 and "王小明" in words and "有哮喘" in words and "跟奶奶住" in words
    county = await signed_in(desk, "county", "county_admin")
    status, page = await county.get(f"/console/grids/{grid}/visits")
    words = text_of(page)
    assert status == 200 and "王**" in words and "王小明" not in words
    assert "有哮喘" not in words and "仅本乡镇工作人员可见" in words
    with use(desk.app[keys.DATABASE]):
        assert await AuditEntry.filter(action="view_visits").count() == 1
        assert await AuditEntry.filter(action="view_visits_masked").count() == 1


async def test_grid_forms_without_their_csrf_token_are_403_and_change_nothing(
    desk: Desk,
) -> None:
    clerk = await signed_in(desk)
    grid = await grid_id(desk)
    _, code = await issued(clerk, grid)
    await desk.say(f"绑定 {code}", openid=WORKER)
    with use(desk.app[keys.DATABASE]):
        invites = await GridInvite.filter(grid_id=grid).count()
        worker = await GridWorker.get(grid_id=grid, unbound_at__isnull=True)
    for token in ("", "forged-token"):
        status, page = await clerk.post(f"/console/grids/{grid}/invites", {"csrf": token})
        assert status == 403 and "操作没有执行" in text_of(page)
        status, _ = await clerk.post(
            f"/console/grids/{grid}/workers/{worker.id}/unbind", {"csrf": token}
        )
        assert status == 403
    with use(desk.app[keys.DATABASE]):
        assert await GridInvite.filter(grid_id=grid).count() == invites
        assert await GridWorker.filter(id=worker.id, unbound_at__isnull=True).exists()


async def test_who_sees_the_grid_pages_and_who_may_change_them(desk: Desk) -> None:
    supervisor = await signed_in(desk, "duban", "supervisor")
    grid = await grid_id(desk)
    _, page = await supervisor.get("/console")
    assert 'href="/console/grids"' in page
    status, page = await supervisor.get(f"/console/grids/{grid}")
    assert status == 200 and "/invites" not in page  # reads, no invite form
    status, page = await supervisor.post(f"/console/grids/{grid}/invites", {})
    assert status == 403
    with use(desk.app[keys.DATABASE]):
        assert not await GridInvite.filter(grid_id=grid).exists()
    handler = await signed_in(desk, "minzheng", "department_handler")
    _, page = await handler.get("/console")
    assert 'href="/console/grids"' not in page
    status, page = await handler.get(f"/console/grids/{grid}")
    assert status == 404

"""通知公告 in the console, over HTTP as a browser speaks it: a clerk drafts, publishes and
reads the delivery report; jurisdiction, roles, CSRF, markup and bad input as the API
has them, said on the page."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from bot import keys
from storage.db import use
from storage.models import Delivery, Notice
from tests.conftest import APPID, Desk, DeskFactory, FakeWeChat
from tests.test_console import Browser, account, signed_in, text_of
from tests.test_console import _close_browsers as _close_browsers  # autouse: browsers closed
from tests.test_notices import (
    NOTICE,
    draft,
    fast_desk,
    households,
    receivers,
    token_for,
    until_settled,
)

FORM = {
    "title": NOTICE["title"],
    "body": NOTICE["body"],
    "area": "announcement",
    "scope": "township",
    "township": "桑园镇",
    "village": "",
    "link": "",
    "scheduled_at": "",
}


async def notice_count(desk: Desk) -> int:
    with use(desk.app[keys.DATABASE]):
        return await Notice.all().count()


def notice_id_in(page: str) -> int:
    found = re.search(r'action="/console/notices/(\d+)/publish"', page)
    assert found is not None, page
    return int(found.group(1))


async def county_token(desk: Desk) -> dict[str, str]:
    """A county admin's account ("county"), and its API token."""
    await account(desk, "county", "county_admin")
    return await token_for(desk, "county")


def forms_in(page: str) -> set[str]:
    """The notice actions a page offers, by their forms."""
    return set(re.findall(r'action="/console/notices/\d+/(\w+)"', page))


async def test_a_clerk_drafts_publishes_and_reads_who_was_reached(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    desk = await fast_desk(make_desk)
    wanted = await households(desk, 6)
    await households(desk, 3, township="铁城镇")
    clerk = await signed_in(desk)
    status, page = await clerk.get("/console")
    assert 'href="/console/notices"' in page  # in the menu
    status, page = await clerk.get("/console/notices")
    assert status == 200 and 'href="/console/notices/new"' in page
    status, page = await clerk.get("/console/notices/new")
    assert status == 200
    # A township's clerk is offered their township and its villages, never the county.
    assert 'value="township"' in page and 'value="county"' not in page
    assert "<option>桑园镇</option>" in page and "铁城镇" not in page
    # Every control labelled.
    for control in re.findall(r'<(?:input|select|textarea) id="([^"]+)"', page):
        assert f'<label for="{control}">' in page, control
    assert len(re.findall(r'<(?:input|select|textarea) id="n-', page)) == 8
    status, page = await clerk.post("/console/notices", FORM)
    assert status == 200 and "草稿已保存" in text_of(page)
    notice = notice_id_in(page)
    assert forms_in(page) == {"publish"}  # a draft is published, nothing else
    assert "送达情况" not in page
    status, page = await clerk.post(f"/console/notices/{notice}/publish", {})
    assert status == 200 and "已发布，正在推送" in text_of(page)
    assert forms_in(page) == {"retract"}
    await until_settled(desk, await token_for(desk, "sangyuan"), notice)
    assert sorted(receivers(wechat)) == sorted(wanted)
    status, page = await clerk.get(f"/console/notices/{notice}")
    assert status == 200
    reached = re.search(r'<span class="count" id="reached-total">(\d+)</span>', page)
    assert reached is not None and reached.group(1) == "6"
    assert "<td>模板消息</td><td>6</td>" in page and "没有未送达的" in text_of(page)
    # The chart: inline SVG, one bar per time bucket, no style attribute (the CSP).
    svg = re.search(r"<svg .*?</svg>", page, re.S)
    assert svg is not None and 'class="bar"' in svg.group(0)
    assert "6 户" in svg.group(0) and "style=" not in page
    # Retracted, it offers nothing more.
    status, page = await clerk.post(f"/console/notices/{notice}/retract", {})
    assert status == 200 and "已撤回" in text_of(page) and forms_in(page) == set()
    # Published twice: the rule's refusal is said on the page, nothing changes.
    status, page = await clerk.post(f"/console/notices/{notice}/publish", {})
    assert status == 409 and "已撤回的通知不能再发布" in text_of(page)
    status, page = await clerk.get("/console/notices")
    assert NOTICE["title"] in page and "已撤回" in text_of(page)


async def test_the_report_counts_sends_over_time_for_the_api_and_the_console(
    make_desk: DeskFactory,
) -> None:
    desk = await fast_desk(make_desk)
    auth = await county_token(desk)
    notice = await draft(desk, auth)
    start = desk.clock().replace(minute=0, second=0, microsecond=0)
    # Sends at 0, 0, 2 and 7 minutes past: one-minute buckets, the empty ones counted.
    with use(desk.app[keys.DATABASE]):
        for n, minutes in enumerate((0, 0, 2, 7)):
            await Delivery.create(
                key=f"notice:{notice['id']}|o{n}|template",
                source=f"notice:{notice['id']}",
                appid=APPID,
                openid=f"oHousehold{n:020d}",
                channel="template",
                payload={},
                state="sent",
                sent_at=start + timedelta(minutes=minutes, seconds=10),
                next_attempt_at=start,
            )
    resp = await desk.client.get(f"/api/v1/notices/{notice['id']}/report", headers=auth)
    over_time = (await resp.json())["over_time"]
    assert over_time["bucket_seconds"] == 60
    assert [b["sent"] for b in over_time["buckets"]] == [2, 0, 1, 0, 0, 0, 0, 1]
    first = over_time["buckets"][0]["start"]
    assert first.endswith("+08:00") and first[14:19] == "00:00"
    clerk = Browser(desk)
    await clerk.sign_in("county")
    with use(desk.app[keys.DATABASE]):  # the chart is drawn for what went out
        await Notice.filter(id=notice["id"]).update(state="published")
    status, page = await clerk.get(f"/console/notices/{notice['id']}")
    assert status == 200 and len(re.findall(r'<rect class="bar"', page)) == 8
    assert "每1分钟发出的户数" in text_of(page)


async def test_a_clerk_cannot_write_for_another_township_or_the_county(desk: Desk) -> None:
    clerk = await signed_in(desk)
    for change in ({"township": "铁城镇"}, {"scope": "county"}):
        status, page = await clerk.post("/console/notices", {**FORM, **change})
        assert status == 403 and "只能发布本辖区（桑园镇）的通知" in text_of(page)
        assert NOTICE["title"] in page  # what was typed is still there
    assert await notice_count(desk) == 0
    # The county's notice for 铁城镇 is not theirs to see, let alone publish.
    county = await signed_in(desk, "county", "county_admin")
    _, page = await county.post("/console/notices", {**FORM, "township": "铁城镇"})
    theirs = notice_id_in(page)
    for path in (f"/console/notices/{theirs}", "/console/notices/99999"):
        status, page = await clerk.get(path)
        assert status == 404 and "没有找到这条通知" in text_of(page)
    status, page = await clerk.post(f"/console/notices/{theirs}/publish", {})
    assert status == 404
    _, page = await clerk.get("/console/notices")
    assert f"/console/notices/{theirs}" not in page
    with use(desk.app[keys.DATABASE]):
        assert (await Notice.get(id=theirs)).state == "draft"


async def test_a_department_handler_reads_notices_but_is_offered_no_writing(desk: Desk) -> None:
    county = await signed_in(desk, "county", "county_admin")
    _, page = await county.post("/console/notices", {**FORM, "scope": "county"})
    notice = notice_id_in(page)
    handler = await signed_in(desk, "minzheng", "department_handler")
    status, page = await handler.get("/console/notices")
    assert status == 200 and f"/console/notices/{notice}" in page
    assert "/console/notices/new" not in page
    assert "写通知和发布由乡镇工作人员和县管理员负责" in text_of(page)
    status, page = await handler.get(f"/console/notices/{notice}")
    assert status == 200 and forms_in(page) == set()
    status, page = await handler.get("/console/notices/new")
    assert status == 403 and "不能写通知" in text_of(page)
    status, _ = await handler.post("/console/notices", FORM)
    assert status == 403
    status, _ = await handler.post(f"/console/notices/{notice}/publish", {})
    assert status == 403
    assert await notice_count(desk) == 1
    with use(desk.app[keys.DATABASE]):
        assert (await Notice.get(id=notice)).state == "draft"


async def test_a_form_without_its_csrf_token_is_403_and_changes_nothing(desk: Desk) -> None:
    clerk = await signed_in(desk)
    for token in ("", "forged-token"):
        status, page = await clerk.post("/console/notices", {**FORM, "csrf": token})
        assert status == 403 and "操作没有执行" in text_of(page)
    assert await notice_count(desk) == 0
    _, page = await clerk.post("/console/notices", FORM)
    notice = notice_id_in(page)
    for token in ("", "forged-token"):
        status, _ = await clerk.post(f"/console/notices/{notice}/publish", {"csrf": token})
        assert status == 403
    with use(desk.app[keys.DATABASE]):
        assert (await Notice.get(id=notice)).state == "draft"


async def test_a_title_with_markup_is_shown_as_text(desk: Desk) -> None:
    attack = "<script>alert(1)</script>停水"
    clerk = await signed_in(desk)
    _, page = await clerk.post(
        "/console/notices", {**FORM, "title": attack, "body": '<img src=x onerror="alert(2)">'}
    )
    notice = notice_id_in(page)
    for path in (f"/console/notices/{notice}", "/console/notices"):
        status, page = await clerk.get(path)
        assert status == 200 and "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;停水" in page


async def test_bad_input_says_why_beside_the_field_and_keeps_what_was_typed(desk: Desk) -> None:
    clerk = await signed_in(desk)
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"title": "   "}, "title", "标题 不能为空"),
        ({"body": "字" * 5001}, "body", "正文 太长（最多 5000 字）"),
        (
            {"scope": "village", "village": "不存在村"},
            "village",
            "桑园镇没有这个村（社区）：不存在村",
        ),
        ({"scheduled_at": "2020-01-01T08:00"}, "scheduled_at", "定时发布 已经过去了"),
        ({"link": "javascript:alert(1)"}, "link", "原文链接 必须是 http:// 或 https:// 开头的网址"),
    ]
    for change, field, words in cases:
        typed = {**FORM, **change}
        status, page = await clerk.post("/console/notices", typed)
        assert status == 400, (change, text_of(page))
        said = re.search(rf'<p class="error field-error" id="{field}-error">([^<]*)</p>', page)
        assert said is not None and words in said.group(1), (change, said)
        assert f'aria-describedby="{field}-error"' in page
        # What was typed is still there: the title, the body, the village.
        if typed["title"].strip():
            assert f'value="{typed["title"]}"' in page
        assert f">{typed['body']}</textarea>" in page
        if typed["village"]:
            assert f'value="{typed["village"]}"' in page
    assert await notice_count(desk) == 0
    # A village's notice, and a scheduled one, are fine once right.
    when = (desk.clock() + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    status, page = await clerk.post(
        "/console/notices", {**FORM, "scope": "village", "village": "南街村", "scheduled_at": when}
    )
    assert status == 200 and "南街村" in page and when.replace("T", " ") in page


async def test_the_list_is_newest_first_a_page_at_a_time(desk: Desk) -> None:
    auth = await county_token(desk)
    made = [(await draft(desk, auth, title=f"第{i}号通知"))["id"] for i in range(25)]
    clerk = Browser(desk)
    await clerk.sign_in("county")
    status, page = await clerk.get("/console/notices")
    listed = [int(i) for i in re.findall(r'<a href="/console/notices/(\d+)">', page)]
    assert status == 200 and listed == made[::-1][:20]
    more = re.search(r'<a href="([^"]+)" rel="next">', page)
    assert more is not None
    status, page = await clerk.get(more.group(1).replace("&amp;", "&"))
    listed = [int(i) for i in re.findall(r'<a href="/console/notices/(\d+)">', page)]
    assert status == 200 and listed == made[::-1][20:]
    assert 'rel="next"' not in page and "回到第一页" in page
    for tampered in ("before=x", "before=-1", "limit=1000", "sort=id", "before=3&before=9"):
        status, page = await clerk.get(f"/console/notices?{tampered}")
        assert status == 400 and 'class="error"' in page, tampered

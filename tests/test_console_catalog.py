"""办事指南 in the console over HTTP as a browser speaks it: browsing by area, finding items
by the words residents use, and county admins' corrections through the form, checked as
the API's are."""

from __future__ import annotations

import html
import re

from bot import keys
from storage.db import use
from storage.models import ServiceItem
from tests.conftest import Desk
from tests.test_console import _close_browsers, desk, signed_in, text_of

__all__ = ["_close_browsers", "desk"]  # fixtures shared with tests/test_console.py

DIBAO = "SHJZ-001"  # 最低生活保障 in the demo catalog


async def test_everyday_words_find_dibao_and_areas_list_their_items(desk: Desk) -> None:
    clerk = await signed_in(desk)
    _, page = await clerk.get("/console")
    assert 'href="/console/catalog"' in page
    status, page = await clerk.get("/console/catalog?q=家里日子过不下去了，想吃低保")
    assert status == 200 and f'href="/console/catalog/{DIBAO}"' in page
    assert "最低生活保障" in text_of(page)
    status, page = await clerk.get("/console/catalog?q=残疾人补贴怎么申请")
    words = text_of(page)
    assert "困难残疾人生活补贴" in words and "重度残疾人护理补贴" in words
    status, page = await clerk.get("/console/catalog?q=造火箭")
    assert status == 200 and "没有找到和“造火箭”有关的事项" in text_of(page)
    status, page = await clerk.get("/console/catalog?area=社会救助")
    assert status == 200 and "最低生活保障" in text_of(page) and "学生资助" not in text_of(page)
    status, page = await clerk.get("/console/catalog?area=火星")  # a tampered address
    assert status == 400 and "area" in text_of(page)
    status, page = await clerk.get(f"/console/catalog/{DIBAO}")
    words = text_of(page)
    assert status == 200 and "户口簿" in words and "办理时限" in words and "乡镇代办" in words
    assert "县民政局" in words and "上门服务" in words
    status, page = await clerk.get("/console/catalog/NOPE")
    assert status == 404 and "没有找到这个事项" in text_of(page)


async def test_a_township_clerk_reads_the_guide_but_may_not_edit_it(desk: Desk) -> None:
    clerk = await signed_in(desk)
    status, page = await clerk.get(f"/console/catalog/{DIBAO}")
    assert status == 200 and "/edit" not in page and "修改这个事项" not in text_of(page)
    status, page = await clerk.get(f"/console/catalog/{DIBAO}/edit")
    assert status == 403 and 'name="name"' not in page
    # A forged form (the clerk's own CSRF token, the admin's fields) changes nothing.
    status, page = await clerk.post(
        f"/console/catalog/{DIBAO}/edit",
        {"name": "改掉的名字", "area": "社会救助", "summary": "x", "eligibility": "x",
         "materials": "x", "steps": "x", "time_limit_days": "1", "unit": "x", "where": "x"},
    )  # fmt: skip
    assert status == 403 and "没有权限" in text_of(page)
    with use(desk.app[keys.DATABASE]):
        assert (await ServiceItem.get(code=DIBAO)).name == "最低生活保障"


def form_fields(page: str) -> dict[str, str]:
    """The edit form as the page fills it: what a browser would send untouched."""
    fields = {
        name: html.unescape(value)
        for name, value in re.findall(
            r'<input id="i-[^"]+" name="(\w+)"[^>]*? value="([^"]*)"', page
        )
    }
    for name, value in re.findall(
        r'<textarea id="i-[^"]+" name="(\w+)"[^>]*>(.*?)</textarea>', page, re.S
    ):
        fields[name] = html.unescape(value)
    area = re.search(
        r'<select id="i-area" name="area"[^>]*>.*?<option selected>([^<]+)<', page, re.S
    )
    assert area is not None
    fields["area"] = area.group(1)
    fields |= {
        box: "on" for box in ("proxy", "home_visit", "active") if f'name="{box}" checked' in page
    }
    return fields


async def test_a_county_admin_s_edit_says_what_is_wrong_at_the_field_and_keeps_the_words(
    desk: Desk,
) -> None:
    county = await signed_in(desk, "county", "county_admin")
    status, page = await county.get(f"/console/catalog/{DIBAO}")
    assert status == 200 and f'href="/console/catalog/{DIBAO}/edit"' in page
    status, page = await county.get(f"/console/catalog/{DIBAO}/edit")
    assert status == 200
    fields = form_fields(page)
    assert fields["name"] == "最低生活保障" and "吃低保" in fields["aliases"].splitlines()
    typed = {**fields, "name": "  ", "summary": "家里收入低于低保标准的，按月发钱。"}
    status, page = await county.post(f"/console/catalog/{DIBAO}/edit", typed)
    words = text_of(page)
    assert status == 400 and "“事项名称”不能空着" in words
    assert 'aria-invalid="true" aria-describedby="e-name"' in page and 'id="e-name"' in page
    assert form_fields(page)["summary"] == "家里收入低于低保标准的，按月发钱。"  # kept
    for bad, said in (
        ({"time_limit_days": "0"}, "“办理时限（工作日）”请填 1 到 365 之间的整数"),
        ({"time_limit_days": "十天"}, "“办理时限（工作日）”请填 1 到 365 之间的整数"),
        ({"materials": " \n "}, "“要带的材料”至少要有 1 条"),
        ({"where": "很" * 101}, "“在哪办”最多 100 个字"),
        ({"area": "火星"}, "“领域”请从列表里选"),
    ):
        status, page = await county.post(f"/console/catalog/{DIBAO}/edit", {**fields, **bad})
        assert status == 400 and said in text_of(page), bad
    with use(desk.app[keys.DATABASE]):
        item = await ServiceItem.get(code=DIBAO)
        assert item.name == "最低生活保障" and item.time_limit_days != 10
    good = {**fields, "time_limit_days": "10", "aliases": "吃低保\n低保金"}
    status, page = await county.post(f"/console/catalog/{DIBAO}/edit", good)
    assert status == 200 and "已保存" in text_of(page)
    with use(desk.app[keys.DATABASE]):
        item = await ServiceItem.get(code=DIBAO)
        assert item.time_limit_days == 10 and item.aliases == ["吃低保", "低保金"]
        assert item.name == "最低生活保障" and item.active
    guide = await desk.say("低保金怎么领")  # residents read the corrected item
    assert guide is not None and "办理时限：10个工作日" in guide


async def test_an_edit_without_its_csrf_token_is_403_and_changes_nothing(desk: Desk) -> None:
    county = await signed_in(desk, "county", "county_admin")
    _, page = await county.get(f"/console/catalog/{DIBAO}/edit")
    fields = form_fields(page)
    for token in ("", "forged-token"):
        status, page = await county.post(
            f"/console/catalog/{DIBAO}/edit", {**fields, "name": "改掉的名字", "csrf": token}
        )
        assert status == 403 and "操作没有执行" in text_of(page)
    with use(desk.app[keys.DATABASE]):
        assert (await ServiceItem.get(code=DIBAO)).name == "最低生活保障"

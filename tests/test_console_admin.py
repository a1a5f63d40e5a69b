"""The county admin's console pages over HTTP as a browser speaks them: 人员 (accounts),
常用语 (reply templates, and picking one on a ticket), 节假日 (the holiday schedule)."""

from __future__ import annotations

import re

from bot import keys
from storage.db import use
from storage.models import AuditEntry, Ticket
from storage.workdays import known_year
from tests.conftest import Desk, FakeWeChat
from tests.test_console import Browser, _close_browsers, account, desk, signed_in, text_of
from tests.test_database_faults import pushes_to
from tests.test_notices import token_for
from tests.test_service_desk import FIRST, complaint, register_and_apply

__all__ = ["_close_browsers", "desk"]  # the fixtures, imported for these tests
THANKS = "已安排保洁员今天清理，感谢您的反映。"


def _told_password(page: str, username: str) -> str:
    found = re.search(rf"{username} 的密码：(\S+)", text_of(page))
    assert found is not None, text_of(page)
    return found.group(1).rstrip("。")


async def test_a_county_admin_opens_an_account_and_its_password_is_shown_once(desk: Desk) -> None:
    admin = await signed_in(desk, "county", "county_admin")
    status, page = await admin.post(
        "/console/staff",
        {"username": "liuclerk", "role": "township_staff", "township": "桑园镇", "unit": ""},
    )
    assert status == 200 and "账号 liuclerk 已建立" in text_of(page)
    password = _told_password(page, "liuclerk")
    # Shown on that answer only: the list never shows it again.
    _, again = await admin.get("/console/staff")
    assert password not in again and "liuclerk" in again
    clerk = Browser(desk)
    status, page = await clerk.sign_in("liuclerk", password)
    assert status == 200 and "乡镇工作人员 · 桑园镇" in text_of(page)
    _, again = await admin.get("/console/staff")
    assert "从未登录" not in text_of(again).split("liuclerk")[1].split("重置密码")[0]


async def test_bad_account_input_is_said_and_what_was_typed_is_kept(desk: Desk) -> None:
    admin = await signed_in(desk, "county", "county_admin")
    status, page = await admin.post(
        "/console/staff",
        {"username": "wang hui", "role": "township_staff", "township": "桑园镇"},
    )
    assert status == 400 and 'class="error"' in page and 'value="wang hui"' in page
    status, page = await admin.post(
        "/console/staff", {"username": "wanghui", "role": "township_staff", "township": ""}
    )
    assert status == 400 and "township" in text_of(page)
    with use(desk.app[keys.DATABASE]):
        assert not await AuditEntry.filter(action="staff_created").exists()


async def test_only_a_county_admin_reaches_the_accounts_page(desk: Desk) -> None:
    clerk = await signed_in(desk)
    status, page = await clerk.get("/console/staff")
    assert status == 403 and "您的角色不能做这件事" in text_of(page)
    _, home = await clerk.get("/console")
    assert 'href="/console/staff"' not in home  # not offered in the menu either
    status, _ = await clerk.post(
        "/console/staff", {"username": "sneaky", "role": "county_admin", "password": "x" * 12}
    )
    assert status == 403
    other = Browser(desk)
    assert (await other.sign_in("sneaky", "x" * 12))[0] == 401


async def test_disabling_signs_the_person_out_everywhere_at_once(desk: Desk) -> None:
    clerk = await signed_in(desk)
    token = await token_for(desk, "sangyuan")
    admin = await signed_in(desk, "county", "county_admin")
    status, page = await admin.post("/console/staff/sangyuan/disable", {})
    assert status == 200 and "sangyuan 已停用" in text_of(page)
    _, page = await clerk.get("/console/tickets")
    assert "工作人员登录" in page
    assert (await desk.client.get("/api/v1/tickets", headers=token)).status == 401
    status, _ = await clerk.sign_in("sangyuan")
    assert status == 401
    status, page = await admin.post("/console/staff/sangyuan/enable", {})
    assert status == 200 and "sangyuan 已启用" in text_of(page)
    assert (await clerk.sign_in("sangyuan"))[0] == 200
    # A county admin cannot disable themselves (they would lock the county out).
    status, page = await admin.post("/console/staff/county/disable", {})
    assert status == 403


async def test_a_reset_password_replaces_the_old_and_ends_the_session(desk: Desk) -> None:
    clerk = await signed_in(desk)
    admin = await signed_in(desk, "county", "county_admin")
    status, page = await admin.post("/console/staff/sangyuan/reset-password", {})
    assert status == 200
    fresh = _told_password(page, "sangyuan")
    _, page = await clerk.get("/console")
    assert "工作人员登录" in page
    assert (await clerk.sign_in("sangyuan"))[0] == 401  # the old password
    assert (await clerk.sign_in("sangyuan", fresh))[0] == 200


async def test_a_reply_template_is_offered_for_its_kind_and_its_words_are_sent(
    desk: Desk, wechat: FakeWeChat
) -> None:
    admin = await signed_in(desk, "county", "county_admin")
    status, page = await admin.post(
        "/console/templates",
        {
            "title": "已派人清理",
            "text": "已安排保洁员今天清理，感谢您的反映。",
            "kinds": "complaint",
        },
    )
    assert status == 200 and "已添加" in text_of(page)
    number = await complaint(desk)
    clerk = await signed_in(desk)
    await clerk.post(f"/console/tickets/{number}/accept", {"note": ""})
    _, page = await clerk.get(f"/console/tickets/{number}")
    found = re.search(r'<option value="(\d+)" data-text="[^"]*">已派人清理</option>', page)
    assert found is not None, "the complaint's page offers the template"
    # Picked without a script: the box left empty, the template's words are what is sent.
    status, page = await clerk.post(
        f"/console/tickets/{number}/reply", {"text": "", "template": found.group(1)}
    )
    assert status == 200 and "已回复" in text_of(page)
    assert await pushes_to(wechat, FIRST, "已安排保洁员今天清理", 1) == 1
    with use(desk.app[keys.DATABASE]):
        assert (
            await Ticket.get(number=number)
        ).last_reply == "已安排保洁员今天清理，感谢您的反映。"
    # Retired, it is offered no more.
    await admin.get("/console/templates")
    status, page = await admin.post(f"/console/templates/{found.group(1)}/retire", {})
    assert status == 200 and "已停用" in text_of(page)
    _, page = await clerk.get(f"/console/tickets/{number}")
    assert "已派人清理" not in page


async def test_a_template_for_complaints_is_not_offered_on_an_application(desk: Desk) -> None:
    admin = await signed_in(desk, "county", "county_admin")
    await admin.post(
        "/console/templates", {"title": "投诉专用", "text": "投诉已收到。", "kinds": "complaint"}
    )
    status, page = await admin.post("/console/templates", {"title": "", "text": "", "kinds": "x"})
    assert status == 400 and 'class="error"' in page
    number, _ = await register_and_apply(desk)
    clerk = await signed_in(desk)
    _, page = await clerk.get(f"/console/tickets/{number}")
    assert "投诉专用" not in page


async def test_holidays_entered_in_the_console_lift_the_home_page_warning(desk: Desk) -> None:
    admin = await signed_in(desk, "county", "county_admin")
    next_year = desk.clock().year + 1
    _, page = await admin.get("/console")
    warned = f"{next_year} 年的节假日还没有录入" in text_of(page)
    # The warning shows while a year within 90 days is unknown and nothing was entered.
    expected = not known_year(next_year) and desk.clock().month >= 10
    assert warned == expected
    status, page = await admin.post(
        f"/console/holidays/{next_year}", {"holiday": "这不是日期", "workday": ""}
    )
    assert status == 400 and "第 1 行看不懂" in text_of(page) and "这不是日期" in page
    status, page = await admin.post(
        f"/console/holidays/{next_year}",
        {"holiday": f"{next_year}-01-01 元旦\n{next_year}-02-08 春节", "workday": ""},
    )
    assert status == 200 and "已保存" in text_of(page) and "春节" in page
    _, page = await admin.get("/console")
    assert f"{next_year} 年的节假日还没有录入" not in text_of(page)
    status, page = await admin.post(
        f"/console/holidays/{next_year}/remove", {"day": f"{next_year}-02-08"}
    )
    assert status == 200 and "已删除" in text_of(page)
    clerk = await signed_in(desk)
    status, _ = await clerk.post(f"/console/holidays/{next_year}", {"holiday": "", "workday": ""})
    assert status == 403
    with use(desk.app[keys.DATABASE]):
        assert await AuditEntry.filter(action__startswith="holiday").count() == 2


async def test_each_admin_page_is_refused_without_its_csrf_token(desk: Desk) -> None:
    await account(desk, "victim")
    admin = await signed_in(desk, "county", "county_admin")
    for path, form in (
        ("/console/staff/victim/disable", {}),
        ("/console/templates", {"title": "t", "text": "x"}),
        ("/console/holidays/2027", {"holiday": "2027-01-01 元旦"}),
    ):
        status, _ = await admin.post(path, {**form, "csrf": "forged"})
        assert status == 403, path
    assert (await Browser(desk).sign_in("victim"))[0] == 200


async def test_a_unit_lead_is_marked_on_the_accounts_page(desk: Desk) -> None:
    admin = await signed_in(desk, "county", "county_admin")
    await account(desk, "minzheng", "department_handler")
    await account(desk, "super", "supervisor")
    _, page = await admin.get("/console/staff")
    assert "设为负责人 minzheng" in text_of(page) and "设为负责人 super" not in text_of(page)
    status, page = await admin.post("/console/staff/minzheng/lead", {})
    assert status == 200 and "minzheng 已设为负责人" in text_of(page)
    assert "负责人（收每周简报）" in text_of(page) and "取消负责人 minzheng" in text_of(page)
    status, page = await admin.post("/console/staff/super/lead", {})
    assert status == 400 and "只有部门经办人和乡镇工作人员可以设为负责人" in text_of(page)
    status, page = await admin.post("/console/staff/minzheng/not-lead", {})
    assert status == 200 and "minzheng 不再是负责人" in text_of(page)

"""Staff accounts kept by county admins over the staff API: made with a password shown
once, disabled (its tokens refused at once, no more sign-ins), enabled again, a new
password; each change audited, and nobody else may do any of it."""

from __future__ import annotations

from typing import Any

from bot import keys
from storage.db import use
from storage.models import AuditEntry, Staff, StaffRequest
from tests.conftest import Desk
from tests.test_notices import login


async def sign_in(desk: Desk, username: str, password: str) -> tuple[int, dict[str, str]]:
    resp = await desk.client.post(
        "/api/v1/auth/login", json={"username": username, "password": password}
    )
    body = await resp.json()
    return resp.status, {"Authorization": f"Bearer {body.get('token')}"}


async def call(
    desk: Desk, method: str, path: str, auth: dict[str, str], body: Any = None
) -> tuple[int, Any]:
    resp = await desk.client.request(method, f"/api/v1{path}", json=body, headers=auth)
    return resp.status, await resp.json()


async def audited(desk: Desk) -> list[tuple[str, str, str]]:
    with use(desk.app[keys.DATABASE]):
        rows = await AuditEntry.all().order_by("id").select_related("staff")
    return [(r.staff.username, r.action, r.detail) for r in rows]


NEW = {"username": "liming", "role": "township_staff", "township": "桑园镇"}


async def test_a_disabled_account_is_refused_at_once_and_works_again_when_enabled(
    desk: Desk,
) -> None:
    county = await login(desk, "county", "county_admin")
    status, made = await call(desk, "POST", "/staff", county, NEW)
    assert status == 201, made
    assert made["account"]["township"] == "桑园镇" and made["account"]["active"] is True
    password = made["password"]
    assert len(password) >= 12 and "只显示这一次" in made["note"]
    status, liming = await sign_in(desk, "liming", password)
    assert status == 200
    assert (await call(desk, "GET", "/staff/me", liming, None))[0] == 200

    status, listed = await call(desk, "GET", "/staff?role=township_staff&active=true", county)
    assert status == 200
    [row] = [a for a in listed["accounts"] if a["username"] == "liming"]
    assert row["role_name"] == "乡镇工作人员" and row["last_login_at"] is not None

    status, shown = await call(desk, "POST", "/staff/liming/disable", county)
    assert status == 200 and shown["active"] is False
    # The token it held is refused at once, and it cannot sign in.
    assert (await call(desk, "GET", "/staff/me", liming))[0] == 401
    assert (await sign_in(desk, "liming", password))[0] == 401
    status, listed = await call(desk, "GET", "/staff?active=false", county)
    assert [a["username"] for a in listed["accounts"]] == ["liming"]

    status, shown = await call(desk, "POST", "/staff/liming/enable", county)
    assert status == 200 and shown["active"] is True
    status, liming = await sign_in(desk, "liming", password)
    assert status == 200 and (await call(desk, "GET", "/staff/me", liming))[0] == 200
    assert await audited(desk) == [
        ("county", "staff_created", "liming (township_staff)"),
        ("county", "staff_disabled", "liming"),
        ("county", "staff_enabled", "liming"),
    ]


async def test_a_reset_password_works_once_shown_and_the_old_one_no_more(desk: Desk) -> None:
    county = await login(desk, "county", "county_admin")
    given = {**NEW, "password": "first-password-1"}
    assert (await call(desk, "POST", "/staff", county, given))[0] == 201
    status, old_token = await sign_in(desk, "liming", "first-password-1")
    assert status == 200
    status, reset = await call(desk, "POST", "/staff/liming/reset-password", county)
    assert status == 200 and reset["password"] != "first-password-1"
    assert (await sign_in(desk, "liming", "first-password-1"))[0] == 401
    assert (await call(desk, "GET", "/staff/me", old_token))[0] == 401  # signed out too
    assert (await sign_in(desk, "liming", reset["password"]))[0] == 200
    assert [a for _, a, _ in await audited(desk)] == ["staff_created", "staff_password_reset"]


async def test_only_county_admins_keep_accounts_and_not_their_own(desk: Desk) -> None:
    county = await login(desk, "county", "county_admin")
    township = await login(desk)  # sangyuan, township staff
    for method, path, body in [
        ("GET", "/staff", None),
        ("POST", "/staff", NEW),
        ("POST", "/staff/county/disable", None),
        ("POST", "/staff/county/enable", None),
        ("POST", "/staff/county/reset-password", None),
    ]:
        status, answer = await call(desk, method, path, township, body)
        assert status == 403, (path, answer)
        assert answer["error"] == "您的角色不能做这件事"
    status, answer = await call(desk, "POST", "/staff/county/disable", county)
    assert status == 403 and answer["error"] == "不能停用自己的账号"
    assert (await call(desk, "POST", "/staff/nobody/disable", county))[0] == 404
    with use(desk.app[keys.DATABASE]):
        assert await Staff.filter(active=True).count() == 2
    assert await audited(desk) == []


async def test_a_bad_account_is_a_plain_400_naming_the_field_and_changes_nothing(
    desk: Desk,
) -> None:
    county = await login(desk, "county", "county_admin")
    for body, field, words in [
        ({**NEW, "role": "mayor"}, "role", "role 的值不对：可选 county_admin"),
        ({"username": "liming", "role": "township_staff"}, "township", "缺少 township"),
        ({**NEW, "township": "不存在镇"}, "township", "没有这个乡镇：不存在镇"),
        ({**NEW, "username": "li ming"}, "username", "username 的值不对"),
        ({**NEW, "password": "short"}, "password", "password 的值不对：应为 8 到 1024 个字符"),
        ({"username": "ma", "role": "department_handler", "unit": "县气象局"}, "unit", "没有"),
        (
            {"username": "ma", "role": "county_admin", "township": "桑园镇"},
            "township",
            "township 的值不对：这个角色不用填",
        ),
    ]:
        status, answer = await call(desk, "POST", "/staff", county, body)
        assert status == 400, answer
        assert answer["field"] == field and answer["error"].startswith(words), answer
    status, answer = await call(desk, "POST", "/staff", county, {**NEW, "username": "county"})
    assert status == 409 and answer["error"] == "用户名 county 已经有人用了，请换一个"
    with use(desk.app[keys.DATABASE]):
        assert await Staff.all().count() == 1
    assert await audited(desk) == []


async def test_a_password_shown_once_is_not_kept_for_a_retry(desk: Desk) -> None:
    county = await login(desk, "county", "county_admin")
    assert (await call(desk, "POST", "/staff", county, NEW))[0] == 201
    keyed = {**county, "Idempotency-Key": "reset-liming-1"}
    first = await desk.client.post("/api/v1/staff/liming/reset-password", headers=keyed)
    password = (await first.json())["password"]
    again = await desk.client.post("/api/v1/staff/liming/reset-password", headers=keyed)
    assert again.headers.get("Idempotent-Replayed") == "true"
    replayed = await again.json()
    assert replayed["account"]["username"] == "liming" and password not in replayed["password"]
    assert "没有保存" in replayed["password"]
    with use(desk.app[keys.DATABASE]):
        kept = await StaffRequest.all().values_list("answer", flat=True)
    assert kept and not any(password in str(answer) for answer in kept)
    assert (await sign_in(desk, "liming", password))[0] == 200  # done once, not twice


async def test_a_county_admin_marks_who_leads_a_unit_or_township(desk: Desk) -> None:
    county = await login(desk, "county", "county_admin")
    township = await login(desk, "sangyuan")
    await login(desk, "minzheng", "department_handler")
    await login(desk, "super", "supervisor")
    status, shown = await call(desk, "PUT", "/staff/minzheng/lead", county, {"lead": True})
    assert status == 200 and shown["lead"] is True
    # Only a unit's handler or a township's staff leads anything; only county admins say so.
    status, body = await call(desk, "PUT", "/staff/super/lead", county, {"lead": True})
    assert status == 400 and body["error"] == "只有部门经办人和乡镇工作人员可以设为负责人"
    status, _ = await call(desk, "PUT", "/staff/sangyuan/lead", township, {"lead": True})
    assert status == 403
    status, body = await call(desk, "PUT", "/staff/minzheng/lead", county, {"lead": "yes"})
    assert status == 400 and body["field"] == "lead"
    status, listed = await call(desk, "GET", "/staff?role=department_handler", county)
    assert [a["lead"] for a in listed["accounts"]] == [True]
    status, shown = await call(desk, "PUT", "/staff/minzheng/lead", county, {"lead": False})
    assert status == 200 and shown["lead"] is False
    changes = [row for row in await audited(desk) if row[1] == "staff_lead_set"]
    assert changes == [
        ("county", "staff_lead_set", "minzheng: True"),
        ("county", "staff_lead_set", "minzheng: False"),
    ]

"""`township staff add` as an operator runs it: a process, the password on standard input,
one clear line for every mistake, and an account that can log in to the staff API."""

from __future__ import annotations

import subprocess

from bot.settings import Settings
from tests.conftest import Desk, DeskFactory, SettingsFactory
from tests.served import PASSWORD, staff_add


def _staff_add(
    settings: Settings, *args: str, password: str = PASSWORD
) -> subprocess.CompletedProcess[str]:
    database = {
        "TOWNSHIP_DATA_DIR": str(settings.data_dir),
        "TOWNSHIP_DATABASE__URL": settings.database_url,
    }
    return staff_add(database, *args, password=password)


async def test_an_operator_adds_staff_who_can_then_log_in(
    make_settings: SettingsFactory, make_desk: DeskFactory
) -> None:
    settings = make_settings()
    done = _staff_add(settings, "sangyuan01", "--role", "township_staff", "--township", "桑园镇")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "staff account sangyuan01 added (township_staff for 桑园镇)"
    handler = _staff_add(
        settings, "minzheng01", "--role", "department_handler", "--unit", "县民政局"
    )
    assert handler.returncode == 0, handler.stderr
    assert handler.stdout.strip().endswith("added (department_handler for 县民政局)")
    mistakes = [
        (("sangyuan01", "--role", "county_admin"), "is taken"),
        (("li", "--role", "township_staff"), "needs --township"),
        (("li", "--role", "township_staff", "--township", "火星镇"), "no township named"),
        (("li", "--role", "county_admin", "--township", "桑园镇"), "county-wide"),
        (("li", "--role", "department_handler"), "needs --unit"),
        (("li", "--role", "department_handler", "--unit", "县火星局"), "no unit named"),
        (("li", "--role", "township_staff", "--township", "桑园镇", "--unit", "县民政局"), "only"),
    ]
    for args, why in mistakes:
        failed = _staff_add(settings, *args)
        assert failed.returncode == 2 and why in failed.stderr
        assert len(failed.stderr.strip().splitlines()) == 1  # one line, no traceback
    short = _staff_add(settings, "li", "--role", "county_admin", password="x")
    assert short.returncode == 2 and "at least 8" in short.stderr
    bad_role = _staff_add(settings, "li", "--role", "mayor")
    assert bad_role.returncode == 2 and "invalid choice" in bad_role.stderr
    desk: Desk = await make_desk()
    resp = await desk.client.post(
        "/api/v1/auth/login", json={"username": "sangyuan01", "password": "a-long-password"}
    )
    assert resp.status == 200 and (await resp.json())["token"]
    resp = await desk.client.post(
        "/api/v1/auth/login", json={"username": "li", "password": "a-long-password"}
    )
    assert resp.status == 401  # none of the refused accounts exists

"""The service catalog: `township catalog import` as the county IT office runs it, staff
correcting an item through the API, and residents finding items the way they ask."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bot import keys
from bot.settings import Settings
from storage.catalog import demo_text
from storage.db import use
from storage.models import ServiceItem
from tests.conftest import ROOT, Desk, DeskFactory, SettingsFactory
from tests.test_notices import login

DEMO = [json.loads(line) for line in demo_text().splitlines()]


def _import(settings: Settings, path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "TOWNSHIP_DATA_DIR": str(settings.data_dir),
        "TOWNSHIP_DATABASE__URL": settings.database_url,
        "PYTHONIOENCODING": "utf-8",
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", "catalog", "import", str(path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )


def _write(path: Path, items: list[dict[str, object] | str]) -> Path:
    lines = [i if isinstance(i, str) else json.dumps(i, ensure_ascii=False) for i in items]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


async def _codes(desk: Desk) -> dict[str, bool]:
    with use(desk.app[keys.DATABASE]):
        return {i.code: i.active for i in await ServiceItem.all()}


async def test_a_bad_catalog_file_is_refused_line_by_line_and_nothing_loads(
    make_settings: SettingsFactory, make_desk: DeskFactory, tmp_path: Path
) -> None:
    settings = make_settings()
    desk = await make_desk()  # the demo catalog is in place
    before = await _codes(desk)
    good = DEMO[0]
    no_unit = {k: v for k, v in DEMO[1].items() if k != "unit"}
    bad_area = {**DEMO[2], "area": "火星事务"}
    bad_question = {**DEMO[3], "questions": [{"key": "x", "text": "几口人？", "type": "single"}]}
    path = _write(
        tmp_path / "catalog.jsonl",
        [good, no_unit, "{not json", bad_area, bad_question, {**good, "name": "重复"}],
    )
    done = _import(settings, path)
    assert done.returncode == 2, done.stdout
    lines = done.stderr.strip().splitlines()
    assert lines[0].endswith(":2: 第2行缺少“unit”")
    assert ":3: 第3行不是一行合法的 JSON" in lines[1]
    assert ":4: 第4行“area”的值不对" in lines[2] and "社会救助" in lines[2]
    assert ":5: 第5行“questions.0”的值不对" in lines[3] and "choices" in lines[3]
    assert lines[4].endswith(":6: 第6行的编码 code 与第1行重复")
    assert lines[-1] == "共 5 处问题，整个文件都没有导入，改好后请重新导入。"
    assert await _codes(desk) == before  # nothing changed


async def test_a_good_catalog_file_replaces_the_catalog_and_retires_the_rest(
    make_settings: SettingsFactory, make_desk: DeskFactory, tmp_path: Path
) -> None:
    settings = make_settings()
    desk = await make_desk()
    changed = {**DEMO[0], "time_limit_days": 12}
    new = {**DEMO[1], "code": "NEW-001", "name": "新事项", "aliases": ["新的"]}
    done = _import(settings, _write(tmp_path / "c.jsonl", [changed, new]))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "目录已导入：共 2 项，新增 1，更新 1，下架 68。"
    codes = await _codes(desk)
    assert codes[DEMO[0]["code"]] and codes["NEW-001"]
    assert sum(codes.values()) == 2  # retired, not deleted: old tickets still point at them
    with use(desk.app[keys.DATABASE]):
        assert (await ServiceItem.get(code=DEMO[0]["code"])).time_limit_days == 12
    reply = await desk.say("办事")
    assert reply is not None and "残疾人服务" not in reply  # retired areas are gone
    assert "没有找到" in (await desk.say("残疾人补贴") or "")


async def test_a_county_admin_corrects_an_item_through_the_api(desk: Desk) -> None:
    county = await login(desk, "county", "county_admin")
    township = await login(desk)
    code = DEMO[0]["code"]
    url = f"/api/v1/catalog/{code}"
    resp = await desk.client.patch(url, json={"time_limit_days": 10}, headers=township)
    assert resp.status == 403
    resp = await desk.client.patch(url, json={"time_limit_days": 0}, headers=county)
    body = await resp.json()
    assert resp.status == 400 and body["field"] == "time_limit_days"
    resp = await desk.client.patch(url, json={"colour": "red"}, headers=county)
    assert resp.status == 400 and "colour" in (await resp.json())["error"]
    resp = await desk.client.patch(
        url, json={"time_limit_days": 10, "aliases": ["吃低保", "低保金"]}, headers=county
    )
    assert resp.status == 200 and (await resp.json())["time_limit_days"] == 10
    assert (await desk.client.patch("/api/v1/catalog/NOPE", json={}, headers=county)).status == 404
    shown = await (await desk.client.get(url, headers=township)).json()
    assert shown["time_limit_days"] == 10 and shown["aliases"] == ["吃低保", "低保金"]
    guide = await desk.say("低保金怎么领")
    assert guide is not None and "办理时限：10个工作日" in guide
    resp = await desk.client.patch(url, json={"active": False}, headers=county)
    assert resp.status == 200 and (await resp.json())["active"] is False
    await desk.say("菜单")
    await desk.say("办事")
    assert "没有找到" in (await desk.say("低保") or "")


async def test_residents_find_items_the_way_they_ask_by_typing_or_voice(desk: Desk) -> None:
    await desk.say("办事")
    guide = await desk.say("我想办低保")
    assert guide is not None and guide.startswith("【最低生活保障】办事指南")
    assert len(guide) <= 320 and "（第1/" in guide  # one screen, more on request
    more = await desk.say("更多")
    assert more is not None and "（第2/" in more
    await desk.say("菜单")
    await desk.say("办事")
    spoken = desk.sim.voice(desk.default_openid, "残疾人补贴怎么申请。")
    several = await desk.send(spoken)
    assert several is not None and several.startswith("找到这些事项")
    assert "1. 困难残疾人生活补贴" in several and "2. 重度残疾人护理补贴" in several
    guide = await desk.say("2")
    assert guide is not None and guide.startswith("【重度残疾人护理补贴】")
    await desk.say("返回")
    await desk.say("返回")
    nothing = await desk.say("造火箭")
    assert nothing is not None and nothing.startswith("没有找到和“造火箭”有关的事项")
    by_area = await desk.say("2")  # or by area: 社会救助
    assert by_area is not None and by_area.startswith("“社会救助”类的事项")

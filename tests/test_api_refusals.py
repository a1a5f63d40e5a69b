"""The staff API's refusals where the generated document and the handlers were made to
agree: each bound the document states is the one the handler keeps, in the same words."""

from __future__ import annotations

import pytest

from tests.conftest import Desk
from tests.test_notices import NOTICE, login
from tests.test_service_desk import complaint


async def test_page_sizes_out_of_bounds_are_refused_not_clamped(desk: Desk) -> None:
    auth = await login(desk, "county", "county_admin")
    for path in ("/api/v1/notices", "/api/v1/tickets"):
        for bad in ("limit=101", "limit=0", "limit=+5", "limit=1&limit=2"):
            resp = await desk.client.get(f"{path}?{bad}", headers=auth)
            body = await resp.json()
            assert resp.status == 400 and body["field"] == "limit", (path, bad, body)
        resp = await desk.client.get(f"{path}?before=0", headers=auth)
        assert resp.status == 400 and (await resp.json())["field"] == "before"
        assert (await desk.client.get(f"{path}?limit=100", headers=auth)).status == 200


async def test_a_county_notice_names_no_township_or_village(desk: Desk) -> None:
    auth = await login(desk, "county", "county_admin")
    county = {k: v for k, v in NOTICE.items() if k != "township"} | {"scope": "county"}
    for field in ("township", "village"):
        resp = await desk.client.post("/api/v1/notices", json={**county, field: ""}, headers=auth)
        body = await resp.json()
        assert resp.status == 400 and body == {
            "error": f"{field} 的值不对：全县范围不用填",
            "field": field,
        }
    assert (await desk.client.post("/api/v1/notices", json=county, headers=auth)).status == 201


async def test_path_values_that_name_nothing_are_not_found(desk: Desk) -> None:
    auth = await login(desk, "county", "county_admin")
    for path, words in (
        ("/api/v1/catalog/" + "X" * 300, "没有这个事项编码"),
        ("/api/v1/catalog/%00", "没有这个事项编码"),
        ("/api/v1/tickets/2026112-0001", "没有这个受理编号"),
        ("/api/v1/grids/99999999999/workers", "没有这个网格"),
        ("/api/v1/notices/0", "没有这条通知"),
    ):
        resp = await desk.client.get(path, headers=auth)
        assert resp.status == 404 and (await resp.json())["error"] == words, path


async def test_text_that_no_database_stores_is_refused_naming_the_field(desk: Desk) -> None:
    auth = await login(desk, "county", "county_admin")
    resp = await desk.client.get("/api/v1/tickets?township=%00", headers=auth)
    body = await resp.json()
    assert resp.status == 400 and body["field"] == "township" and "\x00" not in body["error"]


async def test_query_parameters_nobody_reads_are_refused_by_name(desk: Desk) -> None:
    auth = await login(desk, "county", "county_admin")
    for path in ("/api/v1/notices", "/api/v1/tickets", "/api/v1/grids"):
        resp = await desk.client.get(f"{path}?colour=red", headers=auth)
        assert resp.status == 400 and "colour" in (await resp.json())["error"], path


async def test_a_catalog_correction_says_what_active_takes(desk: Desk) -> None:
    auth = await login(desk, "county", "county_admin")
    items = await (await desk.client.get("/api/v1/catalog", headers=auth)).json()
    url = f"/api/v1/catalog/{items['items'][0]['code']}"
    for bad in ("yes", None):
        resp = await desk.client.patch(url, json={"active": bad}, headers=auth)
        assert resp.status == 400 and await resp.json() == {
            "error": "active 的值不对：应为 true 或 false",
            "field": "active",
        }


async def test_numbers_json_cannot_hold_are_refused_naming_the_field(desk: Desk) -> None:
    """NaN, Infinity and 1e400 are not numbers a place can have (issue 11, finding 4): a
    400 naming the field, and no grid made."""
    auth = await login(desk)
    body = (
        '{"code": "SY-NAN", "name": "试验网格", "township": "桑园镇", "village": "东街社区",'
        ' "latitude": %s, "longitude": 116.39}'
    )
    for number in ("NaN", "Infinity", "-Infinity", "1e400"):
        resp = await desk.client.post(
            "/api/v1/grids",
            data=body % number,
            headers={**auth, "Content-Type": "application/json"},
        )
        assert resp.status == 400, number
        refusal = await resp.json()
        assert refusal["field"] == "latitude", refusal
    grids = await (await desk.client.get("/api/v1/grids?township=桑园镇", headers=auth)).json()
    assert "SY-NAN" not in str(grids)


async def test_values_longer_than_their_column_are_refused_by_name_not_a_503(
    desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 11, finding 2: a long filter or field reached the database and came back as
    503 with a traceback carrying the value. Now each is a 400 naming the field, a long
    search phrase is simply searched, and the value is not logged."""
    auth = await login(desk, "county", "county_admin")
    secret = "王秀英家门口的路灯坏了好几天了" * 8  # a resident's words, 120 characters
    phrase = "村东头垃圾堆了半个月都没有人来清理了"  # 17+ characters: a real search
    resp = await desk.client.get("/api/v1/tickets", params={"text": phrase}, headers=auth)
    assert resp.status == 200, await resp.text()
    for field in ("text", "township", "village", "unit", "grid"):
        resp = await desk.client.get("/api/v1/tickets", params={field: secret}, headers=auth)
        body = await resp.json()
        assert resp.status == 400 and body["field"] == field, (field, body)
    resp = await desk.client.get("/api/v1/grids", params={"township": secret}, headers=auth)
    assert resp.status == 400 and (await resp.json())["field"] == "township"
    for field in ("township", "village"):
        resp = await desk.client.post(
            "/api/v1/notices", json={**NOTICE, field: secret}, headers=auth
        )
        body = await resp.json()
        assert resp.status == 400 and body["field"] == field, (field, body)
    number = await complaint(desk)
    for field in ("unit", "handler"):
        resp = await desk.client.post(
            f"/api/v1/tickets/{number}/assign",
            json={"unit": "县民政局", field: secret},
            headers=auth,
        )
        body = await resp.json()
        assert resp.status == 400 and body["field"] == field, (field, body)
    for method in ("GET", "PATCH"):
        resp = await desk.client.request(
            method, "/api/v1/catalog/" + secret, json={"active": False}, headers=auth
        )
        assert resp.status in (400, 404), (method, resp.status)
    logged = capsys.readouterr()
    assert secret[:15] not in logged.err + logged.out


async def test_non_finite_and_huge_numbers_are_refused_by_name(desk: Desk) -> None:
    """JSON's NaN, Infinity and numbers past any column, wherever a number is taken."""
    number = await complaint(desk)
    township = await login(desk)
    resp = await desk.client.post(f"/api/v1/tickets/{number}/accept", json={}, headers=township)
    assert resp.status == 200
    for days in ("NaN", "Infinity", "-Infinity", "1e400", "99999999999999999999999"):
        resp = await desk.client.post(
            f"/api/v1/tickets/{number}/request-extension",
            data=f'{{"days": {days}, "reason": "需要上门核实"}}',
            headers={**township, "Content-Type": "application/json"},
        )
        body = await resp.json()
        assert resp.status == 400 and body["field"] == "days", (days, body)
    resp = await desk.client.get(f"/api/v1/tickets/{number}", headers=township)
    assert (await resp.json())["timeline"][-1]["action"] == "accept"  # nothing was asked

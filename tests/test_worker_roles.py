"""Who is a grid worker is remembered by each process (it is asked on every message) and
forgotten by all of them as soon as a binding changes in any one."""

from __future__ import annotations

from tests.conftest import Desk, DeskFactory
from tests.test_grid import WORKER, bound_worker, invite


async def test_binding_and_unbinding_in_one_process_change_the_menu_in_another(
    make_desk: DeskFactory,
) -> None:
    # Two processes of one deployment: the same database and Redis.
    one: Desk = await make_desk()
    other: Desk = await make_desk()
    assert "网格员菜单" not in (await other.say("菜单", openid=WORKER) or "")
    auth, grid = await bound_worker(one)
    assert "网格员菜单" in (await other.say("菜单", openid=WORKER) or "")
    workers = await (
        await one.client.get(f"/api/v1/grids/{grid['id']}/workers", headers=auth)
    ).json()
    url = f"/api/v1/grids/{grid['id']}/workers/{workers['workers'][0]['id']}/unbind"
    assert (await one.client.post(url, headers=auth)).status == 200
    menu = await other.say("菜单", openid=WORKER)
    assert menu is not None and "网格员菜单" not in menu and "1. 办事" in menu
    # Bound again with a new code, through the other process this time.
    code = (await invite(one, auth, grid["id"]))["code"]
    assert (await other.say(f"绑定 {code}", openid=WORKER) or "").startswith("绑定成功")
    assert "网格员菜单" in (await one.say("菜单", openid=WORKER) or "")

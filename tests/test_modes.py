"""The three message modes an account can be set to in WeChat's console."""

from __future__ import annotations

import pytest

from tests.conftest import DeskFactory

RESIDENT = "oResident000000000000000001"


@pytest.mark.parametrize("mode", ["plain", "compatible", "safe"])
async def test_each_mode_answers_in_kind(make_desk: DeskFactory, mode: str) -> None:
    desk = await make_desk(mode=mode)
    posted = await desk.post(desk.sim.text(RESIDENT, "我的"))
    assert posted.status == 200
    assert posted.text is not None and posted.text.startswith("我的信息")
    encrypted_reply = b"<Encrypt>" in posted.body
    assert encrypted_reply == (mode != "plain")


async def test_compatible_mode_also_takes_plain_messages(make_desk: DeskFactory) -> None:
    desk = await make_desk(mode="compatible")
    desk.sim.mode = "plain"
    posted = await desk.post(desk.sim.text(RESIDENT, "我的"))
    assert posted.status == 200 and b"<Encrypt>" not in posted.body
    assert posted.text is not None and posted.text.startswith("我的信息")


async def test_replies_come_from_the_account_to_the_person(make_desk: DeskFactory) -> None:
    desk = await make_desk(mode="plain")
    posted = await desk.post(desk.sim.text(RESIDENT, "菜单"))
    body = posted.body.decode()
    assert f"<ToUserName><![CDATA[{RESIDENT}]]></ToUserName>" in body
    assert f"<FromUserName><![CDATA[{desk.sim.account}]]></FromUserName>" in body

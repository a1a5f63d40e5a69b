"""The outbound WeChat client against a real local stand-in of WeChat's API."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

import pytest

from bot import keys
from tests.conftest import AES_KEY, APPID, ROOT, SECRET, TOKEN, DeskFactory, FakeWeChat
from wechat.client import WeChatAPI, WeChatError, WeChatUnavailable

RESIDENT = "oResident000000000000000001"
CUSTOM = "/cgi-bin/message/custom/send"


async def two_clients(make_desk: DeskFactory) -> tuple[WeChatAPI, WeChatAPI]:
    a, b = await make_desk(), await make_desk()
    return a.app[keys.WECHAT], b.app[keys.WECHAT]


async def test_one_token_fetch_for_many_callers_in_two_instances(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    a, b = await two_clients(make_desk)
    await asyncio.gather(*(c.send_text(RESIDENT, f"第{i}条") for i in range(10) for c in (a, b)))
    assert wechat.state.token_requests == 1
    assert len(wechat.texts_to(RESIDENT)) == 20


async def test_rejected_token_is_refreshed_once_not_in_a_storm(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    a, b = await two_clients(make_desk)
    await a.send_text(RESIDENT, "预热")
    wechat.state.expire_tokens()  # WeChat now answers 40001 for the cached token
    await asyncio.gather(*(c.send_text(RESIDENT, f"第{i}条") for i in range(10) for c in (a, b)))
    assert wechat.state.forced_refreshes == 1
    assert len(wechat.texts_to(RESIDENT)) == 21


async def test_expired_token_42001_is_refreshed_and_the_call_retried(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    a, _ = await two_clients(make_desk)
    await a.send_text(RESIDENT, "一")
    for token in wechat.state.tokens:
        wechat.state.tokens[token] = time.time() - 1
    await a.send_text(RESIDENT, "二")
    assert wechat.texts_to(RESIDENT) == ["一", "二"]
    assert wechat.state.forced_refreshes == 1


async def test_busy_minus_one_is_retried_with_backoff(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    a, _ = await two_clients(make_desk)
    wechat.state.fail(CUSTOM, -1, times=2)
    await a.send_text(RESIDENT, "你好")
    assert len(wechat.state.sent(CUSTOM)) == 3
    assert wechat.texts_to(RESIDENT) == ["你好"]


async def test_busy_that_never_ends_gives_up_after_the_bounded_attempts(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    a, _ = await two_clients(make_desk)
    wechat.state.fail(CUSTOM, -1, times=10)
    with pytest.raises(WeChatError) as caught:
        await a.send_text(RESIDENT, "你好")
    assert caught.value.errcode == -1
    assert len(wechat.state.sent(CUSTOM)) == 3


async def test_server_errors_are_retried(make_desk: DeskFactory, wechat: FakeWeChat) -> None:
    a, _ = await two_clients(make_desk)
    wechat.state.fail(CUSTOM, status=502, times=1)
    await a.send_text(RESIDENT, "你好")
    assert len(wechat.state.sent(CUSTOM)) == 2


async def test_final_errcodes_are_typed_and_not_retried(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    a, _ = await two_clients(make_desk)
    wechat.state.fail(CUSTOM, 45015, times=1)
    with pytest.raises(WeChatError) as caught:
        await a.send_text(RESIDENT, "你好")
    assert (caught.value.errcode, caught.value.errmsg) == (45015, "sandbox fault")
    assert len(wechat.state.sent(CUSTOM)) == 1


async def test_a_stalled_api_times_out(make_desk: DeskFactory, wechat: FakeWeChat) -> None:
    desk = await make_desk(wechat={"api_timeout": 0.2, "api_attempts": 2})
    api = desk.app[keys.WECHAT]
    await api.access_token()
    wechat.state.fail(CUSTOM, drop=True, times=5)
    started = time.monotonic()
    with pytest.raises(WeChatUnavailable):
        await api.send_text(RESIDENT, "你好")
    assert time.monotonic() - started < 2.0


async def test_wrong_secret_is_a_clear_error(make_desk: DeskFactory) -> None:
    desk = await make_desk(wechat={"secret": "not-the-secret"})
    with pytest.raises(WeChatError) as caught:
        await desk.app[keys.WECHAT].access_token()
    assert caught.value.errcode == 40125


async def test_template_subscribe_user_info_and_media(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    api = (await make_desk()).app[keys.WECHAT]
    msgid = await api.send_template(
        RESIDENT,
        "TPL1",
        {"first": "您的申请已受理"},
        url="https://x.cn",
        client_msg_id="delivery-42",
    )
    assert msgid > 0
    sent = wechat.state.sent("/cgi-bin/message/template/send")[0].body
    assert sent["client_msg_id"] == "delivery-42"
    assert sent["data"] == {"first": {"value": "您的申请已受理"}}
    await api.send_subscribe(RESIDENT, "SUB1", {"thing1": "停电通知"}, page="pages/index")
    body = wechat.state.sent("/cgi-bin/message/subscribe/bizsend")[0].body
    assert (body["touser"], body["template_id"], body["page"]) == (RESIDENT, "SUB1", "pages/index")
    info = await api.user_info(RESIDENT)
    assert info["openid"] == RESIDENT
    photo = b"\xff\xd8\xff\xe0" + os.urandom(2048)
    media = await api.download_media(wechat.state.store_media(photo, "image/jpeg"))
    assert (media.content, media.content_type) == (photo, "image/jpeg")
    with pytest.raises(WeChatError) as caught:
        await api.download_media("no-such-media")
    assert caught.value.errcode == 40007


def _cli_env(tmp_path: Path, wechat: FakeWeChat, redis_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOWNSHIP_")}
    env.update(
        TOWNSHIP_DATA_DIR=str(tmp_path / "cli"),
        TOWNSHIP_REDIS__URL=redis_url,
        TOWNSHIP_WECHAT__SANDBOX="false",
        TOWNSHIP_WECHAT__API_BASE_URL=wechat.url,
        TOWNSHIP_WECHAT__APPID=APPID,
        TOWNSHIP_WECHAT__SECRET=SECRET,
        TOWNSHIP_WECHAT__TOKEN=TOKEN,
        TOWNSHIP_WECHAT__AES_KEY=AES_KEY,
    )
    return env


async def run_cli(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_menu_publish_builds_the_menu_from_settings(
    tmp_path: Path, wechat: FakeWeChat, redis_url: str, backends: None
) -> None:
    code, out, err = await run_cli(_cli_env(tmp_path, wechat, redis_url), "menu", "publish")
    assert code == 0, err
    assert "menu published: 办事服务, 反映问题, 更多" in out
    menu = wechat.state.menu
    assert [b["name"] for b in menu["button"]] == ["办事服务", "反映问题", "更多"]
    assert menu["button"][0]["sub_button"][0] == {
        "name": "办事",
        "type": "click",
        "key": "MENU_SERVICE",
    }
    assert menu["button"][1] == {"name": "反映问题", "type": "click", "key": "MENU_FEEDBACK"}


async def test_menu_publish_reports_a_refusal(
    tmp_path: Path, wechat: FakeWeChat, redis_url: str, backends: None
) -> None:
    wechat.state.fail("/cgi-bin/menu/create", 40016)
    code, _, err = await run_cli(_cli_env(tmp_path, wechat, redis_url), "menu", "publish")
    assert code == 1
    assert "errcode 40016" in err and "Traceback" not in err


async def test_a_token_wechat_keeps_rejecting_is_not_force_refreshed_again_and_again(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    a, b = await two_clients(make_desk)
    await a.send_text(RESIDENT, "预热")
    wechat.state.fail(CUSTOM, 40001, times=50)  # say, the server's IP is not allow-listed
    results = await asyncio.gather(
        *(c.send_text(RESIDENT, "x") for _ in range(4) for c in (a, b)), return_exceptions=True
    )
    assert all(isinstance(r, WeChatError) and r.errcode == 40001 for r in results)
    assert wechat.state.forced_refreshes == 1


async def test_a_template_guard_lasts_ten_minutes_as_wechats_does(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    desk = await make_desk()
    api = desk.app[keys.WECHAT]
    template = "/cgi-bin/message/template/send"

    async def send() -> int:
        msgid: int = await api.send_template(
            RESIDENT, "TPL1", {"first": "通知"}, client_msg_id="d-7"
        )
        return msgid

    first = await send()
    desk.clock.advance(minutes=9, seconds=59)
    # Within ten minutes WeChat drops the repeat and answers as it did the first time.
    assert await send() == first
    assert len(wechat.state.sent(template)) == 2 and len(wechat.state.delivered(template)) == 1
    desk.clock.advance(seconds=1)
    # After them the id is forgotten: the same client_msg_id is a new message.
    again = await send()
    assert again != first and len(wechat.state.delivered(template)) == 2
    # ...guarded again from then on, to the same person; another person is not guarded.
    assert await send() == again
    await api.send_template(
        "oResident000000000000000002", "TPL1", {"first": "通知"}, client_msg_id="d-7"
    )
    assert len(wechat.state.delivered(template)) == 3


async def test_a_mass_send_guard_lasts_a_day_as_wechats_does(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    desk = await make_desk()
    api = desk.app[keys.WECHAT]
    mass = "/cgi-bin/message/mass/send"
    people = [RESIDENT, "oResident000000000000000002"]
    first = await api.send_mass_text(people, "停水通知", "notice-3")
    desk.clock.advance(hours=23, minutes=59)
    # Refused (45065) with the first send's msg_id, which the client hands back.
    assert await api.send_mass_text(people, "停水通知", "notice-3") == first
    assert [c.errcode for c in wechat.state.sent(mass)] == [0, 45065]
    desk.clock.advance(minutes=1)
    assert await api.send_mass_text(people, "停水通知", "notice-3") != first
    assert len(wechat.state.delivered(mass)) == 2

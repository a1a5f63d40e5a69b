"""Forged, stale, oversized, malformed and hostile requests: a 4xx with a short reason,
and nothing changes."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from bot import keys
from conversations import texts
from storage.db import use
from storage.models import Resident
from tests.conftest import TOKEN, Desk, DeskFactory
from wechat.signing import sign

OPENID = "oAttacker00000000000000001"


async def assert_nothing_changed(desk: Desk) -> None:
    with use(desk.app[keys.DATABASE]):
        assert await Resident.filter(openid=OPENID).count() == 0
    redis = desk.app[keys.REDIS]
    assert await redis.keys("conv:*") == []
    assert await redis.keys("msg:*") == []


async def post_raw(desk: Desk, query: dict[str, str], body: bytes) -> tuple[int, str]:
    resp = await desk.client.post("/wechat", params=query, data=body)
    return resp.status, await resp.text()


async def test_server_verification_echoes_echostr(desk: Desk) -> None:
    query = desk.sim.signed_query()
    resp = await desk.client.get("/wechat", params={**query, "echostr": "8364952837"})
    assert resp.status == 200
    assert await resp.text() == "8364952837"


@pytest.mark.parametrize(
    ("tamper", "status", "reason"),
    [
        (lambda q: {**q, "signature": "0" * 40}, 403, "bad signature"),
        (lambda q: {k: v for k, v in q.items() if k != "signature"}, 400, "missing signature"),
        (lambda q: {k: v for k, v in q.items() if k != "nonce"}, 400, "missing signature"),
    ],
)
async def test_server_verification_refuses_forgeries(
    desk: Desk, tamper: Any, status: int, reason: str
) -> None:
    query = tamper({**desk.sim.signed_query(), "echostr": "123"})
    resp = await desk.client.get("/wechat", params=query)
    assert resp.status == status
    assert reason in await resp.text()


async def test_forged_signature_is_refused(desk: Desk) -> None:
    query, body = desk.sim.envelope(desk.sim.event(OPENID, "subscribe"))
    status, text = await post_raw(desk, {**query, "signature": "f" * 40}, body)
    assert (status, text.strip()) == (403, "bad signature")
    await assert_nothing_changed(desk)


async def test_forged_msg_signature_is_refused(desk: Desk) -> None:
    query, body = desk.sim.envelope(desk.sim.event(OPENID, "subscribe"))
    status, text = await post_raw(desk, {**query, "msg_signature": "a" * 40}, body)
    assert (status, text.strip()) == (403, "bad msg_signature")
    await assert_nothing_changed(desk)


async def test_stale_timestamp_is_refused_even_when_signed(desk: Desk) -> None:
    stale = str(int(time.time()) - 301)
    query, body = desk.sim.envelope(desk.sim.event(OPENID, "subscribe"), timestamp=stale)
    status, text = await post_raw(desk, query, body)
    assert status == 403 and "timestamp" in text
    await assert_nothing_changed(desk)


async def test_future_timestamp_is_refused(desk: Desk) -> None:
    future = str(int(time.time()) + 3600)
    query, body = desk.sim.envelope(desk.sim.event(OPENID, "subscribe"), timestamp=future)
    status, _ = await post_raw(desk, query, body)
    assert status == 403
    await assert_nothing_changed(desk)


async def test_oversized_body_is_refused(desk: Desk) -> None:
    huge = desk.sim.text(OPENID, "长" * 40_000)
    query, body = desk.sim.envelope(huge)
    assert len(body) > 65536
    status, text = await post_raw(desk, query, body)
    assert (status, text.strip()) == (413, "body too large")
    await assert_nothing_changed(desk)


def signed_plain(desk: Desk) -> dict[str, str]:
    return desk.sim.signed_query()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"this is not xml", "not well-formed"),
        (b"<xml><ToUserName>a</ToUserName>", "not well-formed"),
        (b"<html><body>hi</body></html>", "no <xml> root"),
        (
            b'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            b"<xml><ToUserName>&xxe;</ToUserName></xml>",
            "DOCTYPE",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
            b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
            b"<xml><Content>&lol3;</Content></xml>",
            "DOCTYPE",
        ),
        (b"   ", "empty body"),
    ],
)
async def test_malformed_and_hostile_xml_is_refused(
    make_desk: DeskFactory, body: bytes, reason: str
) -> None:
    desk = await make_desk(mode="plain")
    status, text = await post_raw(desk, desk.sim.signed_query(), body)
    assert status == 400
    assert reason in text
    await assert_nothing_changed(desk)


async def test_hostile_xml_inside_the_encrypted_envelope_is_refused(desk: Desk) -> None:
    assert desk.sim.cipher is not None
    inner = (
        '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        f"<xml><FromUserName>{OPENID}</FromUserName><Content>&e;</Content></xml>"
    )
    query = desk.sim.signed_query()
    wrapped = desk.sim.cipher.encrypt(inner, query["nonce"], query["timestamp"])
    encrypt = wrapped.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    query.update(
        encrypt_type="aes", msg_signature=sign(TOKEN, query["timestamp"], query["nonce"], encrypt)
    )
    body = f"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>".encode()
    status, text = await post_raw(desk, query, body)
    assert status == 400 and "DOCTYPE" in text
    await assert_nothing_changed(desk)


async def test_undecryptable_message_is_refused(desk: Desk) -> None:
    query = desk.sim.signed_query()
    garbage = "bm90IHJlYWxseSBlbmNyeXB0ZWQgYXQgYWxs"
    query.update(
        encrypt_type="aes", msg_signature=sign(TOKEN, query["timestamp"], query["nonce"], garbage)
    )
    body = f"<xml><Encrypt><![CDATA[{garbage}]]></Encrypt></xml>".encode()
    status, text = await post_raw(desk, query, body)
    assert status == 400 and "decrypt" in text
    await assert_nothing_changed(desk)


async def test_message_encrypted_for_another_account_is_refused(desk: Desk) -> None:
    from tests.conftest import AES_KEY
    from wechat.signing import Cipher

    other = Cipher(TOKEN, AES_KEY, "wxsomeoneelse0001")
    query = desk.sim.signed_query()
    wrapped = other.encrypt(
        f"<xml><ToUserName>gh</ToUserName><FromUserName>{OPENID}</FromUserName>"
        "<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>hi</Content>"
        "<MsgId>1</MsgId></xml>",
        query["nonce"],
        query["timestamp"],
    )
    encrypt = wrapped.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    query.update(
        encrypt_type="aes", msg_signature=sign(TOKEN, query["timestamp"], query["nonce"], encrypt)
    )
    status, text = await post_raw(
        desk, query, f"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>".encode()
    )
    assert status == 400 and "another AppID" in text
    await assert_nothing_changed(desk)


async def test_safe_mode_refuses_plain_messages(desk: Desk) -> None:
    body = (
        f"<xml><ToUserName>gh</ToUserName><FromUserName>{OPENID}</FromUserName>"
        "<CreateTime>1</CreateTime><MsgType>event</MsgType><Event>subscribe</Event></xml>"
    )
    status, text = await post_raw(desk, desk.sim.signed_query(), body.encode())
    assert status == 400 and "must be encrypted" in text
    await assert_nothing_changed(desk)


async def test_plain_mode_refuses_encrypted_messages(make_desk: DeskFactory) -> None:
    desk = await make_desk(mode="plain")
    desk.sim.mode = "safe"
    from tests.conftest import AES_KEY
    from wechat.signing import Cipher

    desk.sim.cipher = Cipher(TOKEN, AES_KEY, desk.sim.appid)
    query, body = desk.sim.envelope(desk.sim.event(OPENID, "subscribe"))
    status, text = await post_raw(desk, query, body)
    assert status == 400 and "not configured" in text
    await assert_nothing_changed(desk)


@pytest.mark.parametrize(
    ("fields", "starts"),
    [
        ({"ToUserName": "gh", "FromUserName": OPENID, "CreateTime": 1}, "暂不支持这种消息"),
        (
            {"ToUserName": "gh", "FromUserName": OPENID, "CreateTime": "soon", "MsgType": "text"},
            "没有看明白",
        ),
        (
            {
                "ToUserName": "gh",
                "FromUserName": OPENID,
                "CreateTime": 1,
                "MsgType": "location",
                "Location_X": "north",
                "Location_Y": "1",
            },
            "收到了。要办什么事",
        ),
        (
            {"ToUserName": "gh", "FromUserName": OPENID, "CreateTime": 1, "MsgType": "event"},
            "暂不支持这种消息",
        ),
    ],
)
async def test_messages_missing_or_garbling_fields_are_answered_not_refused(
    desk: Desk, fields: dict[str, Any], starts: str
) -> None:
    """WeChat shows the person an error for anything but a proper answer: only what fails
    the signature, the size limit or XML parsing is refused (tests/test_inbound_tolerance.py)."""
    posted = await desk.post(fields)
    assert posted.status == 200, posted.body
    assert posted.text is not None and posted.text.startswith(starts), posted.text


async def test_a_message_without_a_sender_is_answered_success_and_changes_nothing(
    desk: Desk,
) -> None:
    fields = {"ToUserName": "gh", "CreateTime": 1, "MsgType": "text", "Content": "hi"}
    posted = await desk.post(fields)
    assert (posted.status, posted.body) == (200, b"success")
    await assert_nothing_changed(desk)


async def test_nothing_answers_with_a_stack_trace(desk: Desk) -> None:
    for query, body in [
        ({"signature": "x", "timestamp": "y", "nonce": "z"}, b"<xml/>"),
        ({**desk.sim.signed_query(), "encrypt_type": "aes"}, b"<xml><Encrypt>1</Encrypt></xml>"),
        (
            {**desk.sim.signed_query(), "encrypt_type": "aes", "msg_signature": "x"},
            b"<xml><Encrypt><a>nested</a></Encrypt></xml>",
        ),
    ]:
        status, text = await post_raw(desk, query, body)
        assert 400 <= status < 500
        assert "Traceback" not in text and len(text) < 100
    await assert_nothing_changed(desk)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (
            '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
            "<xml><Content>&a;</Content></xml>".encode("utf-16"),
            "UTF-8",
        ),
        (b'<?xml version="1.0" encoding="x-bogus"?><xml><a>1</a></xml>', "UTF-8"),
        (b"<xml>" + b"<a>" * 5000 + b"x" + b"</a>" * 5000 + b"</xml>", "nested"),
    ],
)
async def test_encodings_and_nesting_wechat_never_sends_are_refused(
    make_desk: DeskFactory, body: bytes, reason: str
) -> None:
    desk = await make_desk(mode="plain")
    status, text = await post_raw(desk, desk.sim.signed_query(), body)
    assert status == 400 and reason in text
    await assert_nothing_changed(desk)


@pytest.mark.parametrize(
    "fields",
    [
        {"CreateTime": "nan"},
        {"CreateTime": "1e999"},
        {"MsgType": "location", "Location_X": "inf", "Location_Y": "1", "Scale": "15"},
        {"MsgType": "location", "Location_X": "1", "Location_Y": "1", "Scale": "1.5e400"},
    ],
)
async def test_numbers_that_are_not_numbers_are_left_out_not_refused(
    desk: Desk, fields: dict[str, Any]
) -> None:
    base = {
        "ToUserName": "gh",
        "FromUserName": OPENID,
        "CreateTime": 1,
        "MsgType": "text",
        "Content": "hi",
        "MsgId": "9",
    }
    posted = await desk.post({**base, **fields})
    assert posted.status == 200 and posted.text is not None, posted.body


async def test_a_body_arriving_in_pieces_is_read_whole(desk: Desk) -> None:
    query, body = desk.sim.envelope(desk.sim.text(OPENID, "菜单"))

    async def pieces() -> Any:
        for start in range(0, len(body), 100):
            yield body[start : start + 100]
            await asyncio.sleep(0.02)

    resp = await desk.client.post("/wechat", params=query, data=pieces())  # chunked
    assert resp.status == 200
    text = desk.sim.read_reply(await resp.read())
    assert text is not None and "1. 办事" in text


async def test_a_chunked_body_past_the_cap_is_refused(desk: Desk) -> None:
    query, _ = desk.sim.envelope(desk.sim.text(OPENID, "菜单"))

    async def endless() -> Any:
        for _ in range(100):
            yield b"<" * 1024

    resp = await desk.client.post("/wechat", params=query, data=endless())
    assert resp.status == 413
    await assert_nothing_changed(desk)


async def test_a_person_sending_too_fast_is_told_so_and_nothing_else_happens(
    make_desk: DeskFactory,
) -> None:
    # One every three seconds after a burst of three: wide enough for a slow machine.
    desk = await make_desk(conversation={"messages_per_minute": 20, "message_burst": 3})
    flooder, neighbour = "oFlooder00000000000000000001", "oNeighbour0000000000000000001"
    for text in ("菜单", "帮助", "菜单"):  # the burst
        assert await desk.say(text, openid=flooder) != texts.TOO_FAST
    refused = desk.sim.text(flooder, "1")  # would start 办事
    assert await desk.send(refused) == texts.TOO_FAST
    # WeChat's retry of it gets the same answer; someone else is not held up.
    assert await desk.send(refused) == texts.TOO_FAST
    assert texts.MENU_TITLE in (await desk.say("菜单", openid=neighbour) or "")
    # WeChat's events are never refused: following still greets, and an event we do not
    # parse is answered as always.
    welcome = await desk.send(desk.sim.event(flooder, "subscribe"))
    assert welcome is not None and "欢迎关注" in welcome
    assert await desk.send(desk.sim.event(flooder, "view_miniprogram")) != texts.TOO_FAST
    # Three seconds later there is room again, and the refused "1" had started nothing.
    # Waited, not moved: the budget runs on Redis's own clock (TIME, one for every
    # process), which no test can move.
    await asyncio.sleep(3.1)
    again = await desk.say("不知道", openid=flooder)
    assert again is not None and again.startswith(texts.NOT_UNDERSTOOD)
    assert texts.MENU_TITLE in again

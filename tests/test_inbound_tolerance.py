"""Tolerant where WeChat is: a message of a known type missing a field we can do without
is answered as usual, never refused (WeChat would show the person "该公众号暂时无法提供服务").
Only the signature, the size limit and XML parsing refuse (tests/test_webhook_security.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot import keys
from storage.db import use
from storage.models import Attachment, Ticket
from tests.conftest import Desk, DeskFactory, FakeWeChat
from tests.test_grid import PHOTO, QUICK_MEDIA, WORKER, bound_worker, fetched_files, quick_report
from tests.test_menu import assert_menu
from tests.test_webhook_security import OPENID, assert_nothing_changed
from wechat.sandbox import PICTURES
from wechat.simulator import Simulator

RESIDENT = "oResident000000000000000001"


@pytest.fixture
async def desk(make_desk: DeskFactory) -> Desk:
    made: Desk = await make_desk(media=QUICK_MEDIA)
    return made


def without(fields: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if k not in names}


async def test_an_image_in_the_older_form_reaches_the_report_from_its_picurl(
    desk: Desk, wechat: FakeWeChat
) -> None:
    """No MediaId, only PicUrl (as WeRoBot's and wechatpy's samples still have it): the
    worker is answered as for any photo, and staff get the picture from PicUrl."""
    auth, _ = await bound_worker(desk)
    stored = wechat.state.store_media(PHOTO, "image/jpeg")
    url = f"{wechat.url}{PICTURES}{stored}"
    older = desk.sim.message(WORKER, "image", PicUrl=url)
    assert "MediaId" not in older
    reply = await desk.send(older)
    assert reply is not None and reply.startswith("收到照片（共1张）")
    number = await quick_report(desk)
    assert await fetched_files(desk, auth, number) == [PHOTO]
    with use(desk.app[keys.DATABASE]):
        ticket = await Ticket.get(number=number)
        [photo] = await Attachment.filter(ticket=ticket)
    assert (photo.kind, photo.url, photo.fetch) == ("image", url, "stored")
    assert not wechat.state.sent("/cgi-bin/media/get")  # nothing asked by a media id


async def test_an_older_image_where_words_are_needed_is_answered_like_any_image(
    desk: Desk,
) -> None:
    reply = await desk.send(desk.sim.message(RESIDENT, "image", PicUrl="http://mmbiz.example/p"))
    assert reply is not None and reply.startswith("收到了。要办什么事，请先回复数字选择")
    assert_menu(reply)


Build = Callable[[Simulator], dict[str, Any]]


@pytest.mark.parametrize(
    ("build", "starts"),
    [
        # A voice note without MediaId still carries what was said.
        (
            lambda s: without(s.voice(RESIDENT, "我的。"), "MediaId"),
            "我的信息",
        ),
        # No CreateTime, no ToUserName: the message is still the person's words.
        (lambda s: without(s.text(RESIDENT, "我的"), "CreateTime"), "我的信息"),
        (lambda s: without(s.text(RESIDENT, "我的"), "ToUserName"), "我的信息"),
        # A number that is not one (WeChat's Scale) is left out, not refused.
        (
            lambda s: s.location(RESIDENT, 37.62, 116.39, "吴桥县桑园镇", scale="x"),
            "收到了。要办什么事",
        ),
        (lambda s: without(s.message(RESIDENT, "video"), "MediaId"), "收到了。要办什么事"),
        # No MsgType, or an event that does not say which: politely not supported.
        (lambda s: without(s.text(RESIDENT, "hi"), "MsgType"), "暂不支持这种消息"),
        (lambda s: without(s.event(RESIDENT, "CLICK"), "Event"), "暂不支持这种消息"),
    ],
)
async def test_a_message_missing_a_field_we_can_do_without_is_answered(
    desk: Desk, build: Build, starts: str
) -> None:
    posted = await desk.post(build(desk.sim))
    assert posted.status == 200, posted.body
    assert posted.text is not None and posted.text.startswith(starts), posted.text


async def test_a_message_from_nobody_is_answered_success_and_nothing_is_kept(
    desk: Desk,
) -> None:
    posted = await desk.post(without(desk.sim.text(OPENID, "我的"), "FromUserName"))
    assert (posted.status, posted.body) == (200, b"success")
    await assert_nothing_changed(desk)

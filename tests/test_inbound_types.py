"""Every message and event WeChat sends an Official Account reaches the conversation as
one typed message, and the person gets a sensible answer (or, for reports, none)."""

from __future__ import annotations

from typing import Any

import pytest

from bot import keys
from storage.db import use
from storage.models import Resident
from tests.conftest import APPID, Desk
from tests.test_menu import assert_menu
from wechat import messages as m
from wechat.parsing import parse_inbound
from wechat.simulator import to_xml

RESIDENT = "oResident000000000000000001"


async def test_voice_with_recognition_counts_as_typing(desk: Desk) -> None:
    reply = await desk.send(desk.sim.voice(RESIDENT, "我的。"))
    assert reply is not None and reply.startswith("我的信息")


async def test_voice_without_recognition_asks_again(desk: Desk) -> None:
    reply = await desk.send(desk.sim.voice(RESIDENT, None))
    assert reply is not None and reply.startswith("这段语音没有听清")
    assert_menu(reply)


@pytest.mark.parametrize(
    "build",
    [
        lambda s: s.image(RESIDENT, "media-1"),
        lambda s: s.message(RESIDENT, "video", MediaId="v1", ThumbMediaId="t1"),
        lambda s: s.message(RESIDENT, "shortvideo", MediaId="v1", ThumbMediaId="t1"),
        lambda s: s.location(RESIDENT, 37.62, 116.39, "吴桥县桑园镇"),
        lambda s: s.message(RESIDENT, "link", Title="标题", Description="说明", Url="http://x.cn"),
        lambda s: s.message(
            RESIDENT,
            "file",
            Title="a.pdf",
            Description="",
            FileKey="k",
            FileMd5="d41d8cd98f00b204e9800998ecf8427e",
            FileTotalLen=12,
        ),
    ],
)
async def test_non_text_where_words_are_needed_asks_for_words(desk: Desk, build: Any) -> None:
    reply = await desk.send(build(desk.sim))
    assert reply is not None and reply.startswith("收到了。要办什么事，请先回复数字选择")
    assert_menu(reply)
    await desk.say("我的")
    reply = await desk.send(build(desk.sim))
    assert reply is not None and reply.startswith("这一步请打字或发语音回答")
    assert "我的信息" in reply


async def test_unknown_message_type_is_politely_unsupported(desk: Desk) -> None:
    reply = await desk.send(desk.sim.message(RESIDENT, "miniprogrampage", Title="x", AppId="wx1"))
    assert reply is not None and reply.startswith("暂不支持这种消息")
    assert_menu(reply)
    reply = await desk.send(desk.sim.event(RESIDENT, "some_future_event"))
    assert reply is not None and reply.startswith("暂不支持这种消息")


async def test_follow_through_a_qr_scene_records_the_scene(desk: Desk) -> None:
    reply = await desk.send(
        desk.sim.event(RESIDENT, "subscribe", EventKey="qrscene_grid-invite-42", Ticket="TICKET")
    )
    assert reply is not None and "吴桥县" in reply
    with use(desk.app[keys.DATABASE]):
        resident = await Resident.get(appid=APPID, openid=RESIDENT)
    assert resident.subscribe_scene == "grid-invite-42"


async def test_scan_by_a_follower_shows_the_menu(desk: Desk) -> None:
    assert_menu(
        await desk.send(desk.sim.event(RESIDENT, "SCAN", EventKey="grid-invite-42", Ticket="T"))
    )


async def test_menu_clicks_work_like_choosing(desk: Desk) -> None:
    reply = await desk.send(desk.sim.event(RESIDENT, "CLICK", EventKey="MENU_MINE"))
    assert reply is not None and reply.startswith("我的信息")
    reply = await desk.send(desk.sim.event(RESIDENT, "CLICK", EventKey="MENU_SERVICE"))
    assert reply is not None and "请说您要办什么事" in reply
    reply = await desk.send(desk.sim.event(RESIDENT, "CLICK", EventKey="MENU_HELP"))
    assert reply is not None and reply.startswith("使用说明")


@pytest.mark.parametrize(
    ("event", "fields"),
    [
        ("LOCATION", {"Latitude": "37.6", "Longitude": "116.3", "Precision": "30.0"}),
        ("VIEW", {"EventKey": "https://example.gov.cn"}),
        (
            "scancode_push",
            {"EventKey": "scan", "ScanCodeInfo": {"ScanType": "qrcode", "ScanResult": "1"}},
        ),
        (
            "scancode_waitmsg",
            {"EventKey": "scan", "ScanCodeInfo": {"ScanType": "qrcode", "ScanResult": "1"}},
        ),
        (
            "pic_sysphoto",
            {
                "EventKey": "p",
                "SendPicsInfo": {"Count": 1, "PicList": {"item": {"PicMd5Sum": "abc"}}},
            },
        ),
        ("pic_photo_or_album", {"EventKey": "p", "SendPicsInfo": {"Count": 0}}),
        ("pic_weixin", {"EventKey": "p", "SendPicsInfo": {"Count": 0}}),
        (
            "location_select",
            {
                "EventKey": "l",
                "SendLocationInfo": {
                    "Location_X": "37.6",
                    "Location_Y": "116.3",
                    "Scale": "15",
                    "Label": "吴桥",
                    "Poiname": "",
                },
            },
        ),
        ("TEMPLATESENDJOBFINISH", {"MsgID": "200163836", "Status": "success"}),
        (
            "MASSSENDJOBFINISH",
            {
                "MsgID": "1000001625",
                "Status": "sendsuccess",
                "TotalCount": 100,
                "FilterCount": 80,
                "SentCount": 75,
                "ErrorCount": 5,
            },
        ),
        (
            "subscribe_msg_popup_event",
            {
                "SubscribeMsgPopupEvent": {
                    "List": [
                        {"TemplateId": "T1", "SubscribeStatusString": "accept", "PopupScene": "2"},
                        {"TemplateId": "T2", "SubscribeStatusString": "reject", "PopupScene": "2"},
                    ]
                }
            },
        ),
        (
            "subscribe_msg_change_event",
            {
                "SubscribeMsgChangeEvent": {
                    "List": {"TemplateId": "T1", "SubscribeStatusString": "reject"}
                }
            },
        ),
        (
            "subscribe_msg_sent_event",
            {
                "SubscribeMsgSentEvent": {
                    "List": {
                        "TemplateId": "T1",
                        "MsgID": "1700827132819554304",
                        "ErrorCode": "0",
                        "ErrorStatus": "success",
                    }
                }
            },
        ),
    ],
)
async def test_reports_and_pickers_are_accepted_without_a_reply(
    desk: Desk, event: str, fields: dict[str, Any]
) -> None:
    posted = await desk.post(desk.sim.event(RESIDENT, event, **fields))
    assert posted.status == 200
    assert posted.body == b"success"


def parse(fields: dict[str, Any]) -> m.Inbound:
    return parse_inbound(to_xml(fields).encode(), APPID)


BASE = {"ToUserName": "gh_1", "FromUserName": RESIDENT, "CreateTime": 1700000000}


def test_every_type_parses_into_its_typed_message() -> None:
    text = parse({**BASE, "MsgType": "text", "Content": "你好", "MsgId": "1"})
    assert isinstance(text, m.TextMessage) and text.content == "你好" and text.msg_id == "1"
    assert text.account == "gh_1" and text.appid == APPID
    image = parse({**BASE, "MsgType": "image", "PicUrl": "http://p", "MediaId": "M", "MsgId": "2"})
    assert isinstance(image, m.ImageMessage) and (image.media_id, image.pic_url) == (
        "M",
        "http://p",
    )
    voice = parse(
        {
            **BASE,
            "MsgType": "voice",
            "MediaId": "V",
            "Format": "amr",
            "Recognition": "我要办低保。",
            "MsgId": "3",
        }
    )
    assert isinstance(voice, m.VoiceMessage) and voice.format == "amr"
    assert voice.text == "我要办低保" and voice.kind is m.Kind.VOICE
    video = parse(
        {**BASE, "MsgType": "shortvideo", "MediaId": "V", "ThumbMediaId": "T", "MsgId": "4"}
    )
    assert isinstance(video, m.VideoMessage) and video.short
    loc = parse(
        {
            **BASE,
            "MsgType": "location",
            "Location_X": "37.63",
            "Location_Y": "116.38",
            "Scale": "15",
            "Label": "桑园镇",
            "MsgId": "5",
        }
    )
    assert isinstance(loc, m.LocationMessage)
    assert (loc.latitude, loc.longitude, loc.scale, loc.label) == (37.63, 116.38, 15, "桑园镇")
    link = parse(
        {**BASE, "MsgType": "link", "Title": "t", "Description": "d", "Url": "u", "MsgId": "6"}
    )
    assert isinstance(link, m.LinkMessage) and link.url == "u"
    file = parse(
        {
            **BASE,
            "MsgType": "file",
            "Title": "a.pdf",
            "FileKey": "k",
            "FileMd5": "x",
            "FileTotalLen": "12",
            "MsgId": "7",
        }
    )
    assert isinstance(file, m.FileMessage) and file.file_total_len == 12


def test_events_parse_into_their_typed_messages() -> None:
    ev = {**BASE, "MsgType": "event"}
    plain = parse({**ev, "Event": "subscribe"})
    assert isinstance(plain, m.SubscribeEvent) and plain.scene is None
    scene = parse({**ev, "Event": "subscribe", "EventKey": "qrscene_123", "Ticket": "T"})
    assert isinstance(scene, m.SubscribeEvent) and scene.scene == "123"
    assert isinstance(parse({**ev, "Event": "unsubscribe"}), m.UnsubscribeEvent)
    scan = parse({**ev, "Event": "SCAN", "EventKey": "123", "Ticket": "T"})
    assert isinstance(scan, m.ScanEvent) and scan.scene == "123"
    click = parse({**ev, "Event": "CLICK", "EventKey": "MENU_MINE"})
    assert isinstance(click, m.ClickEvent) and click.key == "MENU_MINE"
    job = parse(
        {**ev, "Event": "TEMPLATESENDJOBFINISH", "MsgID": "9", "Status": "failed:user block"}
    )
    assert isinstance(job, m.TemplateSendJobFinishEvent)
    assert (job.job_msg_id, job.status) == ("9", "failed:user block")
    mass = parse(
        {
            **ev,
            "Event": "MASSSENDJOBFINISH",
            "MsgID": "8",
            "Status": "sendsuccess",
            "TotalCount": "10",
            "FilterCount": "9",
            "SentCount": "8",
            "ErrorCount": "1",
        }
    )
    assert isinstance(mass, m.MassSendJobFinishEvent) and mass.error_count == 1
    popup = parse(
        {
            **ev,
            "Event": "subscribe_msg_popup_event",
            "SubscribeMsgPopupEvent": {
                "List": [
                    {"TemplateId": "A", "SubscribeStatusString": "accept", "PopupScene": "2"},
                    {"TemplateId": "B", "SubscribeStatusString": "reject", "PopupScene": "2"},
                ]
            },
        }
    )
    assert isinstance(popup, m.SubscribeMsgEvent) and popup.which == "popup"
    assert [(i.template_id, i.status) for i in popup.items] == [("A", "accept"), ("B", "reject")]
    change = parse(
        {
            **ev,
            "Event": "subscribe_msg_change_event",
            "SubscribeMsgChangeEvent": {
                "List": {"TemplateId": "A", "SubscribeStatusString": "reject"}
            },
        }
    )
    assert isinstance(change, m.SubscribeMsgEvent) and change.items[0].status == "reject"
    sent = parse(
        {
            **ev,
            "Event": "subscribe_msg_sent_event",
            "SubscribeMsgSentEvent": {
                "List": {
                    "TemplateId": "A",
                    "MsgID": "77",
                    "ErrorCode": "43101",
                    "ErrorStatus": "fail",
                }
            },
        }
    )
    assert isinstance(sent, m.SubscribeMsgEvent) and sent.which == "sent"
    assert (sent.items[0].msg_id, sent.items[0].error_code) == ("77", 43101)
    pick = parse(
        {
            **ev,
            "Event": "location_select",
            "EventKey": "k",
            "SendLocationInfo": {
                "Location_X": "37.6",
                "Location_Y": "116.3",
                "Scale": "15",
                "Label": "吴桥",
                "Poiname": "县政府",
            },
        }
    )
    assert isinstance(pick, m.LocationSelectEvent) and pick.poiname == "县政府"
    pics = parse({**ev, "Event": "pic_weixin", "EventKey": "k", "SendPicsInfo": {"Count": "2"}})
    assert isinstance(pics, m.PicEvent) and (pics.source, pics.count) == ("weixin", 2)
    code = parse(
        {
            **ev,
            "Event": "scancode_waitmsg",
            "EventKey": "k",
            "ScanCodeInfo": {"ScanType": "qrcode", "ScanResult": "abc"},
        }
    )
    assert isinstance(code, m.ScanCodeEvent) and code.waitmsg and code.scan_result == "abc"

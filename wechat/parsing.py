"""Turning WeChat's XML into one typed message (wechat.messages).

wechatpy parses what it knows; the subscription-notice events and file messages, which
wechatpy 1.8.18 does not know, are read from the raw fields here.

Tolerant where WeChat is: a message of a known type missing a field we can do without
(an image in the older form, with PicUrl and no MediaId; a field that is not a number
or not text) is read with that field empty, never refused. Only a body that is not
WeChat's XML is (MalformedMessage), and a message from nobody (NoSender) is answered
without being processed.
"""

from __future__ import annotations

import functools
import math
import re
import time
from collections.abc import Callable, Mapping
from typing import Any
from xml.etree import ElementTree

from wechatpy import messages as wx_messages

from wechat import messages as m

# WeChat never sends a DTD. Refusing any declaration shuts out external entities (XXE)
# and entity expansion ("billion laughs") before a parser sees them.
_DECLARATION = re.compile(r"<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST)", re.IGNORECASE)
_PROLOG_ENCODING = re.compile(r"^\s*<\?xml[^>]*encoding\s*=\s*[\"']([^\"']+)", re.IGNORECASE)
_INTEGER = re.compile(r"^\s*-?\d{1,18}\s*$")
# WeChat nests at most four levels (xml / SendPicsInfo / PicList / item); a little slack.
_MAX_DEPTH = 6


class MalformedMessage(ValueError):
    """The body is not a message WeChat would send; the text is a short plain reason."""


class NoSender(ValueError):
    """Well-formed, but naming no one (no FromUserName): nobody to answer or remember."""


def _text_of(body: bytes) -> str:
    """WeChat sends UTF-8. Anything else (UTF-16 hides a DOCTYPE from a byte search) is
    refused before parsing."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedMessage("body must be UTF-8") from None
    declared = _PROLOG_ENCODING.match(text)
    if declared and declared.group(1).lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise MalformedMessage("body must be UTF-8")
    if _DECLARATION.search(text):
        raise MalformedMessage("XML declarations (DOCTYPE/ENTITY) are not accepted")
    return text


def parse_xml(body: bytes) -> dict[str, Any]:
    """Parse a WeChat XML document into its fields, shaped as xmltodict (and so wechatpy)
    shapes them: text or None per element, dicts for nested ones, lists for repeats.

    ElementTree's C parser does this several times faster than xmltodict's SAX handler,
    which matters on the hot path where every message is parsed twice (envelope, body).
    """
    text = _text_of(body)
    try:
        # Bytes, so a (UTF-8) encoding declaration is honoured rather than refused.
        root = ElementTree.fromstring(text.encode("utf-8"))
    except (ElementTree.ParseError, ValueError, LookupError) as exc:
        raise MalformedMessage("body is not well-formed XML") from exc
    if root.tag != "xml":
        raise MalformedMessage("body has no <xml> root")
    fields = _fields(root, 1)
    return fields if isinstance(fields, dict) else {}


def _fields(element: ElementTree.Element, depth: int) -> dict[str, Any] | str | None:
    if len(element) == 0:
        return element.text if element.text else None
    if depth >= _MAX_DEPTH:
        raise MalformedMessage("XML is nested deeper than WeChat's messages")
    out: dict[str, Any] = {}
    for child in element:
        value = _fields(child, depth + 1)
        if child.tag in out:
            existing = out[child.tag]
            if isinstance(existing, list):
                existing.append(value)
            else:
                out[child.tag] = [existing, value]
        else:
            out[child.tag] = value
    return out


def _str(raw: Mapping[str, Any], key: str) -> str | None:
    """The field's text; None when it is absent or not text (nested elements)."""
    value = raw.get(key)
    return value if isinstance(value, str) else None


def _float(raw: Mapping[str, Any], key: str) -> float | None:
    """The field as a finite number; None when absent or not one."""
    value = _str(raw, key)
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _int(raw: Mapping[str, Any], key: str) -> int | None:
    value = _str(raw, key)
    if value is None or not _INTEGER.match(value):
        return None
    return int(value)


def _items(container: Any) -> list[Mapping[str, Any]]:
    if not isinstance(container, Mapping):
        return []
    listed = container.get("List")
    if isinstance(listed, Mapping):
        return [listed]
    if isinstance(listed, list):
        return [item for item in listed if isinstance(item, Mapping)]
    return []


def parse_inbound(raw_xml: bytes, appid: str) -> m.Inbound:
    """Parse one decrypted message. Raises :class:`MalformedMessage` when the body is not
    WeChat's XML, :class:`NoSender` when it names no one; anything else is read."""
    raw = parse_xml(raw_xml)
    openid = _str(raw, "FromUserName")
    if not openid:
        raise NoSender("FromUserName is missing")
    msg_type = (_str(raw, "MsgType") or "").lower()
    create_time = _int(raw, "CreateTime")
    if create_time is None:
        # When it came, then: what tells an event from its retry within a second or so.
        create_time = int(time.time())
    common: dict[str, Any] = {
        "appid": appid,
        "account": _str(raw, "ToUserName") or "",
        "openid": openid,
        "create_time": create_time,
        "msg_id": _str(raw, "MsgId") or _str(raw, "MsgID"),
    }
    if msg_type == "event":
        return _parse_event(raw, common)
    if msg_type == "file":
        return _file(raw, common)
    # wechatpy's message classes decide what the type is (as wechatpy.parse_message
    # would), over the fields already parsed: one XML parse per message, not two.
    msg = wx_messages.MESSAGE_TYPES.get(msg_type, wx_messages.UnknownMessage)(raw)
    parse = _MESSAGES.get(type(msg))
    if parse is None:
        return m.UnknownMessage(**common, msg_type=msg_type)
    return parse(raw, common)


# One parser per kind of message or event: (WeChat's fields, the common ones) -> message.
_Parse = Callable[[Mapping[str, Any], dict[str, Any]], m.Inbound]


def _file(raw: Mapping[str, Any], common: dict[str, Any]) -> m.Inbound:
    return m.FileMessage(
        **common,
        title=_str(raw, "Title"),
        description=_str(raw, "Description"),
        file_key=_str(raw, "FileKey"),
        file_md5=_str(raw, "FileMd5"),
        file_total_len=_int(raw, "FileTotalLen"),
    )


def _text(raw: Mapping[str, Any], common: dict[str, Any]) -> m.Inbound:
    return m.TextMessage(**common, content=_str(raw, "Content") or "")


def _image(raw: Mapping[str, Any], common: dict[str, Any]) -> m.Inbound:
    # The older form has PicUrl and no MediaId: the picture is fetched from PicUrl.
    return m.ImageMessage(
        **common, media_id=_str(raw, "MediaId") or "", pic_url=_str(raw, "PicUrl")
    )


def _voice(raw: Mapping[str, Any], common: dict[str, Any]) -> m.Inbound:
    return m.VoiceMessage(
        **common,
        media_id=_str(raw, "MediaId") or "",
        format=_str(raw, "Format"),
        recognition=_str(raw, "Recognition"),
    )


def _video(raw: Mapping[str, Any], common: dict[str, Any], *, short: bool) -> m.Inbound:
    return m.VideoMessage(
        **common,
        media_id=_str(raw, "MediaId") or "",
        thumb_media_id=_str(raw, "ThumbMediaId"),
        short=short,
    )


def _location(raw: Mapping[str, Any], common: dict[str, Any]) -> m.Inbound:
    return m.LocationMessage(
        **common,
        latitude=_float(raw, "Location_X") or 0.0,
        longitude=_float(raw, "Location_Y") or 0.0,
        scale=_int(raw, "Scale"),
        label=_str(raw, "Label"),
    )


def _link(raw: Mapping[str, Any], common: dict[str, Any]) -> m.Inbound:
    return m.LinkMessage(
        **common,
        title=_str(raw, "Title"),
        description=_str(raw, "Description"),
        url=_str(raw, "Url"),
    )


_MESSAGES: dict[type[Any], _Parse] = {
    wx_messages.TextMessage: _text,
    wx_messages.ImageMessage: _image,
    wx_messages.VoiceMessage: _voice,
    wx_messages.VideoMessage: functools.partial(_video, short=False),
    wx_messages.ShortVideoMessage: functools.partial(_video, short=True),
    wx_messages.LocationMessage: _location,
    wx_messages.LinkMessage: _link,
}


def _parse_event(raw: Mapping[str, Any], common: dict[str, Any]) -> m.Inbound:
    event = (_str(raw, "Event") or "").lower()
    parse = _EVENTS.get(event)
    if parse is None:
        return m.UnknownMessage(**{**common, "msg_id": None}, msg_type="event", event=event)
    # Events have no MsgId (except the job-finish ones, whose MsgID names the job).
    return parse(raw, {**common, "msg_id": None, "name": event})


def _key(raw: Mapping[str, Any]) -> str:
    return _str(raw, "EventKey") or ""


def _part(raw: Mapping[str, Any], container: str) -> Mapping[str, Any]:
    info = raw.get(container)
    return info if isinstance(info, Mapping) else {}


def _subscribe(raw: Mapping[str, Any], common: dict[str, Any]) -> m.Inbound:
    key = _key(raw)
    scene = key[len("qrscene_") :] if key.startswith("qrscene_") else None
    return m.SubscribeEvent(**common, scene=scene or None, ticket=_str(raw, "Ticket"))


def _scan(raw: Mapping[str, Any], common: dict[str, Any]) -> m.Inbound:
    return m.ScanEvent(**common, scene=_key(raw), ticket=_str(raw, "Ticket"))


def _location_report(raw: Mapping[str, Any], common: dict[str, Any]) -> m.Inbound:
    return m.LocationReportEvent(
        **common,
        latitude=_float(raw, "Latitude") or 0.0,
        longitude=_float(raw, "Longitude") or 0.0,
        precision=_float(raw, "Precision"),
    )


def _scancode(raw: Mapping[str, Any], common: dict[str, Any]) -> m.Inbound:
    info = _part(raw, "ScanCodeInfo")
    return m.ScanCodeEvent(
        **common,
        key=_key(raw),
        waitmsg=common["name"] == "scancode_waitmsg",
        scan_type=_str(info, "ScanType"),
        scan_result=_str(info, "ScanResult"),
    )


def _pictures(raw: Mapping[str, Any], common: dict[str, Any]) -> m.Inbound:
    info = _part(raw, "SendPicsInfo")
    source = str(common["name"]).removeprefix("pic_")
    return m.PicEvent(**common, key=_key(raw), source=source, count=_int(info, "Count") or 0)


def _location_select(raw: Mapping[str, Any], common: dict[str, Any]) -> m.Inbound:
    info = _part(raw, "SendLocationInfo")
    return m.LocationSelectEvent(
        **common,
        key=_key(raw),
        latitude=_float(info, "Location_X"),
        longitude=_float(info, "Location_Y"),
        scale=_int(info, "Scale"),
        label=_str(info, "Label"),
        poiname=_str(info, "Poiname"),
    )


def _template_job(raw: Mapping[str, Any], common: dict[str, Any]) -> m.Inbound:
    return m.TemplateSendJobFinishEvent(
        **common, job_msg_id=_str(raw, "MsgID") or "", status=_str(raw, "Status") or ""
    )


def _mass_job(raw: Mapping[str, Any], common: dict[str, Any]) -> m.Inbound:
    return m.MassSendJobFinishEvent(
        **common,
        job_msg_id=_str(raw, "MsgID") or "",
        status=_str(raw, "Status") or "",
        total_count=_int(raw, "TotalCount") or 0,
        filter_count=_int(raw, "FilterCount") or 0,
        sent_count=_int(raw, "SentCount") or 0,
        error_count=_int(raw, "ErrorCount") or 0,
    )


def _subscribe_msg(
    raw: Mapping[str, Any], common: dict[str, Any], *, which: str, container: str
) -> m.Inbound:
    items = tuple(
        m.SubscribeMsgItem(
            template_id=_str(item, "TemplateId") or "",
            status=_str(item, "SubscribeStatusString"),
            popup_scene=_str(item, "PopupScene"),
            msg_id=_str(item, "MsgID"),
            error_code=_int(item, "ErrorCode"),
            error_status=_str(item, "ErrorStatus"),
        )
        for item in _items(raw.get(container))
    )
    return m.SubscribeMsgEvent(**common, which=which, items=items)


_EVENTS: dict[str, _Parse] = {
    "subscribe": _subscribe,
    "unsubscribe": lambda raw, common: m.UnsubscribeEvent(**common),
    "scan": _scan,
    "location": _location_report,
    "click": lambda raw, common: m.ClickEvent(**common, key=_key(raw)),
    "view": lambda raw, common: m.ViewEvent(**common, url=_key(raw)),
    "scancode_push": _scancode,
    "scancode_waitmsg": _scancode,
    "pic_sysphoto": _pictures,
    "pic_photo_or_album": _pictures,
    "pic_weixin": _pictures,
    "location_select": _location_select,
    "templatesendjobfinish": _template_job,
    "masssendjobfinish": _mass_job,
    # wechatpy 1.8.18 does not know the subscription-notice events.
    "subscribe_msg_popup_event": functools.partial(
        _subscribe_msg, which="popup", container="SubscribeMsgPopupEvent"
    ),
    "subscribe_msg_change_event": functools.partial(
        _subscribe_msg, which="change", container="SubscribeMsgChangeEvent"
    ),
    "subscribe_msg_sent_event": functools.partial(
        _subscribe_msg, which="sent", container="SubscribeMsgSentEvent"
    ),
}

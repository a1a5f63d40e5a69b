"""Turning WeChat's XML into one typed message (wechat.messages).

wechatpy parses what it knows; the subscription-notice events and file messages, which
wechatpy 1.8.18 does not know, are read from the raw fields here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
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
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise MalformedMessage(f"{key} must be text")
    return value


def _require(raw: Mapping[str, Any], key: str) -> str:
    value = _str(raw, key)
    if not value:
        raise MalformedMessage(f"{key} is missing")
    return value


def _float(raw: Mapping[str, Any], key: str, *, required: bool = True) -> float | None:
    value = _str(raw, key)
    if value is None or value.strip() == "":
        if required:
            raise MalformedMessage(f"{key} is missing")
        return None
    try:
        number = float(value)
    except ValueError:
        raise MalformedMessage(f"{key} must be a number") from None
    if not math.isfinite(number):
        raise MalformedMessage(f"{key} must be a number")
    return number


def _int(raw: Mapping[str, Any], key: str) -> int | None:
    value = _str(raw, key)
    if value is None or value.strip() == "":
        return None
    if not _INTEGER.match(value):
        raise MalformedMessage(f"{key} must be a whole number")
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
    """Parse one decrypted message. Raises :class:`MalformedMessage` on anything off."""
    raw = parse_xml(raw_xml)
    openid = _require(raw, "FromUserName")
    _require(raw, "ToUserName")
    msg_type = (_require(raw, "MsgType")).lower()
    create_time = _int(raw, "CreateTime")
    if create_time is None:
        raise MalformedMessage("CreateTime is missing")
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
        return m.FileMessage(
            **common,
            title=_str(raw, "Title"),
            description=_str(raw, "Description"),
            file_key=_str(raw, "FileKey"),
            file_md5=_str(raw, "FileMd5"),
            file_total_len=_int(raw, "FileTotalLen"),
        )
    # wechatpy's message classes decide what the type is (as wechatpy.parse_message
    # would), over the fields already parsed: one XML parse per message, not two.
    msg = wx_messages.MESSAGE_TYPES.get(msg_type, wx_messages.UnknownMessage)(raw)
    if isinstance(msg, wx_messages.TextMessage):
        return m.TextMessage(**common, content=_str(raw, "Content") or "")
    if isinstance(msg, wx_messages.ImageMessage):
        return m.ImageMessage(
            **common, media_id=_require(raw, "MediaId"), pic_url=_str(raw, "PicUrl")
        )
    if isinstance(msg, wx_messages.VoiceMessage):
        return m.VoiceMessage(
            **common,
            media_id=_require(raw, "MediaId"),
            format=_str(raw, "Format"),
            recognition=_str(raw, "Recognition"),
        )
    if isinstance(msg, wx_messages.VideoMessage | wx_messages.ShortVideoMessage):
        return m.VideoMessage(
            **common,
            media_id=_require(raw, "MediaId"),
            thumb_media_id=_str(raw, "ThumbMediaId"),
            short=isinstance(msg, wx_messages.ShortVideoMessage),
        )
    if isinstance(msg, wx_messages.LocationMessage):
        return m.LocationMessage(
            **common,
            latitude=_float(raw, "Location_X") or 0.0,
            longitude=_float(raw, "Location_Y") or 0.0,
            scale=_int(raw, "Scale"),
            label=_str(raw, "Label"),
        )
    if isinstance(msg, wx_messages.LinkMessage):
        return m.LinkMessage(
            **common,
            title=_str(raw, "Title"),
            description=_str(raw, "Description"),
            url=_str(raw, "Url"),
        )
    return m.UnknownMessage(**common, msg_type=msg_type)


_SUBSCRIBE_MSG = {
    "subscribe_msg_popup_event": ("popup", "SubscribeMsgPopupEvent"),
    "subscribe_msg_change_event": ("change", "SubscribeMsgChangeEvent"),
    "subscribe_msg_sent_event": ("sent", "SubscribeMsgSentEvent"),
}


def _parse_event(raw: Mapping[str, Any], common: dict[str, Any]) -> m.Inbound:
    event = (_require(raw, "Event")).lower()
    key = _str(raw, "EventKey") or ""
    # Events have no MsgId (except the job-finish ones, whose MsgID names the job).
    common = {**common, "msg_id": None, "name": event}
    if event == "subscribe":
        scene = key[len("qrscene_") :] if key.startswith("qrscene_") else None
        return m.SubscribeEvent(**common, scene=scene or None, ticket=_str(raw, "Ticket"))
    if event == "unsubscribe":
        return m.UnsubscribeEvent(**common)
    if event == "scan":
        return m.ScanEvent(**common, scene=key, ticket=_str(raw, "Ticket"))
    if event == "location":
        return m.LocationReportEvent(
            **common,
            latitude=_float(raw, "Latitude") or 0.0,
            longitude=_float(raw, "Longitude") or 0.0,
            precision=_float(raw, "Precision", required=False),
        )
    if event == "click":
        return m.ClickEvent(**common, key=key)
    if event == "view":
        return m.ViewEvent(**common, url=key)
    if event in ("scancode_push", "scancode_waitmsg"):
        info = raw.get("ScanCodeInfo")
        info = info if isinstance(info, Mapping) else {}
        return m.ScanCodeEvent(
            **common,
            key=key,
            waitmsg=event == "scancode_waitmsg",
            scan_type=_str(info, "ScanType"),
            scan_result=_str(info, "ScanResult"),
        )
    if event in ("pic_sysphoto", "pic_photo_or_album", "pic_weixin"):
        info = raw.get("SendPicsInfo")
        info = info if isinstance(info, Mapping) else {}
        return m.PicEvent(
            **common, key=key, source=event.removeprefix("pic_"), count=_int(info, "Count") or 0
        )
    if event == "location_select":
        info = raw.get("SendLocationInfo")
        info = info if isinstance(info, Mapping) else {}
        return m.LocationSelectEvent(
            **common,
            key=key,
            latitude=_float(info, "Location_X", required=False),
            longitude=_float(info, "Location_Y", required=False),
            scale=_int(info, "Scale"),
            label=_str(info, "Label"),
            poiname=_str(info, "Poiname"),
        )
    if event == "templatesendjobfinish":
        return m.TemplateSendJobFinishEvent(
            **common, job_msg_id=_require(raw, "MsgID"), status=_str(raw, "Status") or ""
        )
    if event == "masssendjobfinish":
        return m.MassSendJobFinishEvent(
            **common,
            job_msg_id=_require(raw, "MsgID"),
            status=_str(raw, "Status") or "",
            total_count=_int(raw, "TotalCount") or 0,
            filter_count=_int(raw, "FilterCount") or 0,
            sent_count=_int(raw, "SentCount") or 0,
            error_count=_int(raw, "ErrorCount") or 0,
        )
    if event in _SUBSCRIBE_MSG:
        which, container = _SUBSCRIBE_MSG[event]
        items = tuple(
            m.SubscribeMsgItem(
                template_id=_require(item, "TemplateId"),
                status=_str(item, "SubscribeStatusString"),
                popup_scene=_str(item, "PopupScene"),
                msg_id=_str(item, "MsgID"),
                error_code=_int(item, "ErrorCode"),
                error_status=_str(item, "ErrorStatus"),
            )
            for item in _items(raw.get(container))
        )
        return m.SubscribeMsgEvent(**common, which=which, items=items)
    del common["name"]
    return m.UnknownMessage(**common, msg_type="event", event=event)

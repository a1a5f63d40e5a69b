"""Typed inbound messages: what the conversation layer receives, whatever WeChat sent."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    """What a step can accept. Voice with recognised text arrives as both VOICE and TEXT."""

    TEXT = "text"
    IMAGE = "image"
    VOICE = "voice"
    VIDEO = "video"
    LOCATION = "location"
    LINK = "link"
    FILE = "file"
    EVENT = "event"
    UNKNOWN = "unknown"


@dataclass(frozen=True, kw_only=True)
class Inbound:
    """Common to everything WeChat posts: who, to which account, when."""

    appid: str
    openid: str
    create_time: int
    # ToUserName: the account's original id (gh_...), which a passive reply comes from.
    account: str = ""
    msg_id: str | None = None

    kind = Kind.UNKNOWN

    @property
    def text(self) -> str | None:
        """The words the person said, typed or spoken; None when there are none."""
        return None


@dataclass(frozen=True, kw_only=True)
class TextMessage(Inbound):
    content: str
    kind = Kind.TEXT

    @property
    def text(self) -> str | None:
        return self.content


@dataclass(frozen=True, kw_only=True)
class ImageMessage(Inbound):
    media_id: str
    pic_url: str | None = None
    kind = Kind.IMAGE


@dataclass(frozen=True, kw_only=True)
class VoiceMessage(Inbound):
    media_id: str
    format: str | None = None
    recognition: str | None = None
    kind = Kind.VOICE

    @property
    def text(self) -> str | None:
        # WeChat's recognition often ends with a full stop the person did not "type".
        if not self.recognition:
            return None
        return self.recognition.strip().rstrip("。.！!？?，, ") or None


@dataclass(frozen=True, kw_only=True)
class VideoMessage(Inbound):
    media_id: str
    thumb_media_id: str | None = None
    short: bool = False
    kind = Kind.VIDEO


@dataclass(frozen=True, kw_only=True)
class LocationMessage(Inbound):
    latitude: float
    longitude: float
    scale: int | None = None
    label: str | None = None
    kind = Kind.LOCATION


@dataclass(frozen=True, kw_only=True)
class LinkMessage(Inbound):
    title: str | None = None
    description: str | None = None
    url: str | None = None
    kind = Kind.LINK


@dataclass(frozen=True, kw_only=True)
class FileMessage(Inbound):
    title: str | None = None
    description: str | None = None
    file_key: str | None = None
    file_md5: str | None = None
    file_total_len: int | None = None
    kind = Kind.FILE


@dataclass(frozen=True, kw_only=True)
class UnknownMessage(Inbound):
    msg_type: str
    event: str | None = None
    kind = Kind.UNKNOWN


# Events ------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Event(Inbound):
    # WeChat's own event name as sent (lowercased), e.g. "scancode_waitmsg".
    name: str = ""
    kind = Kind.EVENT
    event = ""


@dataclass(frozen=True, kw_only=True)
class SubscribeEvent(Event):
    """关注; ``scene`` is set when they followed by scanning a parametric QR code."""

    scene: str | None = None
    ticket: str | None = None
    event = "subscribe"


@dataclass(frozen=True, kw_only=True)
class UnsubscribeEvent(Event):
    event = "unsubscribe"


@dataclass(frozen=True, kw_only=True)
class ScanEvent(Event):
    """An existing follower scanned a parametric QR code."""

    scene: str
    ticket: str | None = None
    event = "scan"


@dataclass(frozen=True, kw_only=True)
class LocationReportEvent(Event):
    """The periodic location report WeChat sends when the person allowed it."""

    latitude: float
    longitude: float
    precision: float | None = None
    event = "location"


@dataclass(frozen=True, kw_only=True)
class ClickEvent(Event):
    key: str
    event = "click"


@dataclass(frozen=True, kw_only=True)
class ViewEvent(Event):
    url: str
    event = "view"


@dataclass(frozen=True, kw_only=True)
class ScanCodeEvent(Event):
    """scancode_push / scancode_waitmsg from a menu button."""

    key: str
    waitmsg: bool
    scan_type: str | None = None
    scan_result: str | None = None
    event = "scancode"


@dataclass(frozen=True, kw_only=True)
class PicEvent(Event):
    """pic_sysphoto / pic_photo_or_album / pic_weixin; the pictures follow as image messages."""

    key: str
    source: str
    count: int = 0
    event = "pic"


@dataclass(frozen=True, kw_only=True)
class LocationSelectEvent(Event):
    key: str
    latitude: float | None = None
    longitude: float | None = None
    scale: int | None = None
    label: str | None = None
    poiname: str | None = None
    event = "location_select"


@dataclass(frozen=True, kw_only=True)
class TemplateSendJobFinishEvent(Event):
    job_msg_id: str
    status: str
    event = "templatesendjobfinish"


@dataclass(frozen=True, kw_only=True)
class MassSendJobFinishEvent(Event):
    job_msg_id: str
    status: str
    total_count: int = 0
    filter_count: int = 0
    sent_count: int = 0
    error_count: int = 0
    event = "masssendjobfinish"


@dataclass(frozen=True)
class SubscribeMsgItem:
    """One template in a subscription-notice event."""

    template_id: str
    status: str | None = None  # accept / reject (popup, change)
    popup_scene: str | None = None  # popup only
    msg_id: str | None = None  # sent only
    error_code: int | None = None  # sent only
    error_status: str | None = None  # sent only


@dataclass(frozen=True, kw_only=True)
class SubscribeMsgEvent(Event):
    """subscribe_msg_popup_event / _change_event / _sent_event (unknown to wechatpy)."""

    which: str  # "popup" | "change" | "sent"
    items: tuple[SubscribeMsgItem, ...] = field(default_factory=tuple)
    event = "subscribe_msg"

"""Subscription notices (订阅通知): one send per consent the person gave; when it is used
up WeChat refuses with 43101, and that consent is recorded as spent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from notifications.channels.base import Channel, Push
from storage import outbox
from storage.outbox import Claimed
from wechat.client import WeChatAPI
from wechat.errcodes import NO_CONSENT


def _part(delivery: Claimed) -> dict[str, Any]:
    """The notice's own template and fields: under "subscribe" when the payload serves
    several channels, the payload itself otherwise."""
    part = delivery.payload.get("subscribe")
    return dict(part) if isinstance(part, dict) else dict(delivery.payload)


class SubscribeChannel(Channel):
    name = "subscribe"
    template_setting = "subscribe_template_id"

    def render(self, push: Push, template_id: str) -> dict[str, Any]:
        return {"subscribe": {"template_id": template_id, "data": dict(push.brief)}}

    async def send(self, api: WeChatAPI, delivery: Claimed) -> str | None:
        part = _part(delivery)
        await api.send_subscribe(
            delivery.openid, str(part["template_id"]), dict(part["data"]), page=part.get("page")
        )
        return None

    async def refused(self, delivery: Claimed, errcode: int, now: datetime) -> None:
        if errcode == NO_CONSENT:
            template_id = str(_part(delivery).get("template_id"))
            await outbox.record_consent(
                delivery.appid, delivery.openid, template_id, "used_up", now
            )

"""Customer-service messages (客服消息): words to one person, only within WeChat's window
after they last wrote to the account."""

from __future__ import annotations

from typing import Any

from notifications.channels.base import Channel, Push
from storage.outbox import Claimed
from wechat.client import WeChatAPI


class CustomChannel(Channel):
    name = "custom"

    def render(self, push: Push, template_id: str) -> dict[str, Any]:
        return {"text": push.text}

    async def send(self, api: WeChatAPI, delivery: Claimed) -> str | None:
        await api.send_text(delivery.openid, str(delivery.payload["text"]))
        return None

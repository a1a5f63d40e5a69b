"""Template messages (模板消息): a template chosen in the account's console, filled in,
to one follower at any time."""

from __future__ import annotations

from typing import Any

from notifications.channels.base import Channel, Push
from storage.outbox import Claimed
from wechat.client import WeChatAPI


class TemplateChannel(Channel):
    name = "template"
    guarded = True  # client_msg_id: WeChat drops a second send with the same id
    template_setting = "template_id"

    def render(self, push: Push, template_id: str) -> dict[str, Any]:
        data = {"first": push.heading}
        data |= {f"keyword{i}": value for i, value in enumerate(push.fields, 1)}
        data["remark"] = push.remark
        part: dict[str, Any] = {"template_id": template_id, "data": data}
        if push.url:
            part["url"] = push.url
        return part

    async def send(self, api: WeChatAPI, delivery: Claimed) -> str | None:
        p = delivery.payload
        msgid = await api.send_template(
            delivery.openid,
            str(p["template_id"]),
            dict(p["data"]),
            url=p.get("url"),
            client_msg_id=f"delivery-{delivery.id}",
        )
        return str(msgid)

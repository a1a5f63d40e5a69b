"""Mass sends (群发) by openid list: one call reaches up to 10,000 followers, each of whom
may get four a month; WeChat drops a repeat under the same clientmsgid for 24 hours."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from notifications.channels.base import Channel, Push
from storage import outbox
from storage.clock import BEIJING
from storage.outbox import Claimed
from wechat.client import WeChatAPI

PER_MONTH = 4  # mass sends a follower of a service account may get in a month


class MassChannel(Channel):
    name = "mass"
    guarded = True  # clientmsgid
    together = True
    personal = False  # a broadcast, counted against everyone's four a month
    least_together = 2  # WeChat's mass send needs two people at least

    def render(self, push: Push, template_id: str) -> dict[str, Any]:
        return {"text": push.text}

    async def send_together(
        self, api: WeChatAPI, group: Sequence[Claimed], name: str, now: datetime
    ) -> str:
        first = group[0]
        msg_id = await api.send_mass_text(
            [d.openid for d in group], str(first.payload["text"]), name
        )
        # WeChat's MASSSENDJOBFINISH receipt names the send by this id.
        await outbox.record_mass_job(first.appid, msg_id, first.source, len(group), now)
        return f"mass:{msg_id}"

    async def spent(self, openids: Sequence[str], now: datetime) -> set[str]:
        local = now.astimezone(BEIJING)
        month = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        had = await outbox.mass_this_month(list(openids), month)
        return {openid for openid, count in had.items() if count >= PER_MONTH}

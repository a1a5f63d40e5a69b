"""Notice fan-out: turn a published notice into one queued delivery per household.

It pages through recipients in resident-id order and saves its place with each page, in
the page's own transaction, so it never holds them all in memory and a restart (or
another process, once the lease runs out) resumes where it stopped. One runs under
aiojobs in every service process, beside the dispatcher.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import redis.asyncio as aioredis
import structlog
from tortoise.context import TortoiseContext

from conversations import texts
from notifications.dispatcher import wake
from notifications.rounds import Worker
from storage import notices
from storage.models import Notice

log = structlog.get_logger(__name__)

SUMMARY_CHARS = 60


@dataclass(frozen=True)
class NoticeRendering:
    """How a notice is dressed for each channel: from settings, the same for every notice."""

    account: str
    channels: tuple[str, ...]
    emergency_channels: tuple[str, ...]
    template_id: str
    subscribe_template_id: str

    def channels_for(self, area: str) -> tuple[str, ...]:
        return self.emergency_channels if area == notices.EMERGENCY else self.channels

    def payload(self, notice: Notice) -> dict[str, Any]:
        """Everything any channel needs, plus ``then``: the channels to fall back to."""
        area = texts.NOTICE_AREAS.get(notice.area, notice.area)
        date = (notice.published_at or notice.created_at).strftime("%Y-%m-%d")
        summary = (
            notice.body
            if len(notice.body) <= SUMMARY_CHARS
            else (notice.body[:SUMMARY_CHARS] + "…")
        )
        payload: dict[str, Any] = {
            "text": texts.NOTICE_PUSH_TEXT.format(area=area, title=notice.title, summary=summary),
            "template_id": self.template_id,
            "data": {
                "first": texts.NOTICE_PUSH_FIRST.format(account=self.account, area=area),
                "keyword1": area,
                "keyword2": notice.title,
                "keyword3": date,
                "remark": texts.NOTICE_PUSH_REMARK,
            },
            "subscribe": {
                "template_id": self.subscribe_template_id,
                # Subscription-notice "thing" fields hold at most 20 characters.
                "data": {"thing1": notice.title[:20], "thing2": area[:20], "time3": date},
            },
            "then": list(self.channels_for(notice.area)[1:]),
        }
        if notice.link:
            payload["url"] = notice.link
            payload["text"] += "\n" + texts.NOTICE_LINK.format(link=notice.link)
        return payload


class Fanout(Worker):
    def __init__(
        self,
        *,
        appid: str,
        redis: aioredis.Redis,
        database: TortoiseContext,
        clock: Callable[[], datetime],
        rendering: NoticeRendering,
        page_size: int,
        lease: timedelta,
        poll_seconds: float,
    ) -> None:
        self._appid = appid
        self._redis = redis
        self._clock = clock
        self._rendering = rendering
        self._page_size = page_size
        self._lease = lease
        self.owner = f"fanout-{secrets.token_hex(6)}"
        super().__init__(database=database, poll_seconds=poll_seconds, name="fan-out")

    async def step(self) -> bool:
        """Claim one notice and queue it page by page. False when nothing was due."""
        notice = await notices.claim_fanout(self.owner, now=self._clock(), lease=self._lease)
        if notice is None:
            return False
        channels = self._rendering.channels_for(notice.area)
        payload = self._rendering.payload(notice)
        total = 0
        while not self._rounds.stopping:
            queued = await notices.queue_page(
                notice,
                self.owner,
                appid=self._appid,
                page_size=self._page_size,
                channel=channels[0],
                payload=payload,
                now=self._clock(),
                lease=self._lease,
            )
            if queued is None:  # retracted, halted, or taken over
                break
            total += queued
            if queued:
                await wake(self._redis)
            if queued < self._page_size:
                log.info("notice fanned out", notice=notice.id, queued=total)
                break
        return True

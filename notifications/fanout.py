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
from notifications.channels import Push, Route
from notifications.dispatcher import wake
from notifications.rounds import Worker
from storage import notices
from storage.models import Notice, Township

log = structlog.get_logger(__name__)

SUMMARY_CHARS = 60


@dataclass(frozen=True)
class NoticeRendering:
    """How a notice becomes a push: the account's name and the routes settings give for
    notices and for emergency warnings."""

    account: str
    route: Route
    emergency_route: Route

    def route_for(self, area: str) -> Route:
        return self.emergency_route if area == notices.EMERGENCY else self.route

    def push(self, notice: Notice, publisher: str | None = None) -> Push:
        """``publisher``: the township that published it (the account's name otherwise)."""
        area = texts.NOTICE_AREAS.get(notice.area, notice.area)
        date = (notice.published_at or notice.created_at).strftime("%Y-%m-%d")
        summary = (
            notice.body
            if len(notice.body) <= SUMMARY_CHARS
            else (notice.body[:SUMMARY_CHARS] + "…")
        )
        text = texts.NOTICE_PUSH_TEXT.format(area=area, title=notice.title, summary=summary)
        if notice.link:
            text += "\n" + texts.NOTICE_LINK.format(link=notice.link)
        return Push(
            text=text,
            heading=texts.NOTICE_PUSH_FIRST.format(account=publisher or self.account, area=area),
            fields=(area, notice.title, date),
            remark=texts.NOTICE_PUSH_REMARK,
            # Subscription-notice "thing" fields hold at most 20 characters.
            brief={"thing1": notice.title[:20], "thing2": area[:20], "time3": date},
            url=notice.link or None,
        )

    async def payload(self, notice: Notice) -> tuple[str, dict[str, Any]]:
        """The first channel to try and the payload of every delivery of ``notice``."""
        township = await Township.get_or_none(id=notice.township_id) if notice.township_id else None
        route = self.route_for(notice.area)
        return route.first, route.payload(self.push(notice, township.name if township else None))


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
        channel, payload = await self._rendering.payload(notice)
        total = 0
        while not self._rounds.stopping:
            queued = await notices.queue_page(
                notice,
                self.owner,
                appid=self._appid,
                page_size=self._page_size,
                channel=channel,
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

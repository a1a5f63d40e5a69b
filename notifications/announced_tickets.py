"""The ticket records conversations use (storage.tickets), with each new ticket announced
at once on the outbox's wake-up channel, so that open console queues show it now rather
than at their next look (notifications.arrivals)."""

from __future__ import annotations

from datetime import datetime

import redis.asyncio as aioredis

from notifications.dispatcher import wake
from storage import tickets
from storage.models import Ticket
from storage.tickets import Alerts, Message, NewTicket


class AnnouncedTickets:
    act = staticmethod(tickets.act)
    own = staticmethod(tickets.own)
    of_resident = staticmethod(tickets.of_resident)
    latest_since = staticmethod(tickets.latest_since)
    waiting_for_rating = staticmethod(tickets.waiting_for_rating)
    open_in_grids = staticmethod(tickets.open_in_grids)

    def __init__(self, redis: aioredis.Redis) -> None:
        self._redis = redis

    async def create(
        self, new: NewTicket, *, now: datetime, message: Message, alerts: Alerts | None = None
    ) -> tuple[Ticket, bool]:
        made, fresh = await tickets.create(new, now=now, message=message, alerts=alerts)
        if fresh:  # Redis away: the queues see it at their next look anyway
            await wake(self._redis)
        return made, fresh

"""Time passing on tickets: a resolved request nobody rated is closed after the settings'
days (DESIGN: "closed (rated, or automatically after 7 days unrated)"), and staff actions'
remembered answers are forgotten once their Idempotency-Keys can no longer be retried,
conversation drafts once nobody can come back to them, and failed sign-ins after 90 days."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import structlog
from tortoise.context import TortoiseContext

from notifications.rounds import Worker
from notifications.ticket_updates import TicketRendering
from storage import tickets
from storage.db import delete_older
from storage.models import ConversationDraft, FailedLogin, StaffRequest
from storage.tickets import Actor, Change, TicketConflict
from storage.workdays import WorkCalendar

log = structlog.get_logger(__name__)

BATCH = 200
# Failed sign-ins are kept this long for county admins to look back on.
KEEP_FAILED_LOGINS = timedelta(days=90)


class TicketSweeper(Worker):
    def __init__(
        self,
        *,
        database: TortoiseContext,
        clock: Callable[[], datetime],
        calendar: WorkCalendar,
        rendering: TicketRendering,
        close_after: timedelta,
        keep_requests: timedelta,
        keep_drafts: timedelta,
        poll_seconds: float,
    ) -> None:
        self._clock = clock
        self._calendar = calendar
        self._rendering = rendering
        self._close_after = close_after
        # What is kept only so long: each model, the column that dates it, for how long.
        self._kept = (
            (StaffRequest, "at", keep_requests),
            (ConversationDraft, "updated_at", keep_drafts),
            (FailedLogin, "at", KEEP_FAILED_LOGINS),
        )
        super().__init__(database=database, poll_seconds=poll_seconds, name="ticket clock")

    async def step(self) -> bool:
        """Close one batch of unrated tickets and delete one batch of each kept record past
        its keeping; True when there may be more."""
        now = self._clock()
        numbers = await tickets.due_for_auto_close(now, self._close_after, BATCH)
        for number in numbers:
            try:
                await tickets.act(
                    number,
                    Change("auto-close"),
                    Actor("system"),
                    now=now,
                    calendar=self._calendar,
                    message=self._rendering.message,
                )
            except TicketConflict:  # rated or reopened a moment ago: nothing to close
                continue
            log.info("ticket closed unrated", ticket=number)
        gone = [await delete_older(m, field, now - keep, BATCH) for m, field, keep in self._kept]
        return BATCH in (len(numbers), *gone)

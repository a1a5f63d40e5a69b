"""The deadline clock's reminders (督办): nobody's request is forgotten.

On working days, within the working day ([supervision] day_starts–day_ends, Beijing time):
- 预警: once per deadline, to the ticket's handler, or without one to the township's
  staff on duty (a request waiting for 受理: always to them);
- 超期: a 催办 to the handler (or the staff on duty) and the township's supervisors, once
  each working day while it stays overdue, written on the ticket as an ``urge`` event;
- ``escalate_after_days`` working days overdue: a 督办单 issued by the clock to the unit,
  copied to the county's supervisors (once per ticket: the order is then chased);
- a 督办单 past its answer-by date: chased daily like an overdue ticket.

Each is a ``Reminder`` row (ticket, stage and day or deadline) written in the same
transaction as its event and pushes: the unique pair makes it once only, however many
processes run this worker.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

import structlog
from tortoise.context import TortoiseContext
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q, Subquery
from tortoise.transactions import in_transaction

from conversations import texts
from notifications.rounds import Worker
from notifications.ticket_updates import TicketRendering
from storage import outbox, staff, supervision
from storage.clock import BEIJING
from storage.deadlines import SUBMITTED, Deadlines
from storage.models import Reminder, Staff, SupervisionOrder, Ticket, TicketEvent, Township

log = structlog.get_logger(__name__)

BATCH = 200
ESCALATED = "escalate"  # the Reminder key of a ticket's 督办单 by the clock (once only)


@dataclass(frozen=True)
class ReminderRules:
    """When reminders may go and when a ticket is escalated ([supervision] settings)."""

    day_starts: time
    day_ends: time
    escalate_after_days: int
    answer_days: int


def _day(d: date) -> str:
    return texts.TICKET_DUE.format(month=d.month, day=d.day)


@dataclass(frozen=True)
class _Notice:
    """One reminder to give: the ticket, its once-only key, who hears it and what."""

    ticket: Ticket
    key: str
    people: Sequence[Staff]
    text: str
    heading: str
    urge_note: str | None = None  # a 催办: written on the ticket's timeline
    also: Callable[[], Awaitable[object]] | None = None  # in the same transaction


class Reminders(Worker):
    def __init__(
        self,
        *,
        database: TortoiseContext,
        clock: Callable[[], datetime],
        deadlines: Deadlines,
        rules: ReminderRules,
        rendering: TicketRendering,
        poll_seconds: float,
    ) -> None:
        self._clock = clock
        self._deadlines = deadlines
        self._rules = rules
        self._rendering = rendering
        super().__init__(
            database=database, poll_seconds=poll_seconds, name="reminders", clock=clock
        )

    def working(self, now: datetime) -> bool:
        """Whether reminders may go now: a working day, within the working day."""
        local = now.astimezone(BEIJING)
        moment = local.time().replace(tzinfo=None)
        return (
            self._deadlines.calendar.is_workday(local.date())
            and self._rules.day_starts <= moment < self._rules.day_ends
        )

    async def step(self) -> bool:
        now = self._clock()
        if not self.working(now):
            return False
        today = now.astimezone(BEIJING).date()
        more = False
        for stage in (self._due_soon, self._overdue, self._escalate, self._orders):
            more = await stage(today, now) or more
        return more

    # Stages ---------------------------------------------------------------------------

    async def _due_soon(self, today: date, now: datetime) -> bool:
        """预警, once per deadline (an extension or a 重办 brings a new one)."""
        async for t, due in self._pending(self._deadlines.due_soon(today), "soon"):
            if t.status == SUBMITTED:
                people = await self._on_duty(t)
                words = texts.REMIND_ACCEPT_SOON
            else:
                people = await self._handler_or_on_duty(t)
                words = texts.REMIND_SOON
            township = await Township.get(id=t.township_id)
            text = words.format(
                township=township.name, number=t.number, title=t.title, due=_day(due)
            )
            await self._give(_Notice(t, f"soon:{due}", people, text, texts.REMIND_FIRST), now)
        return False

    async def _overdue(self, today: date, now: datetime) -> bool:
        """超期: a 催办 each working day while it stays overdue."""
        key = f"urge:{today}"
        done = Reminder.filter(key=key).values("ticket_id")
        rows = await (
            Ticket.filter(self._deadlines.overdue(today), id__not_in=Subquery(done))
            .order_by("id")
            .limit(BATCH)
        )
        for t in rows:
            due, _ = self._deadlines.deadline(t) or (today, 0)
            days = self._deadlines.days_overdue(t, today)
            first = await (
                self._on_duty(t) if t.status == SUBMITTED else self._handler_or_on_duty(t)
            )
            people = [*first, *await staff.supervisors(t.township_id)]
            words = texts.URGE_ACCEPT if t.status == SUBMITTED else texts.URGE
            text = words.format(number=t.number, title=t.title, days=days, due=_day(due))
            note = texts.URGE_NOTE.format(days=days, who=_names(people))
            await self._give(_Notice(t, key, people, text, texts.URGE_FIRST, urge_note=note), now)
        return len(rows) == BATCH

    async def _escalate(self, today: date, now: datetime) -> bool:
        """A 督办单 by the clock after so many working days overdue: once per ticket (the
        order is then chased in its own right until answered)."""
        late = self._deadlines.overdue_by(today, self._rules.escalate_after_days)
        done = Reminder.filter(key=ESCALATED).values("ticket_id")
        rows = await Ticket.filter(late, id__not_in=Subquery(done)).order_by("id").limit(BATCH)
        answer_by = self._deadlines.calendar.add(today, self._rules.answer_days)
        for t in rows:
            days = self._deadlines.days_overdue(t, today)
            people = [*await self._unit(t), *await staff.supervisors(None)]
            text = texts.ESCALATED.format(
                number=t.number, title=t.title, days=days, answer_by=_day(answer_by)
            )
            reason = texts.ESCALATE_REASON.format(days=days)

            async def issue(t: Ticket = t, reason: str = reason) -> object:
                return await supervision.issue(
                    t, by=None, reason=reason, answer_by=answer_by, now=now
                )

            notice = _Notice(t, ESCALATED, people, text, texts.SUPERVISE_FIRST, also=issue)
            if await self._give(notice, now):
                log.info("ticket escalated", ticket=t.number, days_overdue=days)
        return len(rows) == BATCH

    async def _orders(self, today: date, now: datetime) -> bool:
        """A 督办单 past its answer-by date, chased each working day."""
        orders = await SupervisionOrder.filter(
            state=supervision.OPEN, answer_by__lt=today
        ).order_by("id")
        for order in orders:
            key = f"order:{order.id}:{today}"
            if await Reminder.exists(ticket_id=order.ticket_id, key=key):
                continue
            t = await Ticket.get(id=order.ticket_id)
            people = [*await self._unit(t), *await staff.supervisors(t.township_id)]
            text = texts.URGE_ORDER.format(
                number=t.number, title=t.title, answer_by=_day(order.answer_by)
            )
            note = texts.URGE_ORDER_NOTE.format(who=_names(people))
            await self._give(_Notice(t, key, people, text, texts.URGE_FIRST, urge_note=note), now)
        return False

    # Who hears ----------------------------------------------------------------------

    async def _on_duty(self, t: Ticket) -> list[Staff]:
        return await staff.on_duty_in(t.township_id)

    async def _handler_or_on_duty(self, t: Ticket) -> list[Staff]:
        handler = await staff.linked(t.handler_id)
        return [handler] if handler is not None else await self._on_duty(t)

    async def _unit(self, t: Ticket) -> list[Staff]:
        """The unit the ticket is with: its handler, else the unit's handlers, else (with
        no unit) the township's staff on duty."""
        handler = await staff.linked(t.handler_id)
        if handler is not None:
            return [handler]
        if t.unit_id is not None:
            return await staff.of_unit(t.unit_id)
        return await self._on_duty(t)

    # Doing it once ------------------------------------------------------------------

    async def _pending(self, which: Q, stage: str) -> AsyncIterator[tuple[Ticket, date]]:
        """Open tickets ``which`` picks whose reminder of ``stage`` for their present
        deadline is not given yet, with that deadline, page by page."""
        after = 0
        while True:
            rows = await Ticket.filter(which, id__gt=after).order_by("id").limit(BATCH)
            if not rows:
                return
            after = rows[-1].id
            given = set(
                await Reminder.filter(
                    ticket_id__in=[t.id for t in rows], key__startswith=f"{stage}:"
                ).values_list("ticket_id", "key")
            )
            for t in rows:
                found = self._deadlines.deadline(t)
                if found is not None and (t.id, f"{stage}:{found[0]}") not in given:
                    yield t, found[0]

    async def _give(self, n: _Notice, now: datetime) -> bool:
        """The reminder, its event and its pushes, together; False when another process
        gave it first (or it was given already)."""
        people = {p.id: p for p in n.people if p.wechat_appid and p.wechat_openid}
        channel, payload = self._rendering.to_staff(n.ticket, n.text, n.heading)
        try:
            async with in_transaction():
                await Reminder.create(ticket_id=n.ticket.id, key=n.key, at=now)
                if n.also is not None:
                    await n.also()
                if n.urge_note is not None:
                    await TicketEvent.create(
                        ticket_id=n.ticket.id,
                        at=now,
                        action="urge",
                        actor="system",
                        from_status=n.ticket.status,
                        to_status=n.ticket.status,
                        note=n.urge_note,
                        due_on=n.ticket.due_on,
                    )
                for p in people.values():
                    await outbox.enqueue(
                        source=f"remind:{n.ticket.id}:{n.key}",
                        appid=str(p.wechat_appid),
                        openid=str(p.wechat_openid),
                        channel=channel,
                        payload=payload,
                        now=now,
                    )
        except IntegrityError:
            return False
        log.info("reminder given", ticket=n.ticket.number, stage=n.key, people=len(people))
        return True


def _names(people: Sequence[Staff]) -> str:
    names = list(dict.fromkeys(p.username for p in people))
    return "、".join(names) or texts.URGE_NOBODY

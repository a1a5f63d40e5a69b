"""回访 (follow-ups): staff asking the person after 办结 whether the matter is solved and
how satisfied they are. The FollowUp row, its TicketEvent and (when the matter is not
solved) the ticket's 重办 are written together or not at all."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from storage import tickets
from storage.models import FollowUp, Ticket, TicketEvent
from storage.tickets import Actor, Change, Message, NotAllowed, TicketConflict
from storage.workdays import WorkCalendar

PHONE, VISIT, WECHAT = "phone", "visit", "wechat"
METHODS = (PHONE, VISIT, WECHAT)
EVENT = "follow-up"  # the ticket's event for it (its status does not change with it)
# A follow-up is made of a ticket that is done (办结): resolved, or closed by a rating.
AFTER = frozenset({tickets.RESOLVED, tickets.CLOSED})


@dataclass(frozen=True)
class Heard:
    """What the person said when asked: reached how, solved or not, how satisfied (5 非常
    满意 ... 1 非常不满意; None when they would not say), and the staff member's note."""

    method: str
    solved: bool
    satisfaction: int | None
    note: str = ""


@dataclass(frozen=True)
class Where:
    """Which tickets the caller may reach (``within``) and work (``allowed``), read in the
    transaction that writes, as storage.tickets.act does."""

    within: Q
    allowed: Callable[[Ticket], bool]


async def record(
    number: str,
    heard: Heard,
    staff_id: int,
    where: Where,
    *,
    now: datetime,
    calendar: WorkCalendar,
    message: Message,
) -> FollowUp | None:
    """The 回访 of the ticket ``number``; None when it is not among ``where.within``.

    The resident's own rating in WeChat, when they gave one, is the satisfaction stored
    (what staff heard on the phone does not overwrite what the person said themselves).
    A matter found unsolved reopens the ticket (重办, the ``reopen`` rule: flagged, a
    fresh time limit, the resident told). Raises NotAllowed and TicketConflict as
    storage.tickets.act does (``status``: not done yet; ``changed``: someone else moved
    it a moment ago); nothing is written then."""
    async with in_transaction():
        ticket = await Ticket.filter(where.within, number=number).first()
        if ticket is None:
            return None
        if not where.allowed(ticket):
            raise NotAllowed(number)
        if ticket.status not in AFTER:
            raise TicketConflict("status", ticket.status)
        # Conditional on the ticket as read: a racing 重办 or rating makes this a conflict.
        touched = await Ticket.filter(
            id=ticket.id, status=ticket.status, updated_at=ticket.updated_at
        ).update(updated_at=now)
        if not touched:
            raise TicketConflict("changed", ticket.status)
        made = await FollowUp.create(
            ticket_id=ticket.id,
            staff_id=staff_id,
            at=now,
            method=heard.method,
            solved=heard.solved,
            satisfaction=ticket.rating if ticket.rating is not None else heard.satisfaction,
            note=heard.note,
        )
        await TicketEvent.create(
            ticket_id=ticket.id,
            at=now,
            action=EVENT,
            actor="staff",
            staff_id=staff_id,
            from_status=ticket.status,
            to_status=ticket.status,
            note=heard.note,
            due_on=ticket.due_on,
        )
        if not heard.solved:  # 重办, in this same transaction (a savepoint inside it)
            await tickets.act(
                number,
                Change("reopen", heard.note),
                Actor("staff", staff_id),
                now=now,
                calendar=calendar,
                message=message,
                within=where.within,
                allowed=where.allowed,
            )
    return made


async def of_ticket(ticket_id: int) -> list[FollowUp]:
    """A ticket's follow-ups, oldest first, with who made each."""
    return await FollowUp.filter(ticket_id=ticket_id).select_related("staff").order_by("id")

"""督办单 (supervision orders): issued on a ticket to the unit working it, answered by
that unit (反馈), closed by the supervisor (销号). Each step is a row of its own and a
TicketEvent of the ticket, written together or not at all."""

from __future__ import annotations

from datetime import date, datetime

from tortoise.transactions import in_transaction

from storage.models import SupervisionOrder, Ticket, TicketEvent

OPEN, ANSWERED, CLOSED = "open", "answered", "closed"  # 待反馈, 已反馈, 已销号
STATES = (OPEN, ANSWERED, CLOSED)
# The ticket's events for each step (a ticket's status does not change with them).
ISSUE, ANSWER, CLOSE = "supervise", "supervise-answer", "supervise-close"
EVENTS = (ISSUE, ANSWER, CLOSE)


class OrderConflict(Exception):
    """The step does not fit the order as it is now: ``state`` is what it is."""

    def __init__(self, state: str) -> None:
        super().__init__(state)
        self.state = state


async def _event(
    ticket: Ticket, action: str, staff_id: int | None, note: str, now: datetime
) -> TicketEvent:
    return await TicketEvent.create(
        ticket_id=ticket.id,
        at=now,
        action=action,
        actor="staff" if staff_id is not None else "system",
        staff_id=staff_id,
        from_status=ticket.status,
        to_status=ticket.status,
        note=note,
        due_on=ticket.due_on,
    )


async def issue(
    ticket: Ticket,
    *,
    by: int | None,
    reason: str,
    answer_by: date,
    now: datetime,
) -> SupervisionOrder:
    """A 督办单 to the unit the ticket is with (its township's service centre when it is
    with no unit); ``by`` None: issued by the clock. The ticket is flagged for 督办."""
    async with in_transaction():
        order = await SupervisionOrder.create(
            ticket_id=ticket.id,
            township_id=ticket.township_id,
            unit_id=ticket.unit_id,
            automatic=by is None,
            issued_by_id=by,
            issued_at=now,
            reason=reason,
            answer_by=answer_by,
            state=OPEN,
        )
        await Ticket.filter(id=ticket.id).update(flagged=True)
        await _event(ticket, ISSUE, by, reason, now)
    return order


async def _step(
    order_id: int,
    start: str,
    fields: dict[str, object],
    action: str,
    by: int,
    note: str,
    now: datetime,
) -> SupervisionOrder:
    async with in_transaction():
        order = await SupervisionOrder.get(id=order_id)
        if order.state != start:
            raise OrderConflict(order.state)
        moved = await SupervisionOrder.filter(id=order_id, state=start).update(**fields)
        if not moved:  # someone else took the step a moment ago
            raise OrderConflict((await SupervisionOrder.get(id=order_id)).state)
        ticket = await Ticket.get(id=order.ticket_id)
        await _event(ticket, action, by, note, now)
    return await SupervisionOrder.get(id=order_id)


async def answer(order_id: int, *, by: int, answer: str, now: datetime) -> SupervisionOrder:
    """The unit's 反馈: only while the order waits for it."""
    fields = {"state": ANSWERED, "answer": answer, "answered_by_id": by, "answered_at": now}
    return await _step(order_id, OPEN, fields, ANSWER, by, answer, now)


async def close(order_id: int, *, by: int, note: str, now: datetime) -> SupervisionOrder:
    """销号: the supervisor accepts the unit's answer."""
    fields = {"state": CLOSED, "closed_by_id": by, "closed_at": now, "close_note": note}
    return await _step(order_id, ANSWERED, fields, CLOSE, by, note, now)


async def of_ticket(ticket_id: int) -> list[SupervisionOrder]:
    """A ticket's orders, oldest first, with their township, unit and people."""
    return (
        await SupervisionOrder.filter(ticket_id=ticket_id)
        .select_related("ticket", "township", "unit", "issued_by", "answered_by", "closed_by")
        .order_by("id")
    )

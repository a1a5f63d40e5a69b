"""督办单 (supervision orders) for staff: a supervisor or the county admin orders the unit
working a ticket to answer (反馈) by a date; the unit answers; the supervisor closes it
(销号). Each within the person's jurisdiction; another's order is the same 404 as none."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime

import structlog
from tortoise.expressions import Q

from bot.desk import tickets as desk_tickets
from bot.desk.reading import read
from bot.desk.refused import Refused, only
from bot.desk.supervision_shapes import (
    Order,
    OrderAnswer,
    OrderClose,
    OrderList,
    OrderQuery,
    OrderSummary,
    Supervise,
    order_shown,
    order_summary,
)
from conversations import texts
from storage import supervision, tickets
from storage.clock import local_day
from storage.models import SupervisionOrder
from storage.models import Ticket as TicketModel
from storage.staff import StaffMember
from storage.supervision import OrderConflict
from storage.workdays import WorkCalendar

log = structlog.get_logger(__name__)

# Who issues and closes orders (within their jurisdiction).
SUPERVISORS = ("supervisor", "county_admin")
# A ticket that never was worked is not supervised.
_ENDED = frozenset({tickets.REJECTED, tickets.WITHDRAWN})
RELATED = ("ticket", "township", "unit", "issued_by", "answered_by", "closed_by")


def visible(member: StaffMember) -> Q:
    """The orders a person may see: a unit's handlers the orders to their unit; township
    staff and township supervisors their township's; county-wide accounts all."""
    if member.role == "department_handler":
        return Q(unit_id=member.unit_id) if member.unit_id is not None else Q(id=-1)
    if member.role == "county_admin" or member.township_id is None:
        return Q()
    return Q(township_id=member.township_id)


def may_answer(member: StaffMember, order: SupervisionOrder) -> bool:
    """The unit the order went to answers it: its handlers, or the township's staff when
    it went to the township's service centre; the county admin may answer for anyone."""
    if member.role == "county_admin":
        return True
    if order.unit_id is None:
        return member.role == "township_staff" and member.township_id == order.township_id
    return member.role == "department_handler" and member.unit_id == order.unit_id


def may_close(member: StaffMember, order: SupervisionOrder) -> bool:
    """销号 is the supervisors' (within what they see, which ``find`` has checked)."""
    return member.role in SUPERVISORS


def may_issue(member: StaffMember, ticket: TicketModel) -> bool:
    """Whether the console offers this person the 督办 form for the ticket as it is now."""
    return (
        member.role in SUPERVISORS
        and desk_tickets.may_act(member, ticket)
        and ticket.status not in _ENDED
    )


def steps_for(member: StaffMember, order: SupervisionOrder) -> list[str]:
    """The steps this person may take on the order as it is now: what the console offers."""
    steps = []
    if order.state == supervision.OPEN and may_answer(member, order):
        steps.append("answer")
    if order.state == supervision.ANSWERED and may_close(member, order):
        steps.append("close")
    return steps


# Issuing --------------------------------------------------------------------------------


async def issue(
    member: StaffMember,
    number: str,
    given: Callable[[], Awaitable[object]],
    *,
    now: datetime,
    calendar: WorkCalendar,
    answer_days: int,
) -> Order:
    """A 督办单 on a ticket in the person's jurisdiction, to the unit working it.
    Refused: 404 not theirs to see, 403 not a supervisor's, 400 bad input (an answer-by
    day already past), 409 a ticket rejected or withdrawn."""
    ticket = await desk_tickets.find(member, number)
    only(member.role, *SUPERVISORS)
    if not desk_tickets.may_act(member, ticket):
        raise Refused(403, texts.STAFF_NOT_YOUR_TICKET)
    body = read(Supervise, await given())
    today = local_day(now)
    if body.answer_by is not None and body.answer_by < today:
        raise Refused(400, texts.STAFF_ANSWER_BY_PAST.format(today=today), field="answer_by")
    if ticket.status in _ENDED:
        raise Refused(
            409,
            texts.STAFF_TICKET_WRONG_STATUS.format(
                action=texts.TICKET_ACTIONS[supervision.ISSUE],
                status=texts.TICKET_STATUS.get(ticket.status, ticket.status),
            ),
            ticket_status=ticket.status,
        )
    answer_by = body.answer_by or calendar.add(today, answer_days)
    made = await supervision.issue(
        ticket, by=member.id, reason=body.reason, answer_by=answer_by, now=now
    )
    log.info("order issued", ticket=ticket.number, order=made.id, staff=member.username)
    return order_shown(await _get(made.id), today)


# Reading --------------------------------------------------------------------------------


async def _get(order_id: int) -> SupervisionOrder:
    return await SupervisionOrder.get(id=order_id).select_related(*RELATED)


async def find(member: StaffMember, order_id: int) -> SupervisionOrder:
    """The order if this person may see it; another jurisdiction's is the same 404 as
    none."""
    found = (
        await SupervisionOrder.filter(visible(member), id=order_id).select_related(*RELATED).first()
    )
    if found is None:
        raise Refused(404, texts.STAFF_ORDER_NOT_FOUND)
    return found


async def show(member: StaffMember, order_id: int, today: date) -> Order:
    return order_shown(await find(member, order_id), today)


async def page(member: StaffMember, query: OrderQuery, *, today: date, page_size: int) -> OrderList:
    """One page of the orders this person may see (of one state, if asked), newest first."""
    limit = query.limit or page_size
    q = SupervisionOrder.filter(visible(member))
    if query.state is not None:
        q = q.filter(state=query.state)
    if query.before is not None:
        q = q.filter(id__lt=query.before)
    rows = await q.order_by("-id").limit(limit).select_related(*RELATED)
    return OrderList(
        orders=[order_summary(o, today) for o in rows],
        next=str(rows[-1].id) if len(rows) == limit else None,
    )


async def waiting(member: StaffMember, today: date, limit: int) -> list[OrderSummary]:
    """The open orders this person sees, the soonest due first (the overdue ones
    first of all): what their queue shows above the tickets."""
    rows = (
        await SupervisionOrder.filter(visible(member), state=supervision.OPEN)
        .order_by("answer_by", "id")
        .limit(limit)
        .select_related(*RELATED)
    )
    return [order_summary(o, today) for o in rows]


async def open_count(member: StaffMember) -> int:
    """How many open orders this person sees (the home page's figure)."""
    return await SupervisionOrder.filter(visible(member), state=supervision.OPEN).count()


# Answering and closing ------------------------------------------------------------------


async def answer(
    member: StaffMember, order_id: int, given: Callable[[], Awaitable[object]], now: datetime
) -> Order:
    """The unit's 反馈. Refused: 404 not theirs to see, 403 not their unit's, 400 bad
    input, 409 not waiting for an answer (answered or closed, perhaps a moment ago)."""
    order = await find(member, order_id)
    if not may_answer(member, order):
        raise Refused(403, texts.STAFF_ORDER_NOT_YOURS)
    body = read(OrderAnswer, await given())
    try:
        await supervision.answer(order.id, by=member.id, answer=body.answer, now=now)
    except OrderConflict as exc:
        raise _conflict("answer", exc) from None
    log.info("order answered", order=order.id, staff=member.username)
    return order_shown(await _get(order.id), local_day(now))


async def close(
    member: StaffMember, order_id: int, given: Callable[[], Awaitable[object]], now: datetime
) -> Order:
    """销号 by a supervisor or the county admin. Refused: 404 not theirs to see, 403 not
    a supervisor's, 400 bad input, 409 not answered yet (or closed already)."""
    order = await find(member, order_id)
    only(member.role, *SUPERVISORS)
    body = read(OrderClose, await given())
    try:
        await supervision.close(order.id, by=member.id, note=body.note or "", now=now)
    except OrderConflict as exc:
        raise _conflict("close", exc) from None
    log.info("order closed", order=order.id, staff=member.username)
    return order_shown(await _get(order.id), local_day(now))


def _conflict(step: str, exc: OrderConflict) -> Refused:
    words = texts.STAFF_ORDER_WRONG_STATE.format(
        state=texts.SUPERVISION_STATES.get(exc.state, exc.state),
        step=texts.STAFF_ORDER_STEPS[step],
    )
    return Refused(409, words, order_state=exc.state)

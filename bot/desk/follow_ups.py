"""回访 (follow-ups) for staff: after 办结, township staff, supervisors and the county
admin record how they reached the person, whether the matter is solved and how satisfied
the person is; a matter found unsolved is handled again (重办)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial

import structlog

from bot.desk import tickets as desk_tickets
from bot.desk.follow_up_shapes import FollowUpBody
from bot.desk.reading import read
from bot.desk.refused import Refused, only
from bot.desk.ticket_shapes import Ticket
from bot.desk.tickets import Work
from conversations import texts
from storage import follow_ups
from storage.models import Ticket as TicketModel
from storage.staff import StaffMember
from storage.tickets import NotAllowed, TicketConflict

log = structlog.get_logger(__name__)

# Who makes follow-ups (within the tickets they work, bot.desk.tickets.may_act).
ROLES = ("township_staff", "supervisor", "county_admin")


def may_follow_up(member: StaffMember, ticket: TicketModel) -> bool:
    """Whether the console offers this person the 回访 form for the ticket as it is now."""
    return (
        member.role in ROLES
        and desk_tickets.may_act(member, ticket)
        and ticket.status in follow_ups.AFTER
    )


async def record(
    member: StaffMember,
    number: str,
    given: Callable[[], Awaitable[object]],
    work: Work,
) -> Ticket:
    """Record a 回访 of a ticket done (办结); the ticket as it is now. Refused: 404 not
    theirs to see, 403 not their role or ticket, 400 bad input, 409 not done yet (or
    changed a moment ago); nothing is written then."""
    ticket = await desk_tickets.find(member, number)
    only(member.role, *ROLES)
    if not desk_tickets.may_act(member, ticket):
        raise Refused(403, texts.STAFF_NOT_YOUR_TICKET)
    body = read(FollowUpBody, await given())
    heard = follow_ups.Heard(body.method, body.solved, body.satisfaction, body.note or "")
    where = follow_ups.Where(desk_tickets.visible(member), partial(desk_tickets.may_act, member))
    try:
        made = await follow_ups.record(
            ticket.number,
            heard,
            member.id,
            where,
            now=work.now,
            calendar=work.calendar,
            message=work.message,
        )
    except TicketConflict as exc:
        raise Refused(409, _conflict_words(exc), ticket_status=exc.status) from None
    except NotAllowed:
        raise Refused(403, texts.STAFF_NOT_YOUR_TICKET) from None
    if made is None:
        raise Refused(404, texts.STAFF_TICKET_NOT_FOUND)
    log.info("follow-up recorded", ticket=ticket.number, solved=body.solved, staff=member.username)
    return await desk_tickets.detail(
        member, await desk_tickets.find(member, number), work.now, work.deadlines
    )


def _conflict_words(exc: TicketConflict) -> str:
    if exc.why == "changed":
        return texts.STAFF_TICKET_CHANGED
    return texts.STAFF_TICKET_WRONG_STATUS.format(
        action=texts.TICKET_ACTIONS[follow_ups.EVENT],
        status=texts.TICKET_STATUS.get(exc.status, exc.status),
    )

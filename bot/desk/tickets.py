"""Tickets (工单) for staff: one queue to accept, route, answer and close every request,
each staff member within their jurisdiction; personal data shown whole only to those who
may act on the ticket (``may_act``), and every such view recorded."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial

import structlog
from pydantic import BaseModel
from tortoise.expressions import Q
from tortoise.functions import Count
from tortoise.queryset import QuerySet

from bot.desk.fields import column_max
from bot.desk.follow_up_shapes import follow_up_shown
from bot.desk.reading import read
from bot.desk.refused import Refused, only
from bot.desk.supervision_shapes import order_summary
from bot.desk.ticket_shapes import (
    BODIES,
    Assign,
    Attached,
    Contact,
    Extension,
    ItemRef,
    Rating,
    RequestExtension,
    Step,
    Ticket,
    TicketFilter,
    TicketGone,
    TicketList,
    TicketQuery,
    TicketSummary,
)
from conversations import texts
from conversations.answers import mask_phone
from storage import audit, follow_ups, supervision, tickets
from storage.clock import BEIJING, local_day
from storage.deadlines import OVERDUE, Deadlines
from storage.media_files import MediaStore
from storage.models import Attachment, Staff, Township, Unit, Village
from storage.models import Ticket as TicketModel
from storage.staff import StaffMember
from storage.tickets import Actor, Change, Message, NotAllowed, TicketConflict
from storage.workdays import WorkCalendar

log = structlog.get_logger(__name__)

# Who may take each action (always within what they can see).
ACTION_ROLES: dict[str, frozenset[str]] = {
    "accept": frozenset({"township_staff", "county_admin"}),
    "reject": frozenset({"township_staff", "county_admin"}),
    "assign": frozenset({"township_staff", "county_admin"}),
    "return": frozenset({"department_handler", "county_admin"}),
    "request-extension": frozenset({"department_handler", "township_staff"}),
    "approve-extension": frozenset({"supervisor", "county_admin"}),
    "reply": frozenset({"township_staff", "department_handler", "county_admin"}),
    "resolve": frozenset({"township_staff", "department_handler", "county_admin"}),
    "reopen": frozenset({"township_staff", "supervisor", "county_admin"}),
}
assert set(ACTION_ROLES) == set(BODIES) <= set(tickets.RULES), "an action without its rule"


@dataclass(frozen=True)
class Work:
    """What changing a ticket needs besides the person: the time, the deadline clock
    (and its working-day calendar), and how the resident is told."""

    now: datetime
    deadlines: Deadlines
    message: Message

    @property
    def calendar(self) -> WorkCalendar:
        return self.deadlines.calendar


# Jurisdiction ---------------------------------------------------------------------------


def visible(member: StaffMember) -> Q:
    """The tickets a staff member may see: their township, their unit's, or everything."""
    if member.role == "department_handler":
        return Q(unit_id=member.unit_id) if member.unit_id is not None else Q(id=-1)
    if member.role == "county_admin" or member.township_id is None:
        return Q()
    return Q(township_id=member.township_id)


def may_act(member: StaffMember, ticket: TicketModel) -> bool:
    """Whether this staff member works this ticket: takes their role's actions on it
    (ACTION_ROLES), and so sees the resident's contact whole, each view audited. One rule
    for both, so no one acts for a resident they may not call, nor calls one whose
    ticket they may not act on.

    The county admin works every ticket; township staff and supervisors those of their
    township (all, when the account is county-wide); a department handler the tickets
    assigned to their unit while no handler is named, and then only the named one: the
    township named a person, so a colleague neither answers nor extends in their place
    (the township reassigns when that person is away)."""
    if member.role == "county_admin":
        return True
    if member.role in ("township_staff", "supervisor"):
        return member.township_id is None or ticket.township_id == member.township_id
    if member.role == "department_handler":
        return (
            ticket.unit_id is not None
            and ticket.unit_id == member.unit_id
            and ticket.handler_id in (None, member.id)
        )
    return False


def actions_for(member: StaffMember, ticket: TicketModel) -> list[str]:
    """The actions this person may take on the ticket as it is now, in ACTION_ROLES'
    order: what the console offers (the API refuses the others)."""
    if not may_act(member, ticket):
        return []
    waiting = ticket.extension_days is not None
    return [
        action
        for action, roles in ACTION_ROLES.items()
        if member.role in roles
        and ticket.status in tickets.RULES[action].start
        and not (action == "approve-extension" and not waiting)
        and not (action == "request-extension" and waiting)
    ]


# What a 受理编号 looks like: anything else (a tampered link) names no ticket.
_NUMBER = re.compile(r"[0-9]{8}-[0-9]{4}")


def mask_name(name: str) -> str:
    return f"{name[:1]}{'*' * max(len(name) - 1, 1)}" if name else ""


async def counts(member: StaffMember, today: date, deadlines: Deadlines) -> dict[str, int]:
    """The home page's figures for this person: waiting to be accepted, being worked, due
    soon, overdue, and extensions waiting for approval. One pass over their open tickets
    (all five are open ones), not five."""
    shown = (
        await TicketModel.filter(visible(member), status__in=tickets.OPEN)
        .annotate(
            submitted=Count("id", _filter=Q(status=tickets.SUBMITTED)),
            working=Count("id", _filter=Q(status__in=(tickets.ACCEPTED, tickets.IN_PROGRESS))),
            due_soon=Count("id", _filter=deadlines.due_soon(today)),
            overdue=Count("id", _filter=deadlines.overdue(today)),
            extension=Count(
                "id", _filter=Q(status=tickets.IN_PROGRESS, extension_days__isnull=False)
            ),
        )
        .first()
        .values("submitted", "working", "due_soon", "overdue", "extension")
    )
    return {name: int(value or 0) for name, value in (shown or {}).items()} or dict.fromkeys(
        ("submitted", "working", "due_soon", "overdue", "extension"), 0
    )


@dataclass(frozen=True)
class Choices:
    """What the queue's filters and the assign form offer this person."""

    townships: list[str]
    units: list[str]


async def choices(member: StaffMember) -> Choices:
    places = Township.all().order_by("id")
    if member.role != "county_admin" and member.township_id is not None:
        places = places.filter(id=member.township_id)
    townships, units = await asyncio.gather(
        places.values_list("name", flat=True),
        Unit.all().order_by("name").values_list("name", flat=True),
    )
    return Choices(townships=[str(t) for t in townships], units=[str(u) for u in units])


# Reading --------------------------------------------------------------------------------


def _at(value: datetime | None) -> datetime | None:
    return value.astimezone(BEIJING) if value else None


def summary(t: TicketModel, today: date, deadlines: Deadlines) -> TicketSummary:
    """A ticket as a list shows it (contact masked); its township, village, unit and
    grid fetched with it."""
    state = deadlines.state(t, today)
    return TicketSummary(
        number=t.number,
        kind=t.kind,
        kind_name=texts.TICKET_KINDS.get(t.kind, t.kind),
        status=t.status,
        status_name=texts.TICKET_STATUS.get(t.status, t.status),
        title=t.title,
        township=t.township.name,
        village=t.village.name if t.village else None,
        unit=t.unit.name if t.unit else None,
        created_at=_at(t.created_at),
        due_on=t.due_on,
        overdue=state == OVERDUE,
        deadline=state,
        flagged=t.flagged,
        urgent=t.urgent,
        grid=t.grid.name if t.grid else None,
        contact=Contact(name=mask_name(t.contact_name), phone=mask_phone(t.contact_phone)),
    )


async def page(
    member: StaffMember,
    query: TicketQuery,
    *,
    today: date,
    deadlines: Deadlines,
    page_size: int,
) -> TicketList:
    """One page of the tickets this person may see that ``query`` asks for, newest first."""
    limit = query.limit or page_size
    q = await matching(member, query, today, deadlines)
    if query.before is not None:
        q = q.filter(id__lt=query.before)
    if query.after is not None:
        q = q.filter(id__gt=query.after)
    # Newest first by id: ids grow with time, and the index on (township, status, id)
    # answers one page without sorting the whole queue.
    rows = (
        await q.order_by("-id").limit(limit).select_related("township", "village", "unit", "grid")
    )
    return TicketList(
        tickets=[summary(t, today, deadlines) for t in rows],
        next=str(rows[-1].id) if len(rows) == limit else None,
        newest=str(rows[0].id) if rows else None,
    )


async def matching(
    member: StaffMember, query: TicketFilter, today: date, deadlines: Deadlines
) -> QuerySet[TicketModel]:
    """The tickets this person may see that ``query``'s filters ask for, unordered: what
    the queue pages through and an export writes out."""
    return await _filters(query, TicketModel.filter(visible(member)), today, deadlines)


async def _filters(
    query: TicketFilter, q: QuerySet[TicketModel], today: date, deadlines: Deadlines
) -> QuerySet[TicketModel]:
    if query.status is not None:
        statuses = query.status.split(",")
        if "open" in statuses:
            statuses = [s for s in statuses if s != "open"] + list(tickets.OPEN)
        q = q.filter(status__in=statuses)
    if query.kind is not None:
        q = q.filter(kind=query.kind)
    if query.township is not None:
        place = await Township.get_or_none(name=query.township)
        q = q.filter(township_id=place.id if place else -1)
    if query.village is not None:
        village_ids = await Village.filter(name=query.village).values_list("id", flat=True)
        q = q.filter(village_id__in=list(village_ids))
    if query.unit is not None:
        unit = await Unit.get_or_none(name=query.unit)
        q = q.filter(unit_id=unit.id if unit else -1)
    if query.overdue is not None:
        late = deadlines.overdue(today)
        q = q.filter(late) if query.overdue == "true" else q.exclude(late)
    if query.due_soon is not None:
        soon = deadlines.due_soon(today)
        q = q.filter(soon) if query.due_soon == "true" else q.exclude(soon)
    if query.extension is not None:
        waiting = Q(status=tickets.IN_PROGRESS, extension_days__isnull=False)
        q = q.filter(waiting) if query.extension == "true" else q.exclude(waiting)
    if query.urgent is not None:
        q = q.filter(urgent=query.urgent == "true")
    if query.grid is not None:
        q = q.filter(grid__code=query.grid)
    if query.text is not None:
        words = query.text.strip()
        if words:
            found = Q(title__icontains=words) | Q(content__icontains=words)
            if len(words) <= column_max(TicketModel, "number"):
                found |= Q(number=words)
            q = q.filter(found)
    if query.start:
        q = q.filter(created_at__gte=datetime.combine(query.start, datetime.min.time(), BEIJING))
    if query.end:
        q = q.filter(created_at__lt=datetime.combine(query.end, datetime.max.time(), BEIJING))
    return q


async def newest_visible(member: StaffMember, after: int) -> int | None:
    """The newest ticket this person may see that is newer than ``after``, by id."""
    ids: list[int] = await (  # type: ignore[assignment]
        TicketModel.filter(visible(member), id__gt=after)
        .order_by("-id")
        .limit(1)
        .values_list("id", flat=True)
    )
    return ids[0] if ids else None


async def _visible(member: StaffMember, number: str) -> TicketModel | None:
    return (
        await TicketModel.filter(visible(member), number=number)
        .select_related("township", "village", "unit", "item", "handler", "accepted_by", "grid")
        .first()
    )


async def find(member: StaffMember, number: str) -> TicketModel:
    """The ticket by its number, if this person may see it; another jurisdiction's
    ticket is refused exactly like one that does not exist."""
    found = await _visible(member, number) if _NUMBER.fullmatch(number) else None
    if found is None:
        raise Refused(404, texts.STAFF_TICKET_NOT_FOUND)
    return found


async def detail(
    member: StaffMember, t: TicketModel, now: datetime, deadlines: Deadlines
) -> Ticket:
    """Everything about one ticket; the contact whole for those who work it, and that
    view recorded."""
    shown = summary(t, local_day(now), deadlines)
    if may_act(member, t) and t.contact_phone:
        await audit.record(member.id, audit.VIEW_CONTACT, now, t.number, ticket_id=t.id)
        log.info("contact shown", staff=member.username, ticket=t.number)
        shown.contact = Contact(name=t.contact_name, phone=t.contact_phone)
    events = await tickets.timeline(t.id)
    files = await tickets.attachments(t.id)
    orders = await supervision.of_ticket(t.id)
    heard = await follow_ups.of_ticket(t.id)
    return Ticket(
        **dict(shown),
        content=t.content,
        answers=t.answers,
        location=t.location,
        home_visit=t.home_visit,
        item=ItemRef(code=t.item.code, name=t.item.name) if t.item else None,
        category=t.category,
        time_limit_days=t.time_limit_days,
        handler=t.handler.username if t.handler else None,
        accepted_by=t.accepted_by.username if t.accepted_by else None,
        accepted_at=_at(t.accepted_at),
        resolved_at=_at(t.resolved_at),
        closed_at=_at(t.closed_at),
        result=t.result,
        last_reply=t.last_reply,
        extension=(
            Extension(days=t.extension_days, reason=t.extension_reason)
            if t.extension_days is not None
            else None
        ),
        rating=(
            Rating(score=t.rating, name=texts.RATINGS.get(t.rating, ""), comment=t.rating_comment)
            if t.rating is not None
            else None
        ),
        redo_count=t.redo_count,
        timeline=[
            Step(
                at=_at(e.at),
                action=e.action,
                actor=e.staff.username if e.staff else e.actor,
                from_status=e.from_status,
                to_status=e.to_status,
                note=e.note,
            )
            for e in events
        ],
        attachments=[
            Attached(
                id=a.id,
                kind=a.kind,
                media_id=a.media_id,
                url=a.url,
                text=a.text,
                stored=a.fetch,
                stored_error=a.fetch_error,
                file=(
                    f"/api/v1/tickets/{t.number}/attachments/{a.id}"
                    if a.fetch == "stored"
                    else None
                ),
            )
            for a in files
        ],
        orders=[order_summary(o, local_day(now)) for o in orders],
        follow_ups=[follow_up_shown(f) for f in heard],
    )


async def stored_file(
    member: StaffMember, number: str, file_id: int, store: MediaStore
) -> tuple[bytes, str]:
    """A stored photo or voice note of a ticket this person may see, and its type; a
    guessed id, another ticket's file or one not yet fetched: 404."""
    ticket = await find(member, number)
    row = await Attachment.get_or_none(id=file_id, ticket_id=ticket.id, fetch="stored")
    if row is None or row.stored_path is None:
        raise Refused(404, texts.STAFF_FILE_NOT_FOUND)
    content = await store.get(row.stored_path)
    if content is None:
        raise Refused(404, texts.STAFF_FILE_NOT_FOUND)
    return content, row.content_type or "application/octet-stream"


# Changing -------------------------------------------------------------------------------


async def act(
    member: StaffMember,
    number: str,
    action: str,
    given: Callable[[], Awaitable[object]],
    work: Work,
) -> Ticket | TicketGone:
    """Take ``action`` on the ticket with what the person gave (read by ``given`` once
    the ticket is found theirs, as the action's shape). Refused: 404 not theirs to see
    (or no such action), 403 not their role or ticket, 400 bad input, 409 not from its
    status; nothing changes then."""
    if action not in ACTION_ROLES:
        raise Refused(404, texts.STAFF_NO_SUCH_ACTION.format(actions="、".join(ACTION_ROLES)))
    ticket = await find(member, number)
    only(member.role, *ACTION_ROLES[action])
    if not may_act(member, ticket):
        raise Refused(403, texts.STAFF_NOT_YOUR_TICKET)
    body = read(BODIES[action], await given())
    change = await _change(action, body)
    try:
        done = await tickets.act(
            ticket.number,
            change,
            Actor("staff", member.id),
            now=work.now,
            calendar=work.calendar,
            message=work.message,
            within=visible(member),
            allowed=partial(may_act, member),
        )
    except TicketConflict as exc:
        raise Refused(409, _conflict_words(action, exc), ticket_status=exc.status) from None
    except NotAllowed:  # reassigned to someone else a moment ago
        raise Refused(403, texts.STAFF_NOT_YOUR_TICKET) from None
    if done is None:  # returned or reassigned out of their reach a moment ago
        raise Refused(404, texts.STAFF_TICKET_NOT_FOUND)
    log.info("ticket changed", ticket=ticket.number, action=action, staff=member.username)
    fresh = await _visible(member, ticket.number)
    if fresh is None:  # a handler who returned it no longer sees it
        return TicketGone(number=ticket.number, status=done[0].status)
    return await detail(member, fresh, work.now, work.deadlines)


async def _change(action: str, given: BaseModel) -> Change:
    if isinstance(given, Assign):
        unit = await Unit.get_or_none(name=given.unit)
        if unit is None:
            raise _bad_field("unit", texts.STAFF_UNKNOWN_UNIT.format(name=given.unit))
        handler_id = None
        if given.handler is not None:
            handler = await Staff.get_or_none(
                username=given.handler, unit_id=unit.id, role="department_handler", active=True
            )
            if handler is None:
                raise _bad_field("handler", texts.STAFF_NOT_A_HANDLER.format(unit=unit.name))
            handler_id = handler.id
        return Change(action, given.note or "", unit_id=unit.id, handler_id=handler_id)
    if isinstance(given, RequestExtension):
        return Change(action, given.reason, days=given.days)
    (said,) = given.model_dump().values()
    return Change(action, said or "")


def _bad_field(field: str, why: str) -> Refused:
    return Refused(400, texts.STAFF_FIELD_BAD.format(field=field, why=why), field=field)


def _conflict_words(action: str, exc: TicketConflict) -> str:
    if exc.why == "no_extension":
        return texts.STAFF_NO_EXTENSION
    if exc.why == "extension_pending":
        return texts.STAFF_EXTENSION_PENDING
    if exc.why == "changed":
        return texts.STAFF_TICKET_CHANGED
    return texts.STAFF_TICKET_WRONG_STATUS.format(
        action=texts.TICKET_ACTIONS.get(action, action),
        status=texts.TICKET_STATUS.get(exc.status, exc.status),
    )

"""Tickets (工单) for staff: one queue to accept, route, answer and close every request,
each staff member within their jurisdiction; personal data shown whole only to those who
may act on the ticket (``may_act``), and every such view recorded."""

from __future__ import annotations

from datetime import date, datetime
from functools import partial
from typing import Annotated, Any, Literal

import structlog
from aiohttp import web
from pydantic import BaseModel, Field, RootModel
from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from bot import keys
from bot.api.auth import caller
from bot.api.errors import bad_field, refuse
from bot.api.inputs import read_body, read_path, read_query
from bot.api.once import after_commit
from bot.api.responses import respond
from bot.api.routes import Operation, Variant, roles
from bot.desk.fields import (
    DIGITS,
    ID_MAX,
    STRIP,
    STRIP_MAYBE,
    WHOLE,
    Answer,
    Day,
    QueryShape,
    Shape,
    Why,
    column_max,
    filter_of,
    maybe_words,
    words,
)
from conversations import texts
from conversations.answers import mask_phone
from notifications.dispatcher import wake
from storage import tickets
from storage.clock import BEIJING, local_day
from storage.models import Attachment, AuditEntry, Grid, Staff, Township, Unit, Village
from storage.models import Ticket as TicketModel
from storage.staff import StaffMember
from storage.tickets import Actor, Change, NotAllowed, TicketConflict

log = structlog.get_logger(__name__)

NOTE_MAX = 500
MAX_EXTENSION_DAYS = 60

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

# What each action reads from the body ----------------------------------------------------

Note = Annotated[str | None, maybe_words(NOTE_MAX), STRIP_MAYBE]
Reason = Annotated[str, words(NOTE_MAX), STRIP]


class Accept(Shape):
    note: Note = None


class Reject(Shape):
    reason: Reason


class Assign(Shape):
    unit: Annotated[
        str,
        words(column_max(Unit, "name")),
        STRIP,
        Field(description="A responsible unit's name (GET /units)"),
    ]
    handler: Annotated[
        str | None,
        words(column_max(Staff, "username")),
        STRIP_MAYBE,
        Field(description="The username of a department handler of that unit"),
    ] = None
    note: Note = None


class Return(Shape):
    reason: Reason


class RequestExtension(Shape):
    days: Annotated[
        int,
        Field(ge=1, le=MAX_EXTENSION_DAYS, description="Working days"),
        WHOLE,
        Why(texts.STAFF_WHY_EXTENSION_DAYS.format(days=MAX_EXTENSION_DAYS)),
    ]
    reason: Reason


class ApproveExtension(Shape):
    note: Note = None


class Reply(Shape):
    text: Reason


class Resolve(Shape):
    result: Reason


class Reopen(Shape):
    reason: Reason


_ACTIONS: dict[str, tuple[str, type[Shape]]] = {
    "accept": ("受理 (首问负责: records who); starts the time limit in working days", Accept),
    "reject": ("不予受理, with the reason the resident is told", Reject),
    "assign": ("Route to a responsible unit (and optionally one of its handlers)", Assign),
    "return": ("退单: a department hands it back to the township with a reason", Return),
    "request-extension": ("延期: ask for more working days, with a reason", RequestExtension),
    "approve-extension": (
        "A supervisor approves the waiting extension; the resident is told",
        ApproveExtension,
    ),
    "reply": ("A reply the resident receives", Reply),
    "resolve": ("办结, with the result the resident receives and is asked to rate", Resolve),
    "reopen": ("重办: back to work, with a reason, flagged for the supervisor", Reopen),
}
ACTIONS = {
    action: Variant(
        f"{texts.TICKET_ACTIONS[action]}: {about}", body, roles(*sorted(ACTION_ROLES[action]))
    )
    for action, (about, body) in _ACTIONS.items()
}


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


def mask_name(name: str) -> str:
    return f"{name[:1]}{'*' * max(len(name) - 1, 1)}" if name else ""


# Reading --------------------------------------------------------------------------------

_STATUS = "|".join(("open", *tickets.STATUSES))
_CHOICES = Why(texts.STAFF_WHY_CHOICES.format(choices="、".join(("open", *tickets.STATUSES))))
# A search phrase: longer than anyone types, shorter than a page.
SEARCH_MAX = 100
_DATE = Why(texts.STAFF_WHY_DATE)
TrueOrFalse = Annotated[Literal["true", "false"] | None, Why(texts.STAFF_WHY_BOOL)]


class TicketQuery(QueryShape):
    status: Annotated[
        str | None,
        Field(
            pattern=f"^({_STATUS})(,({_STATUS}))*$",
            description="Comma-separated statuses; 'open' = not yet done",
        ),
        _CHOICES,
    ] = None
    kind: Annotated[
        Literal[tickets.KINDS] | None,  # type: ignore[valid-type]
        Why(texts.STAFF_WHY_CHOICES.format(choices="、".join(tickets.KINDS))),
    ] = None
    township: Annotated[str | None, filter_of(column_max(Township, "name"))] = None
    village: Annotated[str | None, filter_of(column_max(Village, "name"))] = None
    unit: Annotated[str | None, filter_of(column_max(Unit, "name"))] = None
    grid: Annotated[
        str | None, filter_of(column_max(Grid, "code")), Field(description="A grid's code")
    ] = None
    overdue: Annotated[TrueOrFalse, Field(description="Open and past its deadline (督办)")] = None
    urgent: TrueOrFalse = None
    text: Annotated[
        str | None,
        filter_of(SEARCH_MAX),
        Field(description="In the title, the words, or the number"),
    ] = None
    start: Annotated[
        Day | None, Field(alias="from", description="Made on or after (Beijing)"), _DATE
    ] = None
    end: Annotated[
        Day | None, Field(alias="to", description="Made on or before (Beijing)"), _DATE
    ] = None
    limit: Annotated[
        Annotated[int, Field(ge=1, le=100), DIGITS] | None,
        Field(description="Tickets in a page ([tickets] page_size if not given)"),
        Why(texts.STAFF_WHY_COUNT),
    ] = None
    before: Annotated[
        Annotated[int, Field(ge=1, le=ID_MAX), DIGITS] | None,
        Field(description="The previous page's `next`"),
        Why(texts.STAFF_WHY_WHOLE),
    ] = None


NUMBER = Field(pattern=r"^[0-9]{8}-[0-9]{4}$", description="受理编号, e.g. 20261127-0042")


class TicketRef(QueryShape):
    number: Annotated[str, NUMBER]


class FileRef(QueryShape):
    number: Annotated[str, NUMBER]
    file: Annotated[int, Field(ge=1, le=ID_MAX), DIGITS]


def _iso(value: datetime | None) -> datetime | None:
    return value.astimezone(BEIJING) if value else None


def _today(request: web.Request) -> date:
    return local_day(request.app[keys.CLOCK]())


class Contact(Answer):
    name: str
    phone: str


class TicketSummary(Answer):
    """A ticket in a list (contact masked)."""

    number: str
    kind: str
    kind_name: str
    status: str
    status_name: str
    title: str
    township: str
    village: str | None
    unit: str | None
    created_at: datetime | None
    due_on: date | None
    overdue: bool
    flagged: bool = Field(description="For the supervisor (重办)")
    urgent: bool
    grid: str | None
    contact: Contact


class TicketList(Answer):
    """A page of tickets, newest first."""

    tickets: list[TicketSummary]
    next: str | None = Field(description="Pass as before= for the next page")


class ItemRef(Answer):
    code: str
    name: str


class Extension(Answer):
    days: int
    reason: str | None


class Rating(Answer):
    score: int
    name: str
    comment: str | None


class Step(Answer):
    at: datetime | None
    action: str
    actor: str | None
    from_status: str | None = Field(alias="from")
    to_status: str | None = Field(alias="to")
    note: str | None


class Attached(Answer):
    id: int
    kind: str
    media_id: str | None
    url: str | None
    text: str | None
    stored: str = Field(description="none | pending | stored | failed")
    stored_error: str | None
    file: str | None = Field(description="Where to fetch it once stored")


class Ticket(TicketSummary):
    """The ticket with its timeline, attachments and rating."""

    content: str
    answers: list[dict[str, Any]]
    location: dict[str, Any] | None
    home_visit: bool
    item: ItemRef | None
    category: str | None
    time_limit_days: int
    handler: str | None
    accepted_by: str | None
    accepted_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    result: str | None
    last_reply: str | None
    extension: Extension | None
    rating: Rating | None
    redo_count: int
    timeline: list[Step]
    attachments: list[Attached]


class TicketGone(Answer):
    """Done, and the ticket is out of the caller's reach now (a handler who returned it)."""

    number: str
    status: str


class Acted(RootModel[Ticket | TicketGone]):
    """The ticket as it is now."""


def _summary(t: TicketModel, today: date) -> dict[str, Any]:
    return {
        "number": t.number,
        "kind": t.kind,
        "kind_name": texts.TICKET_KINDS.get(t.kind, t.kind),
        "status": t.status,
        "status_name": texts.TICKET_STATUS.get(t.status, t.status),
        "title": t.title,
        "township": t.township.name,
        "village": t.village.name if t.village else None,
        "unit": t.unit.name if t.unit else None,
        "created_at": _iso(t.created_at),
        "due_on": t.due_on,
        "overdue": tickets.is_overdue(t, today),
        "flagged": t.flagged,
        "urgent": t.urgent,
        "grid": t.grid.name if t.grid else None,
        "contact": Contact(name=mask_name(t.contact_name), phone=mask_phone(t.contact_phone)),
    }


async def _visible(member: StaffMember, number: str) -> TicketModel | None:
    return (
        await TicketModel.filter(visible(member), number=number)
        .select_related("township", "village", "unit", "item", "handler", "accepted_by", "grid")
        .first()
    )


async def _ticket(request: web.Request, member: StaffMember, number: str) -> TicketModel:
    found = await _visible(member, number)
    # Another jurisdiction's ticket looks the same as no ticket at all.
    if found is None:
        raise refuse(404, texts.STAFF_TICKET_NOT_FOUND)
    return found


async def _detail(request: web.Request, member: StaffMember, t: TicketModel) -> Ticket:
    now = request.app[keys.CLOCK]()
    summary = _summary(t, local_day(now))
    whole = may_act(member, t)
    if whole and t.contact_phone:
        await AuditEntry.create(
            at=now, staff_id=member.id, action="view_contact", ticket_id=t.id, detail=t.number
        )
        log.info("contact shown", staff=member.username, ticket=t.number)
        summary["contact"] = Contact(name=t.contact_name, phone=t.contact_phone)
    events = await tickets.timeline(t.id)
    files = await tickets.attachments(t.id)
    return Ticket(
        **summary,
        content=t.content,
        answers=t.answers,
        location=t.location,
        home_visit=t.home_visit,
        item=ItemRef(code=t.item.code, name=t.item.name) if t.item else None,
        category=t.category,
        time_limit_days=t.time_limit_days,
        handler=t.handler.username if t.handler else None,
        accepted_by=t.accepted_by.username if t.accepted_by else None,
        accepted_at=_iso(t.accepted_at),
        resolved_at=_iso(t.resolved_at),
        closed_at=_iso(t.closed_at),
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
                at=_iso(e.at),
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
    )


async def _filters(
    request: web.Request, query: TicketQuery, q: QuerySet[TicketModel]
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
        late = Q(status__in=tickets.OPEN, due_on__lt=_today(request))
        q = q.filter(late) if query.overdue == "true" else q.exclude(late)
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


async def list_tickets(request: web.Request) -> web.Response:
    member = await caller(request)
    query = read_query(request, TicketQuery)
    limit = query.limit or request.app[keys.SETTINGS].tickets.page_size
    q = await _filters(request, query, TicketModel.filter(visible(member)))
    if query.before is not None:
        q = q.filter(id__lt=query.before)
    # Newest first by id: ids grow with time, and the index on (township, status, id)
    # answers one page without sorting the whole queue.
    rows = (
        await q.order_by("-id").limit(limit).select_related("township", "village", "unit", "grid")
    )
    today = _today(request)
    return respond(
        TicketList(
            tickets=[TicketSummary(**_summary(t, today)) for t in rows],
            next=str(rows[-1].id) if len(rows) == limit else None,
        )
    )


async def show(request: web.Request) -> web.Response:
    member = await caller(request)
    ref = read_path(request, TicketRef, texts.STAFF_TICKET_NOT_FOUND)
    ticket = await _ticket(request, member, ref.number)
    return respond(await _detail(request, member, ticket))


# Changing -------------------------------------------------------------------------------


async def _change(action: str, given: BaseModel) -> Change:
    if isinstance(given, Assign):
        unit = await Unit.get_or_none(name=given.unit)
        if unit is None:
            raise bad_field("unit", texts.STAFF_UNKNOWN_UNIT.format(name=given.unit))
        handler_id = None
        if given.handler is not None:
            handler = await Staff.get_or_none(
                username=given.handler, unit_id=unit.id, role="department_handler", active=True
            )
            if handler is None:
                raise bad_field("handler", texts.STAFF_NOT_A_HANDLER.format(unit=unit.name))
            handler_id = handler.id
        return Change(action, given.note or "", unit_id=unit.id, handler_id=handler_id)
    if isinstance(given, RequestExtension):
        return Change(action, given.reason, days=given.days)
    (said,) = given.model_dump().values()
    return Change(action, said or "")


async def act(request: web.Request) -> web.Response:
    member = await caller(request)
    action = request.match_info["action"]
    if action not in ACTIONS:
        raise refuse(404, texts.STAFF_NO_SUCH_ACTION.format(actions="、".join(ACTIONS)))
    ref = read_path(request, TicketRef, texts.STAFF_TICKET_NOT_FOUND)
    ticket = await _ticket(request, member, ref.number)
    if member.role not in ACTION_ROLES[action]:
        raise refuse(403, texts.STAFF_FORBIDDEN_ROLE)
    if not may_act(member, ticket):
        raise refuse(403, texts.STAFF_NOT_YOUR_TICKET)
    change = await _change(action, await read_body(request, ACTIONS[action].body))
    app = request.app
    try:
        done = await tickets.act(
            ticket.number,
            change,
            Actor("staff", member.id),
            now=app[keys.CLOCK](),
            calendar=app[keys.WORK_CALENDAR],
            message=app[keys.TICKET_RENDERING].message,
            within=visible(member),
            allowed=partial(may_act, member),
        )
    except TicketConflict as exc:
        raise refuse(409, _conflict_words(action, exc), ticket_status=exc.status) from None
    except NotAllowed:  # reassigned to someone else a moment ago
        raise refuse(403, texts.STAFF_NOT_YOUR_TICKET) from None
    if done is None:  # returned or reassigned out of their reach a moment ago
        raise refuse(404, texts.STAFF_TICKET_NOT_FOUND)
    log.info("ticket changed", ticket=ticket.number, action=action, staff=member.username)
    await after_commit(request, partial(wake, app[keys.REDIS]))
    fresh = await _visible(member, ticket.number)
    if fresh is None:  # a handler who returned it no longer sees it
        return respond(TicketGone(number=ticket.number, status=done[0].status))
    return respond(await _detail(request, member, fresh))


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


async def attachment(request: web.Request) -> web.Response:
    """A stored photo or voice note, for staff who may see the ticket."""
    member = await caller(request)
    ref = read_path(request, FileRef, texts.STAFF_FILE_NOT_FOUND)
    ticket = await _ticket(request, member, ref.number)
    row = await Attachment.get_or_none(id=ref.file, ticket_id=ticket.id, fetch="stored")
    if row is None or row.stored_path is None:
        raise refuse(404, texts.STAFF_FILE_NOT_FOUND)
    content = await request.app[keys.MEDIA_STORE].get(row.stored_path)
    if content is None:
        raise refuse(404, texts.STAFF_FILE_NOT_FOUND)
    return web.Response(body=content, content_type=row.content_type or "application/octet-stream")


OPERATIONS = [
    Operation(
        "GET", "/tickets", list_tickets,
        "Tickets within the caller's jurisdiction, newest first; contacts masked",
        TicketList, query=TicketQuery,
    ),
    Operation(
        "GET", "/tickets/{number}", show,
        "A ticket with its timeline, attachments and rating; the contact shown whole "
        "(and the view audited) only to those who may act on it",
        Ticket, params=TicketRef,
    ),
    Operation(
        "POST", "/tickets/{number}/{action}", act, "", Acted, params=TicketRef,
        refusals=(403, 409), variants=ACTIONS, same_body_is_retry=True,
    ),
    Operation(
        "GET", "/tickets/{number}/attachments/{file}", attachment,
        "A report's photo or voice note as fetched from WeChat (see attachments[].file)",
        None, params=FileRef,
    ),
]  # fmt: skip

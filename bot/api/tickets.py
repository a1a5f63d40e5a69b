"""Tickets (工单) for staff: one queue to accept, route, answer and close every request,
each staff member within their jurisdiction; personal data shown whole only to those
handling the ticket, and every such view recorded."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import structlog
from aiohttp import web
from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from bot import keys
from bot.api.auth import caller
from bot.api.errors import bad_field, json_object, only_fields, refuse, text_field
from bot.api.replies import respond
from conversations import texts
from conversations.answers import mask_phone
from notifications.dispatcher import wake
from storage import tickets
from storage.clock import BEIJING, local_day
from storage.models import Attachment, AuditEntry, Staff, Ticket, Township, Unit, Village
from storage.staff import StaffMember
from storage.tickets import Actor, Change, TicketConflict

log = structlog.get_logger(__name__)

ID_LIMIT = 2**63
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
# What each action reads from the body: (field, required).
ACTION_FIELDS: dict[str, tuple[tuple[str, bool], ...]] = {
    "accept": (("note", False),),
    "reject": (("reason", True),),
    "assign": (("unit", True), ("handler", False), ("note", False)),
    "return": (("reason", True),),
    "request-extension": (("days", True), ("reason", True)),
    "approve-extension": (("note", False),),
    "reply": (("text", True),),
    "resolve": (("result", True),),
    "reopen": (("reason", True),),
}


# Jurisdiction ---------------------------------------------------------------------------


def visible(member: StaffMember) -> Q:
    """The tickets a staff member may see: their township, their unit's, or everything."""
    if member.role == "department_handler":
        return Q(unit_id=member.unit_id) if member.unit_id is not None else Q(id=-1)
    if member.role == "county_admin" or member.township_id is None:
        return Q()
    return Q(township_id=member.township_id)


def _handles(member: StaffMember, ticket: Ticket) -> bool:
    """Those working the ticket: its township's service centre, whoever accepted it, and
    the handler it is assigned to (any handler of its unit while none is named)."""
    if ticket.accepted_by_id == member.id:
        return True
    if member.role == "township_staff":
        return ticket.township_id == member.township_id
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


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(BEIJING).isoformat() if value else None


def _today(request: web.Request) -> date:
    return local_day(request.app[keys.CLOCK]())


def _summary(t: Ticket, today: date) -> dict[str, Any]:
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
        "due_on": t.due_on.isoformat() if t.due_on else None,
        "overdue": tickets.is_overdue(t, today),
        "flagged": t.flagged,
        "urgent": t.urgent,
        "grid": t.grid.name if t.grid else None,
        "contact": {"name": mask_name(t.contact_name), "phone": mask_phone(t.contact_phone)},
    }


async def _visible(member: StaffMember, number: str) -> Ticket | None:
    if not (len(number) == 13 and number[8] == "-" and number.replace("-", "").isdigit()):
        return None
    return (
        await Ticket.filter(visible(member), number=number)
        .select_related("township", "village", "unit", "item", "handler", "accepted_by", "grid")
        .first()
    )


async def _ticket(request: web.Request, member: StaffMember) -> Ticket:
    found = await _visible(member, request.match_info["number"])
    # Another jurisdiction's ticket looks the same as no ticket at all.
    if found is None:
        raise refuse(404, texts.STAFF_TICKET_NOT_FOUND)
    return found


async def _detail(request: web.Request, member: StaffMember, t: Ticket) -> dict[str, Any]:
    now = request.app[keys.CLOCK]()
    body = _summary(t, local_day(now))
    whole = _handles(member, t)
    if whole and t.contact_phone:
        await AuditEntry.create(
            at=now, staff_id=member.id, action="view_contact", ticket_id=t.id, detail=t.number
        )
        log.info("contact shown", staff=member.username, ticket=t.number)
        body["contact"] = {"name": t.contact_name, "phone": t.contact_phone}
    events = await tickets.timeline(t.id)
    files = await tickets.attachments(t.id)
    body |= {
        "content": t.content,
        "answers": t.answers,
        "location": t.location,
        "home_visit": t.home_visit,
        "item": {"code": t.item.code, "name": t.item.name} if t.item else None,
        "category": t.category,
        "time_limit_days": t.time_limit_days,
        "handler": t.handler.username if t.handler else None,
        "accepted_by": t.accepted_by.username if t.accepted_by else None,
        "accepted_at": _iso(t.accepted_at),
        "resolved_at": _iso(t.resolved_at),
        "closed_at": _iso(t.closed_at),
        "result": t.result,
        "last_reply": t.last_reply,
        "extension": (
            {"days": t.extension_days, "reason": t.extension_reason}
            if t.extension_days is not None
            else None
        ),
        "rating": (
            {
                "score": t.rating,
                "name": texts.RATINGS.get(t.rating, ""),
                "comment": t.rating_comment,
            }
            if t.rating is not None
            else None
        ),
        "redo_count": t.redo_count,
        "timeline": [
            {
                "at": _iso(e.at),
                "action": e.action,
                "actor": e.staff.username if e.staff else e.actor,
                "from": e.from_status,
                "to": e.to_status,
                "note": e.note,
            }
            for e in events
        ],
        "attachments": [
            {
                "id": a.id,
                "kind": a.kind,
                "media_id": a.media_id,
                "url": a.url,
                "text": a.text,
                "stored": a.fetch,  # none | pending | stored | failed
                "stored_error": a.fetch_error,
                "file": (
                    f"/api/v1/tickets/{t.number}/attachments/{a.id}"
                    if a.fetch == "stored"
                    else None
                ),
            }
            for a in files
        ],
    }
    return body


def _date(query: Any, field: str) -> date | None:
    value = query.get(field)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise bad_field(field, "应为日期 YYYY-MM-DD") from None


async def _filters(request: web.Request, q: QuerySet[Ticket]) -> QuerySet[Ticket]:
    query = request.query
    known = {
        "status", "kind", "township", "village", "unit", "overdue", "text", "from", "to",
        "urgent", "grid",
    }  # fmt: skip
    only_fields(query, known | {"limit", "before"})
    if "status" in query:
        statuses = query["status"].split(",")
        if "open" in statuses:
            statuses = [s for s in statuses if s != "open"] + list(tickets.OPEN)
        if not set(statuses) <= set(tickets.STATUSES):
            raise bad_field("status", "可选 " + "、".join(("open", *tickets.STATUSES)))
        q = q.filter(status__in=statuses)
    if "kind" in query:
        if query["kind"] not in tickets.KINDS:
            raise bad_field("kind", "可选 " + "、".join(tickets.KINDS))
        q = q.filter(kind=query["kind"])
    if "township" in query:
        place = await Township.get_or_none(name=query["township"])
        q = q.filter(township_id=place.id if place else -1)
    if "village" in query:
        village_ids = await Village.filter(name=query["village"]).values_list("id", flat=True)
        q = q.filter(village_id__in=list(village_ids))
    if "unit" in query:
        unit = await Unit.get_or_none(name=query["unit"])
        q = q.filter(unit_id=unit.id if unit else -1)
    if "overdue" in query:
        if query["overdue"] not in ("true", "false"):
            raise bad_field("overdue", "应为 true 或 false")
        today = _today(request)
        late = Q(status__in=tickets.OPEN, due_on__lt=today)
        q = q.filter(late) if query["overdue"] == "true" else q.exclude(late)
    if "urgent" in query:
        if query["urgent"] not in ("true", "false"):
            raise bad_field("urgent", "应为 true 或 false")
        q = q.filter(urgent=query["urgent"] == "true")
    if "grid" in query:
        q = q.filter(grid__code=query["grid"])
    if "text" in query:
        words = query["text"].strip()[:50]
        if words:
            q = q.filter(Q(title__icontains=words) | Q(content__icontains=words) | Q(number=words))
    start, end = _date(query, "from"), _date(query, "to")
    if start:
        q = q.filter(created_at__gte=datetime.combine(start, datetime.min.time(), BEIJING))
    if end:
        q = q.filter(created_at__lt=datetime.combine(end, datetime.max.time(), BEIJING))
    return q


async def list_tickets(request: web.Request) -> web.Response:
    member = await caller(request)
    settings = request.app[keys.SETTINGS].tickets
    try:
        limit = min(max(int(request.query.get("limit", settings.page_size)), 1), 100)
        before = int(request.query["before"]) if "before" in request.query else None
        if before is not None and not 0 < before < ID_LIMIT:
            raise ValueError(before)
    except ValueError:
        raise bad_field("limit/before", "应为整数") from None
    q = await _filters(request, Ticket.filter(visible(member)))
    if before is not None:
        q = q.filter(id__lt=before)
    # Newest first by id: ids grow with time, and the index on (township, status, id)
    # answers one page without sorting the whole queue.
    rows = (
        await q.order_by("-id").limit(limit).select_related("township", "village", "unit", "grid")
    )
    today = _today(request)
    return respond(
        {
            "tickets": [_summary(t, today) for t in rows],
            "next": str(rows[-1].id) if len(rows) == limit else None,
        }
    )


async def show(request: web.Request) -> web.Response:
    member = await caller(request)
    ticket = await _ticket(request, member)
    return respond(await _detail(request, member, ticket))


# Changing -------------------------------------------------------------------------------


async def _change(action: str, body: dict[str, Any], ticket: Ticket) -> Change:
    fields = ACTION_FIELDS[action]
    only_fields(body, (f for f, _ in fields))
    if action == "assign":
        name = text_field(body, "unit", NOTE_MAX)
        unit = await Unit.get_or_none(name=name)
        if unit is None:
            raise bad_field("unit", texts.STAFF_UNKNOWN_UNIT.format(name=name))
        handler_id = None
        if body.get("handler") is not None:
            username = text_field(body, "handler", NOTE_MAX)
            handler = await Staff.get_or_none(
                username=username, unit_id=unit.id, role="department_handler", active=True
            )
            if handler is None:
                raise bad_field("handler", texts.STAFF_NOT_A_HANDLER.format(unit=unit.name))
            handler_id = handler.id
        return Change(
            action,
            text_field(body, "note", NOTE_MAX, required=False),
            unit_id=unit.id,
            handler_id=handler_id,
        )
    if action == "request-extension":
        days = body.get("days")
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 60:
            raise bad_field("days", f"应为 1 到 {MAX_EXTENSION_DAYS} 的整数（工作日）")
        return Change(action, text_field(body, "reason", NOTE_MAX), days=days)
    field, required = fields[0]
    return Change(action, text_field(body, field, NOTE_MAX, required=required))


async def act(request: web.Request) -> web.Response:
    member = await caller(request)
    action = request.match_info["action"]
    if action not in ACTION_ROLES:
        raise refuse(404, texts.STAFF_NO_SUCH_ACTION.format(actions="、".join(ACTION_ROLES)))
    ticket = await _ticket(request, member)
    body = await json_object(request)
    if member.role not in ACTION_ROLES[action]:
        raise refuse(403, texts.STAFF_FORBIDDEN_ROLE)
    change = await _change(action, body, ticket)
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
        )
    except TicketConflict as exc:
        raise refuse(409, _conflict_words(action, exc), ticket_status=exc.status) from None
    if done is None:  # returned or reassigned out of their reach a moment ago
        raise refuse(404, texts.STAFF_TICKET_NOT_FOUND)
    log.info("ticket changed", ticket=ticket.number, action=action, staff=member.username)
    await wake(app[keys.REDIS])
    fresh = await _visible(member, ticket.number)
    if fresh is None:  # a handler who returned it no longer sees it
        return respond({"number": ticket.number, "status": done[0].status})
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
    ticket = await _ticket(request, member)
    try:
        file_id = int(request.match_info["file"])
    except ValueError:
        raise refuse(404, texts.STAFF_FILE_NOT_FOUND) from None
    row = (
        await Attachment.get_or_none(id=file_id, ticket_id=ticket.id, fetch="stored")
        if 0 < file_id < ID_LIMIT
        else None
    )
    if row is None or row.stored_path is None:
        raise refuse(404, texts.STAFF_FILE_NOT_FOUND)
    content = await request.app[keys.MEDIA_STORE].get(row.stored_path)
    if content is None:
        raise refuse(404, texts.STAFF_FILE_NOT_FOUND)
    return web.Response(body=content, content_type=row.content_type or "application/octet-stream")

"""Tickets (工单) and their life: every change is one transition, written together with
its TicketEvent and the push that tells the resident, or not at all."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from storage import outbox
from storage.clock import local_day
from storage.models import Attachment, Resident, Ticket, TicketEvent
from storage.workdays import WorkCalendar

KINDS = ("service", "complaint", "suggestion", "help", "incident")
SUBMITTED, ACCEPTED, IN_PROGRESS = "submitted", "accepted", "in_progress"
RESOLVED, CLOSED, REJECTED, WITHDRAWN = "resolved", "closed", "rejected", "withdrawn"
STATUSES = (SUBMITTED, ACCEPTED, IN_PROGRESS, RESOLVED, CLOSED, REJECTED, WITHDRAWN)
OPEN = (SUBMITTED, ACCEPTED, IN_PROGRESS)
# A rating at or below this reopens the ticket for a second handling (重办).
REDO_AT_OR_BELOW = 2


@dataclass(frozen=True)
class Rule:
    """Which statuses an action may start from, and the status it leaves (None: same)."""

    start: frozenset[str]
    to: str | None


RULES: dict[str, Rule] = {
    "accept": Rule(frozenset({SUBMITTED}), ACCEPTED),
    "reject": Rule(frozenset({SUBMITTED}), REJECTED),
    "withdraw": Rule(frozenset({SUBMITTED}), WITHDRAWN),
    "assign": Rule(frozenset({ACCEPTED, IN_PROGRESS}), IN_PROGRESS),
    "return": Rule(frozenset({IN_PROGRESS}), ACCEPTED),
    "request-extension": Rule(frozenset({IN_PROGRESS}), None),
    "approve-extension": Rule(frozenset({IN_PROGRESS}), None),
    "reply": Rule(frozenset({ACCEPTED, IN_PROGRESS}), None),
    "resolve": Rule(frozenset({ACCEPTED, IN_PROGRESS}), RESOLVED),
    "reopen": Rule(frozenset({RESOLVED, CLOSED}), IN_PROGRESS),
    "rate": Rule(frozenset({RESOLVED}), CLOSED),
    "auto-close": Rule(frozenset({RESOLVED}), CLOSED),
}


class TicketConflict(Exception):
    """The action does not fit the ticket as it is now. ``why`` is a stable word:
    ``status`` (not from this status), ``no_extension`` (nothing to approve),
    ``extension_pending`` (one is already waiting), ``changed`` (someone else was first)."""

    def __init__(self, why: str, status: str) -> None:
        super().__init__(why)
        self.why = why
        self.status = status


@dataclass(frozen=True)
class Actor:
    kind: str  # resident | staff | system
    staff_id: int | None = None


@dataclass(frozen=True)
class Change:
    """An action and what it needs: a note (reason, reply, result), a unit and handler
    (assign), days (extension), a rating and comment (rate)."""

    action: str
    note: str = ""
    unit_id: int | None = None
    handler_id: int | None = None
    days: int | None = None
    rating: int | None = None


# What tells the resident: given the ticket after the change and its event, the push's
# channel-ready payload (with ``then``), or None to send nothing.
Message = Callable[[Ticket, TicketEvent], Awaitable["tuple[str, dict[str, Any]] | None"]]


def is_overdue(ticket: Ticket, today: date) -> bool:
    return ticket.status in OPEN and ticket.due_on is not None and ticket.due_on < today


async def _push(ticket: Ticket, event: TicketEvent, message: Message, now: datetime) -> None:
    if ticket.resident_id is None:
        return
    made = await message(ticket, event)
    if made is None:
        return
    channel, payload = made
    person = await Resident.get_or_none(id=ticket.resident_id)
    if person is None or not person.subscribed:
        return
    await outbox.enqueue(
        source=f"ticket:{ticket.id}:{event.id}",
        appid=person.appid,
        openid=person.openid,
        channel=channel,
        payload=payload,
        now=now,
    )


# Creating -------------------------------------------------------------------------


@dataclass(frozen=True)
class NewTicket:
    kind: str
    request_key: str
    resident_id: int
    township_id: int
    village_id: int | None
    title: str
    time_limit_days: int
    item_id: int | None = None
    category: str | None = None
    content: str = ""
    answers: Sequence[dict[str, Any]] = ()
    location: dict[str, Any] | None = None
    home_visit: bool = False
    contact_name: str = ""
    contact_phone: str = ""
    attachments: Sequence[dict[str, Any]] = field(default_factory=tuple)
    grid_id: int | None = None
    urgent: bool = False
    # Download the attachments from WeChat at once (temporary media last three days).
    fetch_media: bool = False


async def _next_number(day: date) -> str:
    key = day.strftime("%Y%m%d")
    async with in_transaction() as tx:
        pg = tx.capabilities.dialect == "postgres"
        mark = "$1" if pg else "?"
        rows = await tx.execute_query_dict(
            f"INSERT INTO day_counter (day, issued) VALUES ({mark}, 1) "
            "ON CONFLICT (day) DO UPDATE SET issued = day_counter.issued + 1 RETURNING issued",
            [key],
        )
    return f"{key}-{int(rows[0]['issued']):04d}"


# Who else hears of a new urgent ticket: (appid, openid, channel, payload) for each.
Alerts = Callable[[Ticket], Awaitable[list[tuple[str, str, str, dict[str, Any]]]]]


async def create(
    new: NewTicket, *, now: datetime, message: Message, alerts: Alerts | None = None
) -> tuple[Ticket, bool]:
    """The ticket for ``new.request_key``, and whether this call made it. The same key
    again (a doubled 确认, WeChat retrying) finds the first ticket, never a second."""
    found = await Ticket.get_or_none(request_key=new.request_key)
    if found is not None:
        return found, False
    try:
        async with in_transaction():
            ticket = await Ticket.create(
                number=await _next_number(local_day(now)),
                kind=new.kind,
                status=SUBMITTED,
                request_key=new.request_key,
                resident_id=new.resident_id,
                township_id=new.township_id,
                village_id=new.village_id,
                item_id=new.item_id,
                category=new.category,
                title=new.title,
                content=new.content,
                answers=list(new.answers),
                location=new.location,
                home_visit=new.home_visit,
                contact_name=new.contact_name,
                contact_phone=new.contact_phone,
                time_limit_days=new.time_limit_days,
                grid_id=new.grid_id,
                urgent=new.urgent,
                created_at=now,
                updated_at=now,
            )
            fetch: dict[str, Any] = (
                {"fetch": "pending", "fetch_after": now} if new.fetch_media else {}
            )
            for a in new.attachments:
                await Attachment.create(ticket=ticket, created_at=now, **{**a, **fetch})
            event = await TicketEvent.create(
                ticket=ticket, at=now, action="submit", actor="resident", to_status=SUBMITTED
            )
            await _push(ticket, event, message, now)
            if new.urgent and alerts is not None:
                for appid, openid, channel, payload in await alerts(ticket):
                    await outbox.enqueue(
                        source=f"alert:{ticket.id}",
                        appid=appid,
                        openid=openid,
                        channel=channel,
                        payload=payload,
                        now=now,
                    )
    except IntegrityError:
        # The same request made by a racing retry between the check and the insert.
        found = await Ticket.get_or_none(request_key=new.request_key)
        if found is None:
            raise
        return found, False
    return ticket, True


# Changing -------------------------------------------------------------------------


def _updates(
    ticket: Ticket, change: Change, now: datetime, calendar: WorkCalendar
) -> tuple[str, dict[str, Any]]:
    """The status the ticket moves to and the fields that change with it."""
    rule = RULES[change.action]
    to = rule.to or ticket.status
    today = local_day(now)
    fields: dict[str, Any] = {}
    match change.action:
        case "accept":
            fields = {"accepted_at": now, "due_on": calendar.add(today, ticket.time_limit_days)}
        case "assign":
            fields = {"unit_id": change.unit_id, "handler_id": change.handler_id}
        case "return":
            fields = {"unit_id": None, "handler_id": None, "extension_days": None}
        case "request-extension":
            if ticket.extension_days is not None:
                raise TicketConflict("extension_pending", ticket.status)
            fields = {"extension_days": change.days, "extension_reason": change.note}
        case "approve-extension":
            if ticket.extension_days is None or ticket.due_on is None:
                raise TicketConflict("no_extension", ticket.status)
            fields = {
                "due_on": calendar.add(ticket.due_on, ticket.extension_days),
                "extension_days": None,
            }
        case "reply":
            fields = {"last_reply": change.note}
        case "resolve":
            fields = {"resolved_at": now, "result": change.note, "extension_days": None}
        case "reopen":
            to = IN_PROGRESS if ticket.unit_id is not None else ACCEPTED
            fields = {
                "redo_count": ticket.redo_count + 1,
                "flagged": True,
                "resolved_at": None,
                "closed_at": None,
                "due_on": calendar.add(today, ticket.time_limit_days),
            }
        case "rate":
            assert change.rating is not None
            fields = {"rating": change.rating, "rating_comment": change.note or None}
            if change.rating <= REDO_AT_OR_BELOW:  # 不满意: handled again, and flagged
                to = IN_PROGRESS if ticket.unit_id is not None else ACCEPTED
                fields |= {
                    "redo_count": ticket.redo_count + 1,
                    "flagged": True,
                    "resolved_at": None,
                    "due_on": calendar.add(today, ticket.time_limit_days),
                }
            else:
                fields["closed_at"] = now
        case "auto-close":
            fields = {"closed_at": now}
    return to, fields


async def act(
    number: str,
    change: Change,
    actor: Actor,
    *,
    now: datetime,
    calendar: WorkCalendar,
    message: Message,
    within: Q | None = None,
) -> tuple[Ticket, TicketEvent] | None:
    """Apply one action to one ticket; None when there is no such ticket (among those
    ``within`` allows, read in the same transaction as the change, so a ticket moved out
    of a caller's reach a moment ago is out of reach). Raises TicketConflict when the
    action does not fit its status (nothing is written then)."""
    rule = RULES[change.action]
    async with in_transaction():
        ticket = await Ticket.filter(within or Q(), number=number).first()
        if ticket is None:
            return None
        if ticket.status not in rule.start:
            raise TicketConflict("status", ticket.status)
        before = ticket.status
        to, fields = _updates(ticket, change, now, calendar)
        fields |= {"status": to, "updated_at": now}
        if change.action == "accept":
            fields["accepted_by_id"] = actor.staff_id  # 首问负责: who took it on
        # Conditional on what was read: a racing change makes this one a conflict.
        moved = await Ticket.filter(
            id=ticket.id, status=before, updated_at=ticket.updated_at
        ).update(**fields)
        if not moved:
            raise TicketConflict("changed", before)
        for name, value in fields.items():
            setattr(ticket, name, value)
        note = change.note
        if change.action == "request-extension":
            note = f"{change.days}|{change.note}"
        elif change.action == "rate":
            note = f"{change.rating}|{change.note}"
        event = await TicketEvent.create(
            ticket=ticket,
            at=now,
            action=change.action,
            actor=actor.kind,
            staff_id=actor.staff_id,
            from_status=before,
            to_status=to,
            note=note,
        )
        await _push(ticket, event, message, now)
    return ticket, event


async def due_for_auto_close(now: datetime, after: timedelta, limit: int) -> list[str]:
    """Resolved tickets left unrated for ``after``: closed without a rating."""
    rows = await Ticket.filter(status=RESOLVED, resolved_at__lte=now - after).limit(limit)
    return [t.number for t in rows]


# Reading --------------------------------------------------------------------------


async def get(number: str) -> Ticket | None:
    return await Ticket.get_or_none(number=number).select_related(
        "township", "village", "unit", "item", "handler", "accepted_by"
    )


async def of_resident(resident_id: int, limit: int, kind: str | None = None) -> list[Ticket]:
    """Their tickets (of one kind, if given), open ones first, each group newest first."""
    mine = Ticket.filter(resident_id=resident_id)
    if kind is not None:
        mine = mine.filter(kind=kind)
    rows = await mine.order_by("-id").limit(100)
    rows.sort(key=lambda t: t.status not in OPEN)  # stable: keeps newest first within
    return rows[:limit]


async def own(resident_id: int, number: str) -> Ticket | None:
    """The ticket if it is this resident's; None for anyone else's or none at all."""
    return await Ticket.get_or_none(number=number, resident_id=resident_id).select_related("unit")


async def latest_since(resident_id: int, since: datetime) -> Ticket | None:
    return (
        await Ticket.filter(resident_id=resident_id, created_at__gte=since).order_by("-id").first()
    )


async def timeline(ticket_id: int) -> list[TicketEvent]:
    return await TicketEvent.filter(ticket_id=ticket_id).select_related("staff").order_by("id")


async def attachments(ticket_id: int) -> list[Attachment]:
    return await Attachment.filter(ticket_id=ticket_id).order_by("id")


async def waiting_for_rating(resident_id: int) -> list[str]:
    """The numbers of their tickets that are done and not yet rated, newest first."""
    rows = await Ticket.filter(resident_id=resident_id, status=RESOLVED).order_by("-id")
    return [t.number for t in rows]


async def open_in_grids(
    grid_ids: Sequence[int], village_ids: Sequence[int], limit: int
) -> list[Ticket]:
    """Open tickets in these grids or their villages, from anyone (grid workers' reports,
    residents' requests), newest first (网格事件)."""
    if not grid_ids:
        return []
    place = Q(grid_id__in=list(grid_ids))
    if village_ids:
        place |= Q(village_id__in=list(village_ids))
    return await Ticket.filter(place, status__in=OPEN).order_by("-id").limit(limit)

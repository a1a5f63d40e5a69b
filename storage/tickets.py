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


class TicketConflict(Exception):
    """The action does not fit the ticket as it is now. ``why`` is a stable word:
    ``status`` (not from this status), ``no_extension`` (nothing to approve),
    ``extension_pending`` (one is already waiting), ``changed`` (someone else was first)."""

    def __init__(self, why: str, status: str) -> None:
        super().__init__(why)
        self.why = why
        self.status = status


class NotAllowed(Exception):
    """The caller may not act on the ticket as it is now (``act``'s ``allowed`` said no)."""


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


# Who else hears of a new ticket at once (staff on duty): (appid, openid, channel,
# payload) for each.
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
            await _attach(ticket, new, now)
            event = await TicketEvent.create(
                ticket=ticket, at=now, action="submit", actor="resident", to_status=SUBMITTED
            )
            await _push(ticket, event, message, now)
            if alerts is not None:
                await _alert(ticket, alerts, now)
    except IntegrityError:
        # The same request made by a racing retry between the check and the insert.
        found = await Ticket.get_or_none(request_key=new.request_key)
        if found is None:
            raise
        return found, False
    return ticket, True


async def _attach(ticket: Ticket, new: NewTicket, now: datetime) -> None:
    """The photos and voice notes sent with it; a grid report's are fetched at once."""
    fetch: dict[str, Any] = {"fetch": "pending", "fetch_after": now} if new.fetch_media else {}
    for a in new.attachments:
        await Attachment.create(ticket=ticket, created_at=now, **{**a, **fetch})


async def _alert(ticket: Ticket, alerts: Alerts, now: datetime) -> None:
    """A new ticket reaches the staff on duty who are to hear of it at once."""
    for appid, openid, channel, payload in await alerts(ticket):
        await outbox.enqueue(
            source=f"alert:{ticket.id}",
            appid=appid,
            openid=openid,
            channel=channel,
            payload=payload,
            now=now,
        )


# Changing -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Moment:
    """What an action's changes are worked out from."""

    ticket: Ticket
    change: Change
    now: datetime
    today: date
    calendar: WorkCalendar


# An action's changes: the status it moves to instead of its rule's (None: the rule's),
# and the fields that change with it.
Changes = Callable[[_Moment], tuple[str | None, dict[str, Any]]]


def _no_fields(m: _Moment) -> tuple[str | None, dict[str, Any]]:
    return None, {}


@dataclass(frozen=True)
class Rule:
    """Which statuses an action may start from, the status it leaves (None: the same),
    and what else it changes."""

    start: frozenset[str]
    to: str | None
    changes: Changes = _no_fields


def _accept(m: _Moment) -> tuple[str | None, dict[str, Any]]:
    return None, {"accepted_at": m.now, "due_on": m.calendar.add(m.today, m.ticket.time_limit_days)}


def _assign(m: _Moment) -> tuple[str | None, dict[str, Any]]:
    return None, {"unit_id": m.change.unit_id, "handler_id": m.change.handler_id}


def _return(m: _Moment) -> tuple[str | None, dict[str, Any]]:
    return None, {"unit_id": None, "handler_id": None, "extension_days": None}


def _request_extension(m: _Moment) -> tuple[str | None, dict[str, Any]]:
    if m.ticket.extension_days is not None:
        raise TicketConflict("extension_pending", m.ticket.status)
    return None, {"extension_days": m.change.days, "extension_reason": m.change.note}


def _approve_extension(m: _Moment) -> tuple[str | None, dict[str, Any]]:
    t = m.ticket
    if t.extension_days is None or t.due_on is None:
        raise TicketConflict("no_extension", t.status)
    return None, {"due_on": m.calendar.add(t.due_on, t.extension_days), "extension_days": None}


def _reply(m: _Moment) -> tuple[str | None, dict[str, Any]]:
    return None, {"last_reply": m.change.note}


def _resolve(m: _Moment) -> tuple[str | None, dict[str, Any]]:
    return None, {"resolved_at": m.now, "result": m.change.note, "extension_days": None}


def _redo(m: _Moment) -> tuple[str | None, dict[str, Any]]:
    """Handled again (重办), flagged, with a fresh time limit: back to its unit if it had
    one."""
    t = m.ticket
    return IN_PROGRESS if t.unit_id is not None else ACCEPTED, {
        "redo_count": t.redo_count + 1,
        "flagged": True,
        "resolved_at": None,
        "due_on": m.calendar.add(m.today, t.time_limit_days),
    }


def _reopen(m: _Moment) -> tuple[str | None, dict[str, Any]]:
    to, fields = _redo(m)
    return to, {**fields, "closed_at": None}


def _rate(m: _Moment) -> tuple[str | None, dict[str, Any]]:
    rating = m.change.rating
    if rating is None:
        raise ValueError("a rating is needed")
    fields: dict[str, Any] = {"rating": rating, "rating_comment": m.change.note or None}
    if rating <= REDO_AT_OR_BELOW:  # 不满意: handled again, and flagged
        to, redo = _redo(m)
        return to, fields | redo
    return None, fields | {"closed_at": m.now}


def _close(m: _Moment) -> tuple[str | None, dict[str, Any]]:
    return None, {"closed_at": m.now}


RULES: dict[str, Rule] = {
    "accept": Rule(frozenset({SUBMITTED}), ACCEPTED, _accept),
    "reject": Rule(frozenset({SUBMITTED}), REJECTED),
    "withdraw": Rule(frozenset({SUBMITTED}), WITHDRAWN),
    "assign": Rule(frozenset({ACCEPTED, IN_PROGRESS}), IN_PROGRESS, _assign),
    "return": Rule(frozenset({IN_PROGRESS}), ACCEPTED, _return),
    "request-extension": Rule(frozenset({IN_PROGRESS}), None, _request_extension),
    "approve-extension": Rule(frozenset({IN_PROGRESS}), None, _approve_extension),
    "reply": Rule(frozenset({ACCEPTED, IN_PROGRESS}), None, _reply),
    "resolve": Rule(frozenset({ACCEPTED, IN_PROGRESS}), RESOLVED, _resolve),
    "reopen": Rule(frozenset({RESOLVED, CLOSED}), IN_PROGRESS, _reopen),
    "rate": Rule(frozenset({RESOLVED}), CLOSED, _rate),
    "auto-close": Rule(frozenset({RESOLVED}), CLOSED, _close),
}


def _updates(
    ticket: Ticket, change: Change, now: datetime, calendar: WorkCalendar
) -> tuple[str, dict[str, Any]]:
    """The status the ticket moves to and the fields that change with it."""
    rule = RULES[change.action]
    to, fields = rule.changes(_Moment(ticket, change, now, local_day(now), calendar))
    return to or rule.to or ticket.status, fields


async def act(
    number: str,
    change: Change,
    actor: Actor,
    *,
    now: datetime,
    calendar: WorkCalendar,
    message: Message,
    within: Q | None = None,
    allowed: Callable[[Ticket], bool] | None = None,
) -> tuple[Ticket, TicketEvent] | None:
    """Apply one action to one ticket; None when there is no such ticket (among those
    ``within`` allows, read in the same transaction as the change, so a ticket moved out
    of a caller's reach a moment ago is out of reach). Raises NotAllowed when ``allowed``
    says no of the ticket as read there (the change is conditional on it staying so), and
    TicketConflict when the action does not fit its status (nothing is written then)."""
    rule = RULES[change.action]
    async with in_transaction():
        ticket = await Ticket.filter(within or Q(), number=number).first()
        if ticket is None:
            return None
        if allowed is not None and not allowed(ticket):
            raise NotAllowed(number)
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
            due_on=ticket.due_on,
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

"""The tickets of a filter as a file: one row each, within the person's jurisdiction
exactly as the queue is, with who accepted, assigned, handled and resolved it and when,
and every step with its person (办理经过), the contact masked as the queue masks it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from tortoise.queryset import QuerySet

from bot.desk import tickets as desk
from bot.desk.refused import Refused
from bot.desk.ticket_shapes import TicketFilter
from bot.desk.workbook import Column, Export, Row, file_name
from conversations import texts
from conversations.answers import mask_phone
from storage import audit
from storage.clock import BEIJING, local_day
from storage.deadlines import Deadlines
from storage.models import Staff, TicketEvent
from storage.models import Ticket as TicketModel
from storage.staff import StaffMember

# Tickets read a page at a time (by id, newest first), their events in one query per page.
BATCH = 1000
_W = texts.EXPORT_TICKET_COLUMNS
# Widths in Excel's character units: a Chinese character takes about two.
COLUMNS = [
    Column(_W["number"], 15), Column(_W["kind"], 8), Column(_W["status"], 8),
    Column(_W["title"], 30), Column(_W["township"], 10), Column(_W["village"], 12),
    Column(_W["unit"], 16), Column(_W["contact_name"], 8), Column(_W["contact_phone"], 13),
    Column(_W["created"], 17), Column(_W["accepted_by"], 12), Column(_W["accepted_at"], 17),
    Column(_W["assigned_by"], 12), Column(_W["assigned_at"], 17), Column(_W["handler"], 12),
    Column(_W["resolved_by"], 12), Column(_W["resolved_at"], 17), Column(_W["due_on"], 11),
    Column(_W["deadline"], 9), Column(_W["extensions"], 9), Column(_W["returns"], 9),
    Column(_W["redos"], 9), Column(_W["rating"], 10), Column(_W["steps"], 48, wrap=True),
]  # fmt: skip
assert [c.header for c in COLUMNS] == list(_W.values()), "a column without its header"


@dataclass(frozen=True)
class _Step:
    at: datetime  # Beijing time
    action: str
    person: str

    @property
    def line(self) -> str:
        """The step in 办理经过: "11-03 09:30 受理 王芳" (strftime costs more)."""
        at, done = self.at, texts.TICKET_ACTIONS.get(self.action, self.action)
        return f"{at.month:02}-{at.day:02} {at.hour:02}:{at.minute:02} {done} {self.person}"


async def tickets(
    member: StaffMember,
    query: TicketFilter,
    kind: str,
    *,
    now: datetime,
    deadlines: Deadlines,
    rows_max: int,
) -> Export:
    """The tickets this person may see that ``query`` asks for, as an export (``kind``:
    xlsx or csv, for the audit trail). Refused (400) when there are more than
    ``rows_max``; the export recorded as a read of personal data."""
    today = local_day(now)
    found = await desk.matching(member, query, today, deadlines)
    count = await found.count()
    if count > rows_max:
        raise Refused(400, texts.STAFF_EXPORT_TOO_MANY.format(count=count, most=rows_max))
    given = query.model_dump(mode="json", by_alias=True, exclude_none=True)
    said = " ".join(f"{k}={v}" for k, v in given.items())
    await audit.record(member.id, audit.EXPORT, now, f"tickets.{kind} {said}".strip())
    names: dict[int, str] = dict(await Staff.all().values_list("id", "username"))
    return Export(
        title=texts.EXPORT_TICKETS,
        name=_name(member, query, today),
        columns=COLUMNS,
        batches=_batches(found, today, deadlines, names),
    )


def _name(member: StaffMember, query: TicketFilter, today: date) -> str:
    place = query.township or member.township or member.unit or texts.EXPORT_COUNTY
    end = (query.end or today).strftime("%Y%m%d")
    when = f"{query.start:%Y%m%d}-{end}" if query.start else end
    return file_name(texts.EXPORT_TICKETS, place, when)


# What a row needs of a ticket, read as plain values in one joined query a page (building
# model instances cost more than the database did).
_FIELDS = (
    "id", "number", "kind", "status", "title", "township__name", "village__name",
    "unit__name", "contact_name", "contact_phone", "created_at", "accepted_by_id",
    "accepted_at", "handler_id", "due_on", "time_limit_days", "redo_count", "rating",
)  # fmt: skip


@dataclass(frozen=True)
class _Ticket:
    """A ticket's row as read: what the deadline clock reads, and the rest by name."""

    status: str
    created_at: datetime
    due_on: date | None
    time_limit_days: int
    values: dict[str, Any]


async def _batches(
    found: QuerySet[TicketModel], today: date, deadlines: Deadlines, names: dict[int, str]
) -> AsyncIterator[Sequence[Row]]:
    before: int | None = None
    while True:
        page = found.filter(id__lt=before) if before is not None else found
        rows = await page.order_by("-id").limit(BATCH).values(*_FIELDS)
        if not rows:
            return
        steps = await _steps([r["id"] for r in rows], names)
        yield [_row(r, steps[r["id"]], today, deadlines, names) for r in rows]
        if len(rows) < BATCH:
            return
        before = rows[-1]["id"]


async def _steps(ticket_ids: list[int], names: dict[int, str]) -> dict[int, list[_Step]]:
    """Every step of these tickets, in order, each with its person: one query."""
    found: dict[int, list[_Step]] = defaultdict(list)
    rows = (
        await TicketEvent.filter(ticket_id__in=ticket_ids)
        .order_by("ticket_id", "id")  # the (ticket_id, id) index, no sort
        .values_list("ticket_id", "at", "action", "actor", "staff_id")
    )
    for ticket_id, at, action, actor, staff_id in rows:
        person = names.get(staff_id, "") if staff_id else texts.TICKET_ACTORS.get(actor, actor)
        found[ticket_id].append(_Step(at.astimezone(BEIJING), action, person))
    return found


def _last(steps: list[_Step], action: str) -> _Step | None:
    return next((s for s in reversed(steps) if s.action == action), None)


def _at(value: datetime | None) -> datetime | None:
    return value.astimezone(BEIJING) if value else None


def _row(
    r: dict[str, Any],
    steps: list[_Step],
    today: date,
    deadlines: Deadlines,
    names: dict[int, str],
) -> Row:
    state = deadlines.state(
        _Ticket(r["status"], r["created_at"], r["due_on"], r["time_limit_days"], r), today
    )
    assigned, resolved = _last(steps, "assign"), _last(steps, "resolve")
    rating = r["rating"]
    return [
        r["number"], texts.TICKET_KINDS.get(r["kind"], r["kind"]),
        texts.TICKET_STATUS.get(r["status"], r["status"]), r["title"], r["township__name"],
        r["village__name"], r["unit__name"], desk.mask_name(r["contact_name"]),
        mask_phone(r["contact_phone"]), _at(r["created_at"]),
        names.get(r["accepted_by_id"] or 0, ""), _at(r["accepted_at"]),
        assigned.person if assigned else "", assigned.at if assigned else None,
        names.get(r["handler_id"] or 0, ""),
        resolved.person if resolved else "", resolved.at if resolved else None,
        r["due_on"],
        texts.CONSOLE_DEADLINE_STATE.get(state, "") if state else "",
        sum(s.action == "approve-extension" for s in steps),
        sum(s.action == "return" for s in steps),
        r["redo_count"],
        texts.RATINGS.get(rating, "") if rating is not None else "",
        "\n".join(s.line for s in steps),
    ]  # fmt: skip

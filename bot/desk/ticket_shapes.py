"""What staff send and get about tickets: the query of the queue, each action's body,
and the ticket as shown, declared once for the API (its document too) and the console."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import Field, RootModel

from bot.desk.fields import (
    BEFORE,
    DIGITS,
    ID_MAX,
    PAGE_LIMIT,
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
from bot.desk.follow_up_shapes import FollowUpShown
from bot.desk.supervision_shapes import OrderSummary
from conversations import texts
from storage import tickets
from storage.models import Grid, Staff, Township, Unit, Village

NOTE_MAX = 500
MAX_EXTENSION_DAYS = 60
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


# What each action reads from its body.
BODIES: dict[str, type[Shape]] = {
    "accept": Accept,
    "reject": Reject,
    "assign": Assign,
    "return": Return,
    "request-extension": RequestExtension,
    "approve-extension": ApproveExtension,
    "reply": Reply,
    "resolve": Resolve,
    "reopen": Reopen,
}


# Reading --------------------------------------------------------------------------------

_STATUS = "|".join(("open", *tickets.STATUSES))
_CHOICES = Why(texts.STAFF_WHY_CHOICES.format(choices="、".join(("open", *tickets.STATUSES))))
# A search phrase: longer than anyone types, shorter than a page.
SEARCH_MAX = 100
_DATE = Why(texts.STAFF_WHY_DATE)
TrueOrFalse = Annotated[Literal["true", "false"] | None, Why(texts.STAFF_WHY_BOOL)]


class TicketFilter(QueryShape):
    """Which tickets: the queue's filters, shared by its pages and its exports."""

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
    due_soon: Annotated[
        TrueOrFalse,
        Field(description="Open and due within a working day or a fifth of its time limit (预警)"),
    ] = None
    extension: Annotated[
        TrueOrFalse, Field(description="An extension (延期) waiting for approval")
    ] = None
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


class TicketQuery(TicketFilter):
    """A page of the queue: its filters, and where the page starts."""

    limit: PAGE_LIMIT = None
    before: BEFORE = None
    after: Annotated[
        Annotated[int, Field(ge=0, le=ID_MAX), DIGITS] | None,
        Field(description="Only tickets newer than this one (a page's `newest`): what came since"),
        Why(texts.STAFF_WHY_WHOLE),
    ] = None


NUMBER = Field(pattern=r"^[0-9]{8}-[0-9]{4}$", description="受理编号, e.g. 20261127-0042")


class TicketRef(QueryShape):
    number: Annotated[str, NUMBER]


class FileRef(QueryShape):
    number: Annotated[str, NUMBER]
    file: Annotated[int, Field(ge=1, le=ID_MAX), DIGITS]


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
    deadline: Literal["normal", "due_soon", "overdue"] | None = Field(
        description="While open: 正常, 预警 (due soon) or 超期"
    )
    flagged: bool = Field(description="For the supervisor (重办)")
    urgent: bool
    grid: str | None
    contact: Contact


class TicketList(Answer):
    """A page of tickets, newest first."""

    tickets: list[TicketSummary]
    next: str | None = Field(description="Pass as before= for the next page")
    newest: str | None = Field(description="Pass as after= to ask what came since")


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
    """The ticket with its timeline, attachments, rating, 督办单 and 回访."""

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
    orders: list[OrderSummary] = Field(description="Its 督办单, oldest first")
    follow_ups: list[FollowUpShown] = Field(description="Its 回访, oldest first")


class TicketGone(Answer):
    """Done, and the ticket is out of the caller's reach now (a handler who returned it)."""

    number: str
    status: str


class Acted(RootModel[Ticket | TicketGone]):
    """The ticket as it is now."""

"""What staff send and get about 督办单 (supervision orders): the order's body, the list's
query, the answer and the close, and the order as shown; declared once for the API (its
document too) and the console."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field

from bot.desk.fields import (
    BEFORE,
    DIGITS,
    ID_MAX,
    PAGE_LIMIT,
    STRIP,
    STRIP_MAYBE,
    Answer,
    Day,
    QueryShape,
    Shape,
    Why,
    maybe_words,
    words,
)
from conversations import texts
from storage import supervision
from storage.clock import BEIJING
from storage.models import SupervisionOrder

# As long as a ticket step's reason (bot.desk.ticket_shapes.NOTE_MAX).
WORDS_MAX = 500
_STATES = Why(texts.STAFF_WHY_CHOICES.format(choices="、".join(supervision.STATES)))


class Supervise(Shape):
    reason: Annotated[str, words(WORDS_MAX), STRIP, Field(description="Why: what the unit must do")]
    answer_by: Annotated[
        Day | None,
        Field(
            description="The day by which the unit answers (反馈), today or later; "
            "[supervision] answer_days working days from today if not given"
        ),
        Why(texts.STAFF_WHY_DATE),
    ] = None


class OrderAnswer(Shape):
    answer: Annotated[str, words(WORDS_MAX), STRIP, Field(description="What the unit did (反馈)")]


class OrderClose(Shape):
    note: Annotated[str | None, maybe_words(WORDS_MAX), STRIP_MAYBE] = None


class OrderQuery(QueryShape):
    state: Annotated[
        Literal[supervision.STATES] | None,  # type: ignore[valid-type]
        Field(description="open 待反馈, answered 已反馈, closed 已销号"),
        _STATES,
    ] = None
    limit: PAGE_LIMIT = None
    before: BEFORE = None


class OrderRef(QueryShape):
    id: Annotated[int, Field(ge=1, le=ID_MAX), DIGITS]


class OrderSummary(Answer):
    """A 督办单 in a list."""

    id: int
    number: str = Field(description="The ticket's 受理编号")
    title: str = Field(description="The ticket's title")
    township: str
    unit: str = Field(description="The unit it went to (a township's 便民服务中心 when none)")
    state: str = Field(description="open 待反馈, answered 已反馈, closed 已销号")
    state_name: str
    reason: str
    answer_by: date
    overdue: bool = Field(description="Open and past its answer_by")
    automatic: bool = Field(description="Issued by the clock, the ticket days overdue")
    issued_by: str = Field(description="Who issued it (系统 when automatic)")
    issued_at: datetime


class Order(OrderSummary):
    """A 督办单 with the unit's answer and its 销号."""

    answer: str | None
    answered_by: str | None
    answered_at: datetime | None
    closed_by: str | None
    closed_at: datetime | None
    close_note: str | None


class OrderList(Answer):
    """A page of 督办单, newest first."""

    orders: list[OrderSummary]
    next: str | None = Field(description="Pass as before= for the next page")


def _at(value: datetime | None) -> datetime | None:
    return value.astimezone(BEIJING) if value else None


def order_summary(o: SupervisionOrder, today: date) -> OrderSummary:
    """An order as a list shows it; its ticket, township, unit and issuer fetched with it."""
    return OrderSummary(
        id=o.id,
        number=o.ticket.number,
        title=o.ticket.title,
        township=o.township.name,
        unit=o.unit.name if o.unit else texts.DETAIL_TOWNSHIP_DESK.format(township=o.township.name),
        state=o.state,
        state_name=texts.SUPERVISION_STATES.get(o.state, o.state),
        reason=o.reason,
        answer_by=o.answer_by,
        overdue=o.state == supervision.OPEN and o.answer_by < today,
        automatic=o.automatic,
        issued_by=o.issued_by.username if o.issued_by else texts.TICKET_ACTORS["system"],
        issued_at=_at(o.issued_at) or o.issued_at,
    )


def order_shown(o: SupervisionOrder, today: date) -> Order:
    """The whole order; also its answerer and closer fetched with it."""
    return Order(
        **dict(order_summary(o, today)),
        answer=o.answer,
        answered_by=o.answered_by.username if o.answered_by else None,
        answered_at=_at(o.answered_at),
        closed_by=o.closed_by.username if o.closed_by else None,
        closed_at=_at(o.closed_at),
        close_note=o.close_note,
    )

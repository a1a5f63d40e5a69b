"""查进度 and 评价: the person's own requests, newest first; one by its 受理编号 in plain
words (where it stands, who has it, by when, the latest reply); withdrawing one not yet
accepted; rating one that is done (不满意 or worse sends it back for 重办)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from conversations import answers, texts
from conversations.flow import (
    Choice,
    Finish,
    Flow,
    Invalid,
    Next,
    Outcome,
    Question,
    Step,
    StepContext,
    invalid_choice,
    pick,
)
from conversations.flows.ids import FlowId
from storage.models import Ticket
from storage.tickets import (
    ACCEPTED,
    IN_PROGRESS,
    OPEN,
    REDO_AT_OR_BELOW,
    RESOLVED,
    SUBMITTED,
    Actor,
    Change,
    TicketConflict,
)
from wechat.messages import Inbound


class Steps(StrEnum):
    LIST = "list"
    DETAIL = "detail"
    WITHDRAW = "withdraw"
    RATE_PICK = "rate_pick"
    RATE = "rate"
    COMMENT = "comment"


LISTED = 5
TRIM = 100

_WITHDRAW = tuple(Choice(k, v) for k, v in texts.WITHDRAW_CHOICES.items())
_RATINGS = tuple(Choice(str(k), v) for k, v in texts.RATINGS.items())


async def _resident_id(ctx: StepContext) -> int:
    person = await ctx.services.residents.profile(ctx.appid, ctx.openid)
    return int(person.resident_id)


async def _own(ctx: StepContext, number: str) -> Ticket | None:
    ticket: Ticket | None = await ctx.services.tickets.own(await _resident_id(ctx), number)
    return ticket


# The list ------------------------------------------------------------------------------


async def _mine(ctx: StepContext) -> list[Ticket]:
    rows: list[Ticket] = await ctx.services.tickets.of_resident(await _resident_id(ctx), LISTED)
    return rows


def _listed(rows: list[Ticket]) -> tuple[Choice, ...]:
    return tuple(Choice(t.number, ticket_line(t)) for t in rows)


def ticket_line(t: Ticket) -> str:
    """One ticket in a list: its number, what it is, where it stands."""
    return texts.PROGRESS_LINE.format(
        number=t.number, title=t.title, status=texts.TICKET_STATUS.get(t.status, t.status)
    )


async def _ask_list(ctx: StepContext) -> Question:
    rows = await _mine(ctx)
    if not rows:
        return Question(texts.PROGRESS_NONE)
    choices = _listed(rows)
    return Question(texts.PROGRESS_TITLE, choices, hint=texts.PROGRESS_HINT)


async def _list(ctx: StepContext, msg: Inbound) -> Outcome:
    said = msg.text or ""
    number = answers.number_in(said)
    if number is None:
        rows = await _mine(ctx)
        if not rows:  # Invalid, so a menu item named here ("办事") still goes there
            return Invalid(texts.NOT_UNDERSTOOD)
        choice = pick(said, _listed(rows))
        if choice is None:
            return invalid_choice(len(rows))
        number = choice.key
    # Someone else's number gets the same answer as a number that does not exist.
    if await _own(ctx, number) is None:
        return Invalid(texts.PROGRESS_NOT_FOUND)
    return Next(Steps.DETAIL, {"number": number})


# One ticket ------------------------------------------------------------------------------


def _due(day: date | None) -> str:
    return texts.TICKET_DUE.format(month=day.month, day=day.day) if day else ""


def _trimmed(words: str) -> str:
    """Staff may write at length; the detail must fit one screen, and the whole text
    reached the person as a push already."""
    return words if len(words) <= TRIM else words[:TRIM] + texts.DETAIL_MORE


def detail_text(t: Ticket, township: str, today: date) -> str:
    lines = [
        texts.DETAIL_HEAD.format(
            number=t.number,
            title=t.title,
            status=texts.TICKET_STATUS.get(t.status, t.status),
            created=texts.DAY_SHORT.format(month=t.created_at.month, day=t.created_at.day),
        )
    ]
    if t.status in (ACCEPTED, IN_PROGRESS):
        holder = t.unit.name if t.unit else texts.DETAIL_TOWNSHIP_DESK.format(township=township)
        lines.append(texts.DETAIL_HOLDER.format(holder=holder))
    if t.status in OPEN and t.due_on:
        late = texts.DETAIL_LATE if t.due_on < today else ""
        lines.append(texts.DETAIL_DUE.format(due=_due(t.due_on), late=late))
    if t.status == SUBMITTED:
        lines.append(texts.DETAIL_WAITING)
    if t.last_reply and t.status in OPEN:
        lines.append(texts.DETAIL_REPLY.format(reply=_trimmed(t.last_reply)))
    if t.result and t.status not in OPEN:
        lines.append(texts.DETAIL_RESULT.format(result=_trimmed(t.result)))
    if t.rating:
        lines.append(texts.DETAIL_RATED.format(rating=texts.RATINGS.get(t.rating, "")))
    return "\n".join(lines)


def _detail_choices(t: Ticket) -> tuple[Choice, ...]:
    keys = ["list"]
    if t.status == SUBMITTED:
        keys.insert(0, "withdraw")
    if t.status == RESOLVED:
        keys.insert(0, "rate")
    return tuple(Choice(k, texts.DETAIL_CHOICES[k]) for k in keys)


async def _ticket(ctx: StepContext) -> Ticket:
    ticket = await _own(ctx, str(ctx.data["number"]))
    assert ticket is not None  # their own ticket: tickets are never deleted
    return ticket


async def _ask_detail(ctx: StepContext) -> Question:
    t = await _ticket(ctx)
    await t.fetch_related("township")
    today = ctx.services.clock().date()
    return Question(detail_text(t, t.township.name, today), _detail_choices(t))


async def _detail(ctx: StepContext, msg: Inbound) -> Outcome:
    t = await _ticket(ctx)
    number = answers.number_in(msg.text or "")
    if number is not None and number != t.number:  # another number straight away
        if await _own(ctx, number) is None:
            return Invalid(texts.PROGRESS_NOT_FOUND)
        return Next(Steps.DETAIL, {"number": number})
    choices = _detail_choices(t)
    choice = pick(msg.text or "", choices)
    if choice is None:
        return invalid_choice(len(choices))
    if choice.key == "withdraw":
        return Next(Steps.WITHDRAW)
    if choice.key == "rate":
        return Next(Steps.RATE)
    return Next(Steps.LIST)


async def _ask_withdraw(ctx: StepContext) -> Question:
    t = await _ticket(ctx)
    return Question(texts.WITHDRAW_ASK.format(number=t.number, title=t.title), _WITHDRAW)


async def _act(ctx: StepContext, change: Change) -> Ticket | None:
    services = ctx.services
    try:
        done = await services.tickets.act(
            str(ctx.data["number"]),
            change,
            Actor("resident"),
            now=services.clock(),
            calendar=services.calendar,
            message=services.ticket_message,
        )
    except TicketConflict:
        return None
    return done[0] if done else None


async def _withdraw(ctx: StepContext, msg: Inbound) -> Outcome:
    choice = pick(msg.text or "", _WITHDRAW)
    if choice is None:
        return invalid_choice(len(_WITHDRAW))
    if choice.key == "no":
        return Next(Steps.DETAIL)
    t = await _act(ctx, Change("withdraw", texts.WITHDRAW_NOTE))
    if t is None:  # accepted in the meantime
        return Next(Steps.DETAIL, note=texts.WITHDRAW_TOO_LATE.format(hotline=_hotline(ctx)))
    return Finish(texts.WITHDRAWN.format(number=t.number))


def _hotline(ctx: StepContext) -> str:
    return ctx.services.account.hotline


# Rating ----------------------------------------------------------------------------------


async def _to_rate(ctx: StepContext) -> list[Ticket]:
    rows = await _mine(ctx)
    return [t for t in rows if t.status == RESOLVED]


async def _ask_rate_pick(ctx: StepContext) -> Question:
    rows = await _to_rate(ctx)
    if not rows:
        return Question(texts.RATE_NONE + texts.RATE_NONE_HINT)
    return Question(texts.RATE_WHICH, _listed(rows))


async def _rate_pick(ctx: StepContext, msg: Inbound) -> Outcome:
    rows = await _to_rate(ctx)
    if not rows:  # Invalid, so a menu item named here ("办事") still goes there
        return Invalid(texts.NOT_UNDERSTOOD)
    choice = pick(msg.text or "", _listed(rows))
    if choice is None:
        return invalid_choice(len(rows))
    return Next(Steps.RATE, {"number": choice.key})


async def _ask_rate(ctx: StepContext) -> Question:
    t = await _ticket(ctx)
    return Question(texts.RATE_ASK.format(number=t.number, title=t.title), _RATINGS)


async def _rate(ctx: StepContext, msg: Inbound) -> Outcome:
    t = await _ticket(ctx)
    if t.status != RESOLVED:
        return Finish(texts.RATE_ALREADY)
    choice = pick(msg.text or "", _RATINGS)
    if choice is None:
        return invalid_choice(len(_RATINGS))
    return Next(Steps.COMMENT, {"rating": int(choice.key)})


async def _ask_comment(ctx: StepContext) -> Question:
    rating = int(ctx.data["rating"])
    words = texts.RATE_COMMENT_REDO if rating <= REDO_AT_OR_BELOW else texts.RATE_COMMENT
    return Question(words.format(rating=texts.RATINGS[rating]))


async def _comment(ctx: StepContext, msg: Inbound) -> Outcome:
    said = (msg.text or "").strip()
    if answers.is_one_of(said, texts.RESERVED_WORDS):
        return Invalid(texts.NOT_UNDERSTOOD)  # a menu item: the engine goes there
    if answers.is_one_of(said, texts.WORDS_SKIP):
        said = ""
    elif len(said) > answers.TEXT_MAX:
        return Invalid(texts.TEXT_TOO_LONG.format(limit=answers.TEXT_MAX))
    rating = int(ctx.data["rating"])
    t = await _act(ctx, Change("rate", said, rating=rating))
    if t is None:
        return Finish(texts.RATE_ALREADY)
    return Finish(texts.RATE_REDO if t.status != "closed" else texts.RATE_THANKS)


FLOW = Flow(
    id=FlowId.PROGRESS,
    version=1,
    steps=[
        Step(Steps.LIST, _ask_list, _list),
        Step(Steps.DETAIL, _ask_detail, _detail),
        Step(Steps.WITHDRAW, _ask_withdraw, _withdraw),
        Step(Steps.RATE_PICK, _ask_rate_pick, _rate_pick),
        Step(Steps.RATE, _ask_rate, _rate),
        Step(Steps.COMMENT, _ask_comment, _comment),
    ],
)

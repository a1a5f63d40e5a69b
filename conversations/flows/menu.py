"""The main menu: where everyone starts and where 菜单 brings them back. Its items are
chosen by number or name; anything else said is read for what it means
(conversations.intents) and led there (conversations.flows.route); when two meanings
fit, one numbered question asks which."""

from __future__ import annotations

from datetime import timedelta
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
    StartFlow,
    Step,
    StepContext,
    invalid_choice,
    pick,
    pick_exact,
)
from conversations.flows import progress, route
from conversations.flows.ids import FlowId
from conversations.intents import Intent, Meaning
from wechat.messages import Inbound, Kind


class Steps(StrEnum):
    CHOOSE = "choose"
    EITHER = "either"


CHOICES = tuple(Choice(key, label) for key, label in texts.MENU_ITEMS.items())

RATE = "rate"  # not on the menu: said after a "请回复评价" push
# A 确认 this long after a ticket was made is a second press, not a new request.
DOUBLE_PRESS = timedelta(minutes=10)

# Custom-menu CLICK keys (settings.toml [menu]) and the choice each one means.
CLICK_KEYS = {
    "MENU_SERVICE": "service",
    "MENU_FEEDBACK": "feedback",
    "MENU_PROGRESS": "progress",
    "MENU_NOTICES": "notices",
    "MENU_MINE": "mine",
}


def question() -> Question:
    return Question(texts.MENU_TITLE, CHOICES, hint=texts.MENU_FOOTER)


def render(preface: str | None = None) -> str:
    parts = [preface] if preface else []
    parts.append(question().render())
    return "\n".join(parts)


async def _ask(ctx: StepContext) -> Question:
    return question()


def choose(key: str) -> Outcome:
    """What choosing a main-menu item does: each item is the flow of the same id."""
    if key == RATE:
        return StartFlow(FlowId.PROGRESS, step=progress.Steps.RATE_PICK)
    return StartFlow(FlowId(key))


async def _handle(ctx: StepContext, msg: Inbound) -> Outcome:
    if answers.is_one_of(msg.text, (*texts.SUBMIT_CHOICES.values(), *texts.WORDS_SUBMIT)):
        # A second 确认 after the first made the ticket (the session has moved on).
        person = await ctx.services.residents.profile(ctx.appid, ctx.openid)
        since = ctx.services.clock() - DOUBLE_PRESS
        made = await ctx.services.tickets.latest_since(person.resident_id, since)
        if made is not None:
            return Finish(texts.ALREADY_SUBMITTED.format(number=made.number))
    if answers.is_one_of(msg.text, texts.CMD_RATE):
        person = await ctx.services.residents.profile(ctx.appid, ctx.openid)
        waiting = await ctx.services.tickets.waiting_for_rating(person.resident_id)
        if not waiting:
            return Finish(texts.RATE_NONE)
        if len(waiting) == 1:  # straight to the one ticket waiting
            return StartFlow(FlowId.PROGRESS, step=progress.Steps.RATE, data={"number": waiting[0]})
        return choose(RATE)
    # An item by its number or its very name; other words are read for what they mean
    # ("我的事办得咋样了" is 查进度, not 我的).
    choice = pick_exact(msg.text or "", CHOICES)
    if choice is not None:
        return choose(choice.key)
    items = await ctx.services.catalog.active_items()
    meaning = ctx.services.reader.read(msg.text or "", items)
    if meaning.intent is Intent.EITHER:
        options = [o.to_data() for o in meaning.options]
        return Next(Steps.EITHER, {"options": options, "named": meaning.named})
    if meaning.intent is Intent.UNKNOWN:
        choice = pick(msg.text or "", CHOICES)  # "我要办事": an item's name inside
        return choose(choice.key) if choice else invalid_choice(len(CHOICES))
    return await route.lead(ctx, msg, meaning)


def _options(ctx: StepContext) -> tuple[Meaning, tuple[Choice, ...]]:
    options = tuple(Meaning.from_data(o) for o in ctx.data["options"])
    asked = Meaning(Intent.EITHER, named=str(ctx.data["named"]), options=options)
    return asked, route.either(asked)


async def _ask_either(ctx: StepContext) -> Question:
    return Question(texts.EITHER_ASK, _options(ctx)[1])


async def _either(ctx: StepContext, msg: Inbound) -> Outcome:
    asked, choices = _options(ctx)
    choice = pick(msg.text or "", choices)
    if choice is None:  # something else said instead: read as said at the menu
        instead = await _handle(ctx, msg)
        return invalid_choice(len(choices)) if isinstance(instead, Invalid) else instead
    return await route.lead(ctx, msg, asked.options[int(choice.key)])


FLOW = Flow(
    id=FlowId.MENU,
    version=2,
    steps=[
        Step(Steps.CHOOSE, _ask, _handle, frozenset({Kind.TEXT})),
        Step(Steps.EITHER, _ask_either, _either, frozenset({Kind.TEXT})),
    ],
)

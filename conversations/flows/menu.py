"""The main menu: where everyone starts and where 菜单 brings them back."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from conversations import answers, finder, texts
from conversations.flow import (
    Choice,
    Finish,
    Flow,
    Outcome,
    Question,
    StartFlow,
    Step,
    StepContext,
    invalid_choice,
    pick,
)
from conversations.flows import progress, service
from conversations.flows.ids import FlowId
from wechat.messages import Inbound, Kind


class Steps(StrEnum):
    CHOOSE = "choose"


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
    choice = pick(msg.text or "", CHOICES)
    if choice is not None:
        return choose(choice.key)
    # "我想办低保" said at the menu: straight to the service it names.
    hits = finder.find(msg.text or "", await ctx.services.catalog.active_items())
    if len(hits) == 1:
        return StartFlow(
            FlowId.SERVICE, step=service.Steps.GUIDE, data={"item_id": hits[0].id, "page": 0}
        )
    if hits:
        return StartFlow(
            FlowId.SERVICE, step=service.Steps.PICK, data={"hits": [i.id for i in hits]}
        )
    return invalid_choice(len(CHOICES))


FLOW = Flow(
    id=FlowId.MENU,
    version=1,
    steps=[Step(Steps.CHOOSE, _ask, _handle, frozenset({Kind.TEXT}))],
)

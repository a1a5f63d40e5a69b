"""The resident menu, for a grid worker who wants it: the main menu's items, chosen by
number or name (the main menu's catalog search stays with residents)."""

from __future__ import annotations

from enum import StrEnum

from conversations.flow import (
    Flow,
    Outcome,
    Question,
    Step,
    StepContext,
    invalid_choice,
    pick,
)
from conversations.flows import menu
from conversations.flows.ids import FlowId
from wechat.messages import Inbound


class Steps(StrEnum):
    CHOOSE = "choose"


async def _ask(ctx: StepContext) -> Question:
    return menu.question()


async def _choose(ctx: StepContext, msg: Inbound) -> Outcome:
    choice = pick(msg.text or "", menu.CHOICES)
    if choice is None:
        return invalid_choice(len(menu.CHOICES))
    return menu.choose(choice.key)


FLOW = Flow(id=FlowId.RESIDENT_MENU, version=1, steps=[Step(Steps.CHOOSE, _ask, _choose)])

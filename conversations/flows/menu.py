"""The main menu: where everyone starts and where 菜单 brings them back."""

from __future__ import annotations

from conversations import texts
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
from conversations.messages import Inbound, Kind

FLOW_ID = "menu"

CHOICES = tuple(Choice(key, label) for key, label in texts.MENU_ITEMS.items())

# Which choices already lead somewhere; the rest say plainly that they are coming.
BUILT = {"mine": "mine", "notices": "notices"}

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


def choose(key: str, services_hotline: str) -> Outcome:
    """What choosing a main-menu item does."""
    if key in BUILT:
        return StartFlow(BUILT[key])
    label = texts.MENU_ITEMS[key]
    return Finish(texts.NOT_BUILT_YET.format(label=label, hotline=services_hotline))


async def _handle(ctx: StepContext, msg: Inbound) -> Outcome:
    choice = pick(msg.text or "", CHOICES)
    if choice is None:
        return invalid_choice(len(CHOICES))
    return choose(choice.key, ctx.services.account.hotline)


FLOW = Flow(
    id=FLOW_ID,
    version=1,
    steps=[Step("choose", _ask, _handle, frozenset({Kind.TEXT}))],
)

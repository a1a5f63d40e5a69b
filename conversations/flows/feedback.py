"""反映问题: a complaint, a suggestion (人民建议) or a call for help (求助, 上门服务 for the
elderly and disabled) — what kind, which category, in the person's own words or voice,
then the shared steps (register, add photos or location, confirm)."""

from __future__ import annotations

from enum import StrEnum

from conversations import texts
from conversations.flow import (
    Choice,
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
from conversations.flows import apply
from conversations.flows.ids import FlowId
from wechat.messages import Inbound, VoiceMessage


class Steps(StrEnum):
    KIND = "kind"
    CATEGORY = "category"
    CONTENT = "content"


_KINDS = tuple(Choice(k, v) for k, v in texts.FEEDBACK_KINDS.items())


async def _ask_kind(ctx: StepContext) -> Question:
    return Question(texts.FEEDBACK_ASK_KIND, _KINDS)


async def _kind(ctx: StepContext, msg: Inbound) -> Outcome:
    choice = pick(msg.text or "", _KINDS)
    if choice is None:
        return invalid_choice(len(_KINDS))
    return Next(Steps.CATEGORY, {"choice": choice.key})


def _categories(ctx: StepContext) -> tuple[Choice, ...]:
    names = texts.FEEDBACK_CATEGORIES[str(ctx.data["choice"])]
    return tuple(Choice(n, n) for n in names)


async def _ask_category(ctx: StepContext) -> Question:
    return Question(texts.FEEDBACK_ASK_CATEGORY, _categories(ctx))


async def _category(ctx: StepContext, msg: Inbound) -> Outcome:
    choices = _categories(ctx)
    choice = pick(msg.text or "", choices)
    if choice is None:
        return invalid_choice(len(choices))
    return Next(Steps.CONTENT, {"category": choice.key})


async def _ask_content(ctx: StepContext) -> Question:
    return Question(texts.FEEDBACK_ASK_CONTENT)


async def _content(ctx: StepContext, msg: Inbound) -> Outcome:
    said = (msg.text or "").strip()
    if len(said) < apply.CONTENT_MIN:
        return Invalid(texts.FEEDBACK_CONTENT_SHORT)
    if len(said) > apply.TEXT_MAX:
        return Invalid(texts.TEXT_TOO_LONG.format(limit=apply.TEXT_MAX))
    chosen = str(ctx.data["choice"])
    # 上门服务 is a call for help the township answers at the person's door.
    kind = "help" if chosen == "home" else chosen
    files = []
    if isinstance(msg, VoiceMessage):  # keep the voice itself too: staff may listen
        files.append({"kind": "voice", "media_id": msg.media_id, "text": said})
    category = str(ctx.data["category"])
    label = texts.FEEDBACK_KINDS[chosen]
    return await apply.begin(
        ctx,
        {
            "kind": kind,
            "title": f"{label}：{category}",
            "category": category,
            "days": ctx.services.feedback_days[kind],
            "content": said,
            "files": files,
            "home_visit": chosen == "home",
            "after": apply.Steps.CONFIRM,
            "restart": Steps.CONTENT,
        },
    )


FLOW = Flow(
    id=FlowId.FEEDBACK,
    version=1,
    steps=[
        Step(Steps.KIND, _ask_kind, _kind),
        Step(Steps.CATEGORY, _ask_category, _category),
        Step(Steps.CONTENT, _ask_content, _content),
        *apply.steps(),
    ],
    hold=True,
    help=texts.FEEDBACK_HELP,
)

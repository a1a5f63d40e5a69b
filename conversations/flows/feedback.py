"""反映问题: a complaint, a suggestion (人民建议) or a call for help (求助, 上门服务 for the
elderly and disabled) — what kind, which category, in the person's own words or voice,
then the shared steps (register, add photos or location, confirm).

A problem told in one breath ("村里路灯坏了好几天了", conversations.intents) starts here
with its words kept: only the kind guessed from them is confirmed (``told``)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from conversations import answers, texts
from conversations.flow import (
    Choice,
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
)
from conversations.flows import apply
from conversations.flows.ids import FlowId
from wechat.messages import Inbound, VoiceMessage


class Steps(StrEnum):
    KIND = "kind"
    CATEGORY = "category"
    CONTENT = "content"
    GUESS = "guess"


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
    if len(said) > answers.TEXT_MAX:
        return Invalid(texts.TEXT_TOO_LONG.format(limit=answers.TEXT_MAX))
    return await _request(ctx, str(ctx.data["choice"]), str(ctx.data["category"]), said, msg)


def voice_of(msg: Inbound, said: str) -> list[dict[str, Any]]:
    """A voice note kept beside its words: staff may listen."""
    if isinstance(msg, VoiceMessage):
        return [{"kind": "voice", "media_id": msg.media_id, "text": said}]
    return []


async def _request(
    ctx: StepContext, chosen: str, category: str, said: str, msg: Inbound | None
) -> Outcome:
    # 上门服务 is a call for help the township answers at the person's door.
    kind = "help" if chosen == "home" else chosen
    files = voice_of(msg, said) if msg is not None else list(ctx.data.get("files", []))
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


# A problem told in one breath ---------------------------------------------------------


async def told(
    ctx: StepContext, words: str, kind: str, category: str, guessed: bool, msg: Inbound
) -> Outcome:
    """Start 反映问题 with the person's words already its content: the kind asked only when
    it was guessed, then what registering still needs, then the summary to confirm (where
    a photo or a place may be added)."""
    if len(words) > answers.TEXT_MAX:  # too long to keep whole: asked for shorter
        note = texts.TEXT_TOO_LONG.format(limit=answers.TEXT_MAX)
        asked = {"choice": kind, "category": category}
        return StartFlow(FlowId.FEEDBACK, step=Steps.CONTENT, data=asked, note=note)
    data = {"content": words, "guess": kind, "category": category, "files": voice_of(msg, words)}
    if guessed:
        return StartFlow(FlowId.FEEDBACK, step=Steps.GUESS, data=data)
    here = StepContext(ctx.appid, ctx.openid, data, ctx.services, ctx.flow)
    begun = await _request(here, kind, category, words, None)
    assert isinstance(begun, Next)  # apply.begin always moves on
    return StartFlow(FlowId.FEEDBACK, step=begun.step, data=begun.data, note=begun.note)


def _guesses(ctx: StepContext) -> tuple[Choice, ...]:
    guess = str(ctx.data["guess"])
    names = texts.FEEDBACK_KIND_NAMES
    right = Choice(guess, texts.FEEDBACK_STORY_YES.format(kind=names[guess]), texts.WORDS_RIGHT)
    others = (
        Choice(k, texts.FEEDBACK_STORY_OTHER.format(kind=name), (name,))
        for k, name in names.items()
        if k != guess
    )
    return (right, *others)


async def _ask_guess(ctx: StepContext) -> Question:
    names = texts.FEEDBACK_KIND_NAMES
    content = str(ctx.data["content"])
    shown = content if len(content) <= 60 else content[:60] + "…"
    text = texts.FEEDBACK_STORY_ASK.format(content=shown, kind=names[str(ctx.data["guess"])])
    return Question(text, _guesses(ctx))


async def _guess(ctx: StepContext, msg: Inbound) -> Outcome:
    choice = pick(msg.text or "", _guesses(ctx))
    if choice is None:
        return invalid_choice(len(_guesses(ctx)))
    content = str(ctx.data["content"])
    category = str(ctx.data["category"])
    if choice.key != ctx.data["guess"]:
        reader = ctx.services.reader
        category = reader.category(choice.key, reader.plain(content))
    return await _request(ctx, choice.key, category, content, None)


FLOW = Flow(
    id=FlowId.FEEDBACK,
    version=2,
    steps=[
        Step(Steps.KIND, _ask_kind, _kind),
        Step(Steps.CATEGORY, _ask_category, _category),
        Step(Steps.CONTENT, _ask_content, _content),
        Step(Steps.GUESS, _ask_guess, _guess),
        *apply.steps(),
    ],
    hold=True,
    help=texts.FEEDBACK_HELP,
)

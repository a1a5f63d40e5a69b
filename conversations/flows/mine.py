"""我的: what the account keeps about the person, and setting where they live."""

from __future__ import annotations

from conversations import texts
from conversations.flow import (
    Choice,
    Finish,
    Flow,
    Next,
    Outcome,
    Question,
    Step,
    StepContext,
    invalid_choice,
    pick,
)
from conversations.messages import Inbound

FLOW_ID = "mine"

_MINE = tuple(Choice(k, v) for k, v in texts.MINE_CHOICES.items())
_CONSENT = tuple(
    Choice(k, v, aliases=("好", "可以")) if k == "yes" else Choice(k, v)
    for k, v in texts.CONSENT_CHOICES.items()
)
_CONFIRM = tuple(
    Choice(k, v, aliases=("对", "是的", "没错")) if k == "yes" else Choice(k, v)
    for k, v in texts.CONFIRM_CHOICES.items()
)


async def _ask_overview(ctx: StepContext) -> Question:
    place = await ctx.services.residents.village_of(ctx.appid, ctx.openid)
    village = "".join(place) if place else texts.MINE_NO_VILLAGE
    return Question(texts.MINE_SUMMARY.format(village=village), _MINE)


async def _overview(ctx: StepContext, msg: Inbound) -> Outcome:
    if pick(msg.text or "", _MINE) is None:
        return invalid_choice(len(_MINE))
    # Someone who already told us where they live has agreed to the notice before.
    if await ctx.services.residents.village_of(ctx.appid, ctx.openid):
        return Next("township")
    return Next("consent")


async def _ask_consent(ctx: StepContext) -> Question:
    return Question(texts.CONSENT, _CONSENT)


async def _consent(ctx: StepContext, msg: Inbound) -> Outcome:
    choice = pick(msg.text or "", _CONSENT)
    if choice is None:
        return invalid_choice(len(_CONSENT))
    if choice.key == "no":
        return Finish(texts.CONSENT_REFUSED)
    return Next("township")


async def _townships(ctx: StepContext) -> tuple[Choice, ...]:
    places = await ctx.services.residents.townships()
    return tuple(Choice(str(p.id), p.name) for p in places)


async def _ask_township(ctx: StepContext) -> Question:
    return Question(texts.ASK_TOWNSHIP, await _townships(ctx))


async def _township(ctx: StepContext, msg: Inbound) -> Outcome:
    choices = await _townships(ctx)
    choice = pick(msg.text or "", choices)
    if choice is None:
        return invalid_choice(len(choices))
    return Next("village", {"township_id": int(choice.key), "township": choice.label})


async def _villages(ctx: StepContext) -> tuple[Choice, ...]:
    places = await ctx.services.residents.villages(int(ctx.data["township_id"]))
    return tuple(Choice(str(p.id), p.name) for p in places)


async def _ask_village(ctx: StepContext) -> Question:
    text = texts.ASK_VILLAGE.format(township=ctx.data["township"])
    return Question(text, await _villages(ctx))


async def _village(ctx: StepContext, msg: Inbound) -> Outcome:
    choices = await _villages(ctx)
    choice = pick(msg.text or "", choices)
    if choice is None:
        return invalid_choice(len(choices))
    return Next("confirm", {"village_id": int(choice.key), "village": choice.label})


async def _ask_confirm(ctx: StepContext) -> Question:
    text = texts.ASK_CONFIRM_VILLAGE.format(
        township=ctx.data["township"], village=ctx.data["village"]
    )
    return Question(text, _CONFIRM)


async def _confirm(ctx: StepContext, msg: Inbound) -> Outcome:
    choice = pick(msg.text or "", _CONFIRM)
    if choice is None:
        return invalid_choice(len(_CONFIRM))
    if choice.key == "no":
        return Next("township")
    names = await ctx.services.residents.place_names(int(ctx.data["village_id"]))
    if names is None:  # the village list changed under the conversation
        return Next("township", note=texts.NOT_UNDERSTOOD)
    await ctx.services.residents.set_village(ctx.appid, ctx.openid, int(ctx.data["village_id"]))
    return Finish(texts.VILLAGE_SAVED.format(township=names[0], village=names[1]))


FLOW = Flow(
    id=FLOW_ID,
    version=1,
    steps=[
        Step("overview", _ask_overview, _overview),
        Step("consent", _ask_consent, _consent),
        Step("township", _ask_township, _township),
        Step("village", _ask_village, _village),
        Step("confirm", _ask_confirm, _confirm),
    ],
)

"""我的: what the account keeps about the person — village, name, mobile number — to see,
change, or delete; nothing is stored before they agree to the personal-information notice."""

from __future__ import annotations

from enum import StrEnum

from conversations import texts
from conversations.answers import mask_phone
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
)
from conversations.flows import details
from conversations.flows.details import Steps as Details
from conversations.flows.ids import FlowId
from wechat.messages import Inbound


class Steps(StrEnum):
    OVERVIEW = "overview"
    CONFIRM = "confirm"
    DELETE = "delete"


_MINE = tuple(Choice(k, v) for k, v in texts.MINE_CHOICES.items())
_CONFIRM = tuple(
    Choice(k, v, aliases=texts.WORDS_YES) if k == "yes" else Choice(k, v)
    for k, v in texts.CONFIRM_CHOICES.items()
)
_DELETE = tuple(Choice(k, v) for k, v in texts.MINE_DELETE_CHOICES.items())


async def _ask_overview(ctx: StepContext) -> Question:
    person = await ctx.services.residents.profile(ctx.appid, ctx.openid)
    missing = texts.MINE_NO_VILLAGE
    village = f"{person.township}{person.village}" if person.village else missing
    text = texts.MINE_SUMMARY.format(
        village=village,
        name=person.name or missing,
        phone=mask_phone(person.phone) if person.phone else missing,
    )
    return Question(text, _MINE)


async def _overview(ctx: StepContext, msg: Inbound) -> Outcome:
    choice = pick(msg.text or "", _MINE)
    if choice is None:
        return invalid_choice(len(_MINE))
    return await _part(ctx, choice.key)


async def _part(ctx: StepContext, key: str) -> Next | Finish:
    """Where changing one part of 我的 (a key of texts.MINE_CHOICES) begins."""
    person = await ctx.services.residents.profile(ctx.appid, ctx.openid)
    if key == "delete":
        if not (person.consented or person.name or person.phone or person.village):
            return Finish(texts.MINE_NOTHING_TO_DELETE)
        return Next(Steps.DELETE)
    # what to ask after consent, if it has to be asked first
    step = Details.TOWNSHIP if key == "village" else Details(key)
    if person.consented:
        return Next(step, {"then": step})
    return Next(Details.CONSENT, {"then": step})


async def start_at(ctx: StepContext, key: str) -> Outcome:
    """我的, straight at changing one part ("我换手机号了"), from anywhere."""
    begun = await _part(ctx, key)
    if isinstance(begun, Finish):
        return begun
    return StartFlow(FlowId.MINE, step=begun.step, data=begun.data)


async def _consent(ctx: StepContext, msg: Inbound) -> Outcome:
    agreed = await details.consent(ctx, msg)
    if isinstance(agreed, Invalid):
        return agreed
    if not agreed:
        return Finish(texts.CONSENT_REFUSED)
    return Next(Details(str(ctx.data.get("then", Details.TOWNSHIP))))


async def _village(ctx: StepContext, msg: Inbound) -> Outcome:
    choice = await details.village(ctx, msg)
    if isinstance(choice, Invalid):
        return choice
    return Next(Steps.CONFIRM, {"village_id": int(choice.key), "village": choice.label})


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
        return Next(Details.TOWNSHIP)
    names = await ctx.services.residents.place_names(int(ctx.data["village_id"]))
    if names is None:  # the village list changed under the conversation
        return Next(Details.TOWNSHIP, note=texts.NOT_UNDERSTOOD)
    await ctx.services.residents.register(
        ctx.appid, ctx.openid, at=ctx.services.clock(), village_id=int(ctx.data["village_id"])
    )
    return Finish(texts.VILLAGE_SAVED.format(township=names[0], village=names[1]))


async def _name(ctx: StepContext, msg: Inbound) -> Outcome:
    given = await details.name(ctx, msg)
    if isinstance(given, Invalid):
        return given
    return Finish(texts.MINE_SAVED_NAME.format(name=given))


async def _phone(ctx: StepContext, msg: Inbound) -> Outcome:
    given = await details.phone(ctx, msg)
    if isinstance(given, Invalid):
        return given
    return Finish(texts.MINE_SAVED_PHONE.format(phone=mask_phone(given)))


async def _ask_delete(ctx: StepContext) -> Question:
    return Question(texts.MINE_DELETE_ASK, _DELETE)


async def _delete(ctx: StepContext, msg: Inbound) -> Outcome:
    choice = pick(msg.text or "", _DELETE)
    if choice is None:
        return invalid_choice(len(_DELETE))
    if choice.key == "no":
        return Next(Steps.OVERVIEW)
    await ctx.services.residents.forget(ctx.appid, ctx.openid)
    return Finish(texts.MINE_DELETED)


FLOW = Flow(
    id=FlowId.MINE,
    version=2,
    steps=[
        Step(Steps.OVERVIEW, _ask_overview, _overview),
        Step(Details.CONSENT, details.ask_consent, _consent),
        Step(Details.TOWNSHIP, details.ask_township, details.township),
        Step(Details.VILLAGE, details.ask_village, _village),
        Step(Steps.CONFIRM, _ask_confirm, _confirm),
        Step(Details.NAME, details.ask_name, _name),
        Step(Details.PHONE, details.ask_phone, _phone),
        Step(Steps.DELETE, _ask_delete, _delete),
    ],
)

"""Asking for a person's details: consent, township and village, name, mobile number.
The steps 我的 and every request (conversations.flows.apply) share; each flow decides
what comes after an answer."""

from __future__ import annotations

from enum import StrEnum

from conversations import answers, texts
from conversations.flow import (
    Choice,
    Invalid,
    Next,
    Outcome,
    Question,
    StepContext,
    invalid_choice,
    pick,
)
from wechat.messages import Inbound


class Steps(StrEnum):
    CONSENT = "consent"
    NAME = "name"
    PHONE = "phone"
    TOWNSHIP = "township"
    VILLAGE = "village"


CONSENT = tuple(
    Choice(k, v, aliases=texts.WORDS_AGREE) if k == "yes" else Choice(k, v)
    for k, v in texts.CONSENT_CHOICES.items()
)


async def ask_consent(ctx: StepContext) -> Question:
    return Question(texts.CONSENT, CONSENT)


async def consent(ctx: StepContext, msg: Inbound) -> bool | Invalid:
    """Whether they agreed (recorded when they did), or why the answer is no use."""
    choice = pick(msg.text or "", CONSENT)
    if choice is None:
        return invalid_choice(len(CONSENT))
    if choice.key == "no":
        return False
    await ctx.services.residents.register(ctx.appid, ctx.openid, at=ctx.services.clock())
    return True


async def _townships(ctx: StepContext) -> tuple[Choice, ...]:
    places = await ctx.services.residents.townships()
    return tuple(Choice(str(p.id), p.name) for p in places)


async def ask_township(ctx: StepContext) -> Question:
    return Question(texts.ASK_TOWNSHIP, await _townships(ctx))


async def township(ctx: StepContext, msg: Inbound) -> Outcome:
    """On to the ``village`` step, in the chosen township."""
    choices = await _townships(ctx)
    choice = pick(msg.text or "", choices)
    if choice is None:
        return invalid_choice(len(choices))
    return Next(Steps.VILLAGE, {"township_id": int(choice.key), "township": choice.label})


async def _villages(ctx: StepContext) -> tuple[Choice, ...]:
    places = await ctx.services.residents.villages(int(ctx.data["township_id"]))
    return tuple(Choice(str(p.id), p.name) for p in places)


async def ask_village(ctx: StepContext) -> Question:
    text = texts.ASK_VILLAGE.format(township=ctx.data["township"])
    return Question(text, await _villages(ctx))


async def village(ctx: StepContext, msg: Inbound) -> Choice | Invalid:
    """The village chosen in the township the data holds (not yet stored)."""
    choices = await _villages(ctx)
    choice = pick(msg.text or "", choices)
    return invalid_choice(len(choices)) if choice is None else choice


async def ask_name(ctx: StepContext) -> Question:
    return Question(texts.REG_NAME)


async def name(ctx: StepContext, msg: Inbound) -> str | Invalid:
    """Their name, stored; the bot's own words ("办事") are not a name."""
    said = answers.person_name(msg.text or "", texts.RESERVED_WORDS)
    if said is None:
        return Invalid(texts.REG_NAME_BAD)
    await ctx.services.residents.register(ctx.appid, ctx.openid, at=ctx.services.clock(), name=said)
    return said


async def ask_phone(ctx: StepContext) -> Question:
    return Question(texts.REG_PHONE)


async def phone(ctx: StepContext, msg: Inbound) -> str | Invalid:
    """Their mobile number, typed or read out, stored."""
    number = answers.mobile(msg.text or "")
    if number is None:
        return Invalid(texts.REG_PHONE_BAD)
    await ctx.services.residents.register(
        ctx.appid, ctx.openid, at=ctx.services.clock(), phone=number
    )
    return number

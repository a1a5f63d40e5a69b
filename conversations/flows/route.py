"""Where a meaning leads (conversations.intents): the main menu's answer to words, and
the engine's to words said in the middle of a flow that the flow could not use."""

from __future__ import annotations

from typing import Any

from conversations import texts
from conversations.flow import Choice, Finish, Outcome, StartFlow, StepContext
from conversations.flows import feedback, mine, progress, service
from conversations.flows.ids import FlowId
from conversations.flows.notices import Steps as Notices
from conversations.intents import STOP, Intent, Meaning
from wechat.messages import Inbound

# How far back a named service's request is looked for among the person's own.
LOOKED_AT = 20


async def lead(ctx: StepContext, msg: Inbound, meaning: Meaning) -> Outcome:
    """The outcome of what a message meant (``Intent.EITHER`` is the menu's to ask)."""
    intent = meaning.intent
    if intent is Intent.SERVICE:
        return _service(meaning)
    if intent is Intent.FEEDBACK:
        return await _feedback(ctx, msg, meaning)
    if intent is Intent.PROGRESS:
        return await _progress(ctx, meaning)
    if intent is Intent.NOTICES:
        return StartFlow(FlowId.NOTICES)
    if intent is Intent.SUBSCRIPTION:
        note = texts.SUBS_STOP_HOW if meaning.detail == STOP else None
        return StartFlow(FlowId.NOTICES, step=Notices.SUBS, note=note)
    if intent is Intent.MINE:
        return (
            await mine.start_at(ctx, meaning.detail) if meaning.detail else StartFlow(FlowId.MINE)
        )
    if intent is Intent.HUMAN:
        account = ctx.services.account
        return Finish(
            texts.HUMAN.format(
                account=account.name, hotline=account.hotline, office_hours=account.office_hours
            )
        )
    if intent is Intent.HELP:
        return Finish(texts.HELP_PLAIN)
    if intent is Intent.GREETING:
        return Finish(texts.GREETING_REPLY)
    if intent is Intent.THANKS:
        return Finish(texts.THANKS_REPLY)
    raise ValueError(f"no way to lead {intent!r}")


def either(meaning: Meaning) -> tuple[Choice, ...]:
    """The numbered question for two meanings that fit ("您是要 1. 反映低保的问题 …")."""
    return tuple(
        Choice(str(i), texts.EITHER_CHOICES[str(o.intent)].format(named=meaning.named))
        for i, o in enumerate(meaning.options)
    )


def _service(meaning: Meaning) -> Outcome:
    if len(meaning.items) == 1:
        guide: dict[str, Any] = {"item_id": meaning.items[0], "page": 0}
        return StartFlow(FlowId.SERVICE, step=service.Steps.GUIDE, data=guide)
    if meaning.items:
        hits: dict[str, Any] = {"hits": list(meaning.items), "area": None}
        return StartFlow(FlowId.SERVICE, step=service.Steps.PICK, data=hits)
    return StartFlow(FlowId.SERVICE)


async def _feedback(ctx: StepContext, msg: Inbound, meaning: Meaning) -> Outcome:
    if meaning.story:
        return await feedback.told(
            ctx, meaning.story, meaning.detail, meaning.category, meaning.guessed, msg
        )
    if meaning.detail:
        return StartFlow(
            FlowId.FEEDBACK, step=feedback.Steps.CATEGORY, data={"choice": meaning.detail}
        )
    return StartFlow(FlowId.FEEDBACK)


async def _progress(ctx: StepContext, meaning: Meaning) -> Outcome:
    """查进度: a 受理编号 said is shown when it is the person's own (anyone else's shows
    nothing, as one that does not exist); "my 低保" shows their request for it."""
    person = await ctx.services.residents.profile(ctx.appid, ctx.openid)
    tickets = ctx.services.tickets
    if meaning.detail:
        if await tickets.own(person.resident_id, meaning.detail) is None:
            return StartFlow(FlowId.PROGRESS, note=texts.PROGRESS_NOT_FOUND)
        data = {"number": meaning.detail}
        return StartFlow(FlowId.PROGRESS, step=progress.Steps.DETAIL, data=data)
    if meaning.items:
        rows = await tickets.of_resident(person.resident_id, LOOKED_AT, kind="service")
        for row in rows:
            if row.item_id in meaning.items:
                data = {"number": row.number}
                return StartFlow(FlowId.PROGRESS, step=progress.Steps.DETAIL, data=data)
        note = texts.PROGRESS_NONE_FOR.format(name=meaning.named)
        return StartFlow(FlowId.PROGRESS, note=note)
    return StartFlow(FlowId.PROGRESS)

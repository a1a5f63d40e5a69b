"""走访登记: a grid worker records a visit to someone in their care — who, when, what they
found, health, whether help is needed."""

from __future__ import annotations

from datetime import date, datetime, time
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
    Step,
    StepContext,
    invalid_choice,
    pick,
)
from conversations.flows.grid_report import SUBMIT
from conversations.flows.ids import FlowId
from wechat.messages import Inbound


class Steps(StrEnum):
    GROUP = "group"
    PERSON = "person"
    WHEN = "when"
    FINDINGS = "findings"
    HEALTH = "health"
    HELP = "help"
    CONFIRM = "visit_confirm"


VISIT_DAYS_BACK = 31  # a visit recorded up to a month later
_GROUPS = tuple(Choice(k, v) for k, v in texts.VISIT_GROUPS.items())
_HELP = tuple(Choice(k, v) for k, v in texts.VISIT_HELP_CHOICES.items())


async def _ask_group(ctx: StepContext) -> Question:
    return Question(texts.VISIT_ASK_GROUP, _GROUPS)


async def _group(ctx: StepContext, msg: Inbound) -> Outcome:
    choice = pick(msg.text or "", _GROUPS)
    if choice is None:
        return invalid_choice(len(_GROUPS))
    return Next(Steps.PERSON, {"group": choice.key})


async def _ask_person(ctx: StepContext) -> Question:
    return Question(texts.VISIT_ASK_PERSON)


async def _person(ctx: StepContext, msg: Inbound) -> Outcome:
    name = answers.person_name(msg.text or "", texts.RESERVED_WORDS)
    if name is None:
        return Invalid(texts.VISIT_PERSON_BAD)
    return Next(Steps.WHEN, {"person": name})


async def _ask_when(ctx: StepContext) -> Question:
    return Question(texts.VISIT_ASK_WHEN)


async def _when(ctx: StepContext, msg: Inbound) -> Outcome:
    today = ctx.services.clock().date()
    day = answers.day(msg.text or "", today)
    if day is None or day > today or (today - day).days > VISIT_DAYS_BACK:
        return Invalid(texts.VISIT_WHEN_BAD.format(days=VISIT_DAYS_BACK))
    return Next(Steps.FINDINGS, {"day": day.isoformat()})


async def _ask_findings(ctx: StepContext) -> Question:
    return Question(texts.VISIT_ASK_FINDINGS)


async def _findings(ctx: StepContext, msg: Inbound) -> Outcome:
    said = (msg.text or "").strip()
    if len(said) < 2:
        return Invalid(texts.GRID_WORDS_SHORT)
    if len(said) > 300:
        return Invalid(texts.TEXT_TOO_LONG.format(limit=300))
    return Next(Steps.HEALTH, {"findings": said})


async def _ask_health(ctx: StepContext) -> Question:
    return Question(texts.VISIT_ASK_HEALTH)


async def _health(ctx: StepContext, msg: Inbound) -> Outcome:
    said = (msg.text or "").strip()
    if answers.is_one_of(said, texts.WORDS_SKIP):
        said = ""
    elif len(said) > 300:
        return Invalid(texts.TEXT_TOO_LONG.format(limit=300))
    return Next(Steps.HELP, {"health": said})


async def _ask_help(ctx: StepContext) -> Question:
    return Question(texts.VISIT_ASK_HELP, _HELP)


async def _help(ctx: StepContext, msg: Inbound) -> Outcome:
    choice = pick(msg.text or "", _HELP)
    if choice is None:
        return invalid_choice(len(_HELP))
    return Next(Steps.CONFIRM, {"needs_help": choice.key == "yes"})


async def _ask_visit_confirm(ctx: StepContext) -> Question:
    d = ctx.data
    day = date.fromisoformat(d["day"]) if d.get("day") else ctx.services.clock().date()
    text = texts.VISIT_SUMMARY.format(
        when=texts.DAY_SHORT.format(month=day.month, day=day.day),
        group=texts.VISIT_GROUPS[d["group"]],
        person=d["person"],
        findings=d["findings"][:80],
        health=d.get("health") or texts.ANSWER_SKIPPED,
        help=texts.VISIT_HELP_CHOICES["yes" if d.get("needs_help") else "no"],
    )
    return Question(text, SUBMIT)


async def _visit_confirm(ctx: StepContext, msg: Inbound) -> Outcome:
    choice = pick(msg.text or "", SUBMIT)
    if choice is None:
        return invalid_choice(len(SUBMIT))
    if choice.key == "restart":
        return Next(Steps.GROUP)
    d = ctx.data
    saved = await ctx.services.grids.record_visit(
        ctx.appid,
        ctx.openid,
        group=d["group"],
        person=d["person"],
        findings=d["findings"],
        health=d.get("health", ""),
        needs_help=bool(d.get("needs_help")),
        at=_visited_at(ctx, str(d.get("day") or "")),
    )
    return Finish(texts.VISIT_SAVED if saved else texts.GRID_NOT_BOUND)


def _visited_at(ctx: StepContext, day: str) -> datetime:
    """The visit's day: now if it was today, else noon of that day (Beijing)."""
    now = ctx.services.clock()
    if not day or day == now.date().isoformat():
        return now
    return datetime.combine(date.fromisoformat(day), time(12), now.tzinfo)


FLOW = Flow(
    id=FlowId.GRID_VISIT,
    version=1,
    steps=[
        Step(Steps.GROUP, _ask_group, _group),
        Step(Steps.PERSON, _ask_person, _person),
        Step(Steps.WHEN, _ask_when, _when),
        Step(Steps.FINDINGS, _ask_findings, _findings),
        Step(Steps.HEALTH, _ask_health, _health),
        Step(Steps.HELP, _ask_help, _help),
        Step(Steps.CONFIRM, _ask_visit_confirm, _visit_confirm),
    ],
    hold=True,
)

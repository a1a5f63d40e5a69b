"""A bound grid worker's menu: report an incident (a photo, a location or a voice note
sent here starts one), their reports, their grid's open events, a visit, or the resident
menu."""

from __future__ import annotations

from enum import StrEnum

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
from conversations.flows import grid_report
from conversations.flows.ids import FlowId
from conversations.flows.progress import ticket_line
from wechat.messages import ImageMessage, Inbound, LocationMessage, VoiceMessage


class Steps(StrEnum):
    CHOOSE = "choose"


CHOICES = tuple(Choice(k, v) for k, v in texts.GRID_MENU_ITEMS.items())
LISTED = 8


def question() -> Question:
    return Question(texts.GRID_MENU_TITLE, CHOICES, hint=texts.MENU_FOOTER)


async def _ask(ctx: StepContext) -> Question:
    return question()


def _starts_report(msg: Inbound) -> bool:
    return isinstance(msg, ImageMessage | LocationMessage) or (
        isinstance(msg, VoiceMessage) and pick(msg.text or "", CHOICES) is None
    )


async def _choose(ctx: StepContext, msg: Inbound) -> Outcome:
    """The grid menu's answer; a photo, a location or a voice note starts a report."""
    if _starts_report(msg):
        return await grid_report.report_from(ctx, msg)
    choice = pick(msg.text or "", CHOICES)
    if choice is None and grid_report.reads_as_report(ctx, msg.text or ""):
        return await grid_report.report_from(ctx, msg)  # "两家为宅基地吵起来了": a report
    if choice is None:
        return invalid_choice(len(CHOICES))
    if choice.key == "report":
        return StartFlow(FlowId.GRID_REPORT, data=await grid_report.new_report(ctx))
    if choice.key == "resident":
        return StartFlow(FlowId.RESIDENT_MENU)
    if choice.key == "visit":
        return StartFlow(FlowId.GRID_VISIT)
    if choice.key == "mine":
        return Finish(await _my_reports(ctx))
    return Finish(await _grid_events(ctx))


async def _my_reports(ctx: StepContext) -> str:
    person = await ctx.services.residents.profile(ctx.appid, ctx.openid)
    rows = await ctx.services.tickets.of_resident(person.resident_id, LISTED, kind="incident")
    if not rows:
        return texts.GRID_NO_REPORTS
    return "\n".join([texts.GRID_MY_REPORTS, *map(ticket_line, rows)])


async def _grid_events(ctx: StepContext) -> str:
    places = await ctx.services.grids.grids_of(ctx.appid, ctx.openid)
    villages = [g.village_id for g in places if g.village_id is not None]
    rows = await ctx.services.tickets.open_in_grids([g.id for g in places], villages, LISTED)
    if not rows:
        return texts.GRID_NO_EVENTS
    return "\n".join([texts.GRID_EVENTS, *map(ticket_line, rows)])


FLOW = Flow(
    id=FlowId.GRID_MENU,
    version=1,
    steps=[Step(Steps.CHOOSE, _ask, _choose, grid_report.ANYTHING)],
)

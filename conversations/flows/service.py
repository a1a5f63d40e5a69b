"""办事: find a public service by what the person says or by area, read its 办事指南
page by page, and apply (the shared steps in conversations.flows.apply)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from conversations import finder, texts
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
    normalise,
    pick,
    read_number,
)
from conversations.flows import apply
from conversations.flows.ids import FlowId
from storage.models import ServiceItem
from wechat.messages import Inbound


class Steps(StrEnum):
    FIND = "find"
    AREA = "area"
    PICK = "pick"
    GUIDE = "guide"


PAGE_CHARS = 280


async def _areas(ctx: StepContext) -> tuple[Choice, ...]:
    return tuple(Choice(a, a) for a in await ctx.services.catalog.areas())


async def _ask_find(ctx: StepContext) -> Question:
    return Question(texts.SERVICE_FIND, await _areas(ctx))


async def _find(ctx: StepContext, msg: Inbound) -> Outcome:
    said = msg.text or ""
    areas = await _areas(ctx)
    if read_number(said) is not None or normalise(said) in {normalise(c.label) for c in areas}:
        choice = pick(said, areas)
        if choice is None:
            return invalid_choice(len(areas))
        return Next(Steps.AREA, {"area": choice.key, "hits": None})
    hits = finder.find(said, await ctx.services.catalog.active_items())
    if not hits:
        return Invalid(texts.SERVICE_NOT_FOUND.format(said=said[:20]))
    if len(hits) == 1:
        return Next(Steps.GUIDE, {"item_id": hits[0].id, "page": 0})
    return Next(Steps.PICK, {"hits": [i.id for i in hits], "area": None})


async def _listed(ctx: StepContext) -> tuple[Choice, ...]:
    if ctx.data.get("area") is None:
        wanted = [int(i) for i in ctx.data["hits"]]
        items = {i.id: i for i in await ctx.services.catalog.active_items() if i.id in wanted}
        return tuple(Choice(str(i), items[i].name) for i in wanted if i in items)
    items_in = await ctx.services.catalog.in_area(str(ctx.data["area"]))
    return tuple(Choice(str(i.id), i.name) for i in items_in)


async def _ask_list(ctx: StepContext) -> Question:
    if ctx.data.get("area") is None:
        return Question(texts.SERVICE_PICK, await _listed(ctx))
    return Question(texts.SERVICE_AREA.format(area=ctx.data["area"]), await _listed(ctx))


async def _list(ctx: StepContext, msg: Inbound) -> Outcome:
    choices = await _listed(ctx)
    choice = pick(msg.text or "", choices)
    if choice is None:
        return invalid_choice(len(choices))
    return Next(Steps.GUIDE, {"item_id": int(choice.key), "page": 0})


# The 办事指南 --------------------------------------------------------------------------


def guide_text(item: ServiceItem, hotline: str) -> str:
    numbered = "\n".join(f"{i}. {m}" for i, m in enumerate(item.materials, 1))
    steps = "\n".join(f"{i}. {s}" for i, s in enumerate(item.steps, 1))
    extras = (texts.GUIDE_PROXY if item.proxy else "") + (
        texts.GUIDE_HOME_VISIT if item.home_visit else ""
    )
    return texts.GUIDE.format(
        name=item.name,
        summary=item.summary,
        eligibility=item.eligibility,
        materials=numbered,
        steps=steps,
        days=item.time_limit_days,
        where=item.place,
        unit=item.unit.name,
        extras=extras,
        hotline=hotline,
    )


def pages(text: str, size: int = PAGE_CHARS) -> list[str]:
    """Whole lines to a page, each page at most ``size`` characters (a longer line is
    cut), so every reply fits one phone screen."""
    out: list[str] = []
    page = ""
    for line in text.split("\n"):
        while len(line) > size:
            if page:
                out.append(page)
                page = ""
            out.append(line[:size])
            line = line[size:]
        if page and len(page) + 1 + len(line) > size:
            out.append(page)
            page = line
        else:
            page = f"{page}\n{line}" if page else line
    if page:
        out.append(page)
    return out or [""]


async def _item(ctx: StepContext) -> ServiceItem | None:
    item: ServiceItem | None = await ctx.services.catalog.by_id(int(ctx.data["item_id"]))
    return item


def _guide_choices(more: bool) -> tuple[Choice, ...]:
    keys = ("apply", "more") if more else ("apply",)
    return tuple(
        Choice(k, texts.GUIDE_CHOICES[k], aliases=texts.GUIDE_ALIASES.get(k, ())) for k in keys
    )


async def _ask_guide(ctx: StepContext) -> Question:
    item = await _item(ctx)
    if item is None:
        return Question(texts.SERVICE_ITEM_GONE, _guide_choices(False))
    parts = pages(guide_text(item, ctx.services.account.hotline))
    page = min(int(ctx.data.get("page", 0)), len(parts) - 1)
    text = parts[page]
    if len(parts) > 1:
        text += texts.NOTICE_PAGE_MARK.format(page=page + 1, pages=len(parts))
    return Question(text, _guide_choices(page + 1 < len(parts)))


async def _guide(ctx: StepContext, msg: Inbound) -> Outcome:
    item = await _item(ctx)
    if item is None:
        return Next(Steps.FIND, note=texts.SERVICE_ITEM_GONE)
    parts = pages(guide_text(item, ctx.services.account.hotline))
    page = int(ctx.data.get("page", 0))
    choices = _guide_choices(page + 1 < len(parts))
    choice = pick(msg.text or "", choices)
    if choice is None:
        return invalid_choice(len(choices))
    if choice.key == "more":
        return Next(Steps.GUIDE, {"page": page + 1})
    data: dict[str, Any] = {
        "kind": "service",
        "title": item.name,
        "days": item.time_limit_days,
        "item_id": item.id,
        "questions": item.questions,
        "home_visit": False,
    }
    return await apply.begin(ctx, data)


FLOW = Flow(
    id=FlowId.SERVICE,
    version=1,
    steps=[
        Step(Steps.FIND, _ask_find, _find),
        Step(Steps.AREA, _ask_list, _list),
        Step(Steps.PICK, _ask_list, _list),
        Step(Steps.GUIDE, _ask_guide, _guide),
        *apply.steps(),
    ],
    hold=True,
    help=texts.SERVICE_HELP,
)

"""政策通知: the latest notices where the person lives, read in pages, and which areas they
want pushed to them."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

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
from conversations.flows.ids import FlowId
from storage.clock import BEIJING
from wechat.messages import Inbound


class Steps(StrEnum):
    LIST = "list"
    READ = "read"
    SUBS = "subs"


SHOWN = 5
PAGE_CHARS = 250
_SETTINGS = "settings"
_READ_CHOICES = {k: Choice(k, v) for k, v in texts.NOTICE_CHOICES.items()}


async def _where(ctx: StepContext) -> tuple[Any, str]:
    """The resident (created if they wrote before we saw them follow) and their place."""
    found = await ctx.services.residents.place_of(ctx.appid, ctx.openid)
    if found is None:
        await ctx.services.residents.ensure_resident(ctx.appid, ctx.openid)
        found = await ctx.services.residents.place_of(ctx.appid, ctx.openid)
    assert found is not None  # just made
    resident, place = found
    return resident, place or texts.FOLLOW_PLACE_UNKNOWN


async def _latest(ctx: StepContext) -> tuple[list[Any], str, bool]:
    resident, place = await _where(ctx)
    items = await ctx.services.notices.latest_for(
        resident.township_id, resident.village_id, now=ctx.services.clock(), limit=SHOWN
    )
    return items, place, resident.village_id is None


def _date(notice: Any) -> str:
    return str(notice.published_at.astimezone(BEIJING).strftime(texts.DAY_NUMERIC))


async def _list_choices(ctx: StepContext) -> tuple[tuple[Choice, ...], str]:
    items, place, no_village = await _latest(ctx)
    choices = (
        *(Choice(str(n.id), texts.NOTICE_LINE.format(title=n.title, date=_date(n))) for n in items),
        Choice(_SETTINGS, texts.NOTICES_SETTINGS),
    )
    head = (
        texts.NOTICES_TITLE.format(place=place) if items else texts.NOTICES_NONE.format(place=place)
    )
    if no_village:
        head = f"{head}\n{texts.NOTICES_SET_PLACE}"
    return choices, head


async def _ask_list(ctx: StepContext) -> Question:
    choices, head = await _list_choices(ctx)
    return Question(head, choices, hint=texts.NOTICES_HINT)


async def _list(ctx: StepContext, msg: Inbound) -> Outcome:
    choices, _ = await _list_choices(ctx)
    choice = pick(msg.text or "", choices)
    if choice is None:
        return invalid_choice(len(choices))
    if choice.key == _SETTINGS:
        return Next(Steps.SUBS)
    return Next(Steps.READ, {"notice": int(choice.key), "page": 1})


def _pages(notice: Any) -> list[str]:
    body = str(notice.body)
    return [body[i : i + PAGE_CHARS] for i in range(0, len(body), PAGE_CHARS)] or [""]


async def _reading(ctx: StepContext) -> tuple[Any, list[str]] | None:
    resident, _ = await _where(ctx)
    notice = await ctx.services.notices.readable(
        int(ctx.data["notice"]), resident.township_id, resident.village_id
    )
    return (notice, _pages(notice)) if notice is not None else None


async def _ask_read(ctx: StepContext) -> Question:
    found = await _reading(ctx)
    if found is None:
        return Question(texts.NOTICE_GONE, (_READ_CHOICES["list"],))
    notice, pages = found
    page = min(int(ctx.data.get("page", 1)), len(pages))
    place = (
        "".join(p.name for p in (notice.township, notice.village) if p is not None)
        or ctx.services.account.name
    )
    if page == 1:
        text = texts.NOTICE_FULL.format(
            area=texts.NOTICE_AREAS.get(notice.area, notice.area),
            title=notice.title,
            date=_date(notice),
            place=place,
            body=pages[0],
        )
    else:
        text = pages[page - 1]
    if len(pages) > 1:
        text += texts.NOTICE_PAGE_MARK.format(page=page, pages=len(pages))
    if page == len(pages) and notice.link:
        text += "\n" + texts.NOTICE_LINK.format(link=notice.link)
    choices = (
        (_READ_CHOICES["more"], _READ_CHOICES["list"])
        if page < len(pages)
        else (_READ_CHOICES["list"],)
    )
    return Question(text, choices)


async def _read(ctx: StepContext, msg: Inbound) -> Outcome:
    found = await _reading(ctx)
    pages = found[1] if found else []
    page = int(ctx.data.get("page", 1))
    more = page < len(pages)
    choices = (_READ_CHOICES["more"], _READ_CHOICES["list"]) if more else (_READ_CHOICES["list"],)
    choice = pick(msg.text or "", choices)
    if choice is None:
        return invalid_choice(len(choices))
    if choice.key == "more":
        return Next(Steps.READ, {"page": page + 1})
    return Next(Steps.LIST)


# Subscriptions --------------------------------------------------------------------------

_OPTIONAL = tuple(a for a in texts.NOTICE_AREAS if a != texts.ALWAYS_SENT_AREA)
_DONE = "done"
_ALL_OFF = "all_off"


async def _subs_choices(ctx: StepContext) -> tuple[Choice, ...]:
    resident, _ = await _where(ctx)
    have = await ctx.services.notices.areas_of(resident.id)
    choices = []
    for area in _OPTIONAL:
        name = texts.NOTICE_AREAS[area]
        line = texts.SUBS_LINE_ON if area in have else texts.SUBS_LINE_OFF
        choices.append(Choice(area, line.format(area=name), aliases=(name,)))
    choices.append(Choice(_ALL_OFF, texts.SUBS_ALL_OFF, aliases=texts.SUBS_ALL_OFF_WORDS))
    choices.append(Choice(_DONE, texts.SUBS_DONE))
    return tuple(choices)


async def _ask_subs(ctx: StepContext) -> Question:
    return Question(f"{texts.SUBS_TITLE}\n{texts.SUBS_ALWAYS}", await _subs_choices(ctx), hint=None)


async def _subs(ctx: StepContext, msg: Inbound) -> Outcome:
    choices = await _subs_choices(ctx)
    choice = pick(msg.text or "", choices)
    if choice is None:
        return invalid_choice(len(choices))
    if choice.key == _DONE:
        return Finish(texts.SUBS_SAVED)
    resident, _ = await _where(ctx)
    notices = ctx.services.notices
    if choice.key == _ALL_OFF:
        for area in set(await notices.areas_of(resident.id)) & set(_OPTIONAL):
            await notices.unsubscribe(resident.id, area, reason=texts.REASON_UNSUBSCRIBED)
        return Next(Steps.SUBS, note=texts.SUBS_ALL_OFF_DONE)
    name = texts.NOTICE_AREAS[choice.key]
    if choice.key in await notices.areas_of(resident.id):
        await notices.unsubscribe(resident.id, choice.key, reason=texts.REASON_UNSUBSCRIBED)
        note = texts.SUBS_OFF.format(area=name)
    else:
        await notices.subscribe(resident.id, [choice.key], ctx.services.clock())
        note = texts.SUBS_ON.format(area=name)
    return Next(Steps.SUBS, note=note)


FLOW = Flow(
    id=FlowId.NOTICES,
    version=2,
    steps=[
        Step(Steps.LIST, _ask_list, _list),
        Step(Steps.READ, _ask_read, _read),
        Step(Steps.SUBS, _ask_subs, _subs),
    ],
)

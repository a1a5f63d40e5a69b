"""事件上报: a grid worker's report, taken in whatever order it comes (a photo first, the
location first, the words first, or as asked), asking only for what is still missing.

Four messages make a report whatever their order: a photo, the words (typed or said), the
place, and 确认. The category is read from the words (conversations.intents) and asked
only when they do not settle it; urgency too (紧急, 马上, 着火 ...), else it is 一般. The
summary says both, and how to change them with a word before 确认."""

from __future__ import annotations

import secrets
from enum import StrEnum
from typing import Any

from conversations import answers, texts
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
    normalise,
    pick,
    pick_exact,
)
from conversations.flows.ids import FlowId
from storage.models import Grid
from storage.residents import Profile
from storage.tickets import NewTicket
from wechat.messages import ImageMessage, Inbound, Kind, LocationMessage, VoiceMessage


class Steps(StrEnum):
    WORDS = "words"
    CATEGORY = "category"
    PHOTOS = "photos"
    LOCATION = "location"
    GRID = "grid"
    CONFIRM = "confirm"


PHOTOS_MAX = 9
_CATEGORIES = tuple(Choice(k, v) for k, v in texts.GRID_CATEGORIES.items())
SUBMIT = tuple(
    Choice(k, v, aliases=(*texts.WORDS_SUBMIT, *texts.WORDS_REPORT_DONE))
    if k == "submit"
    else Choice(k, v)
    for k, v in texts.SUBMIT_CHOICES.items()
)
ANYTHING = frozenset({Kind.TEXT, Kind.IMAGE, Kind.VOICE, Kind.LOCATION})


def _taken(msg: Inbound, data: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """What a message adds to the report, and a word to say so (None when nothing)."""
    if isinstance(msg, ImageMessage):
        photos = list(data.get("photos", []))
        if len(photos) >= PHOTOS_MAX:
            return {}, texts.GRID_PHOTOS_FULL.format(limit=PHOTOS_MAX)
        photos.append({"media_id": msg.media_id, "url": msg.pic_url})
        return {"photos": photos}, texts.GRID_GOT_PHOTO.format(count=len(photos))
    if isinstance(msg, LocationMessage):
        where = {"lat": msg.latitude, "lon": msg.longitude, "label": msg.label or ""}
        return {"location": where}, texts.GOT_LOCATION
    if isinstance(msg, VoiceMessage):  # kept even when WeChat could not make out words
        voices = [*data.get("voices", []), {"media_id": msg.media_id, "text": msg.text}]
        return {"voices": voices, "words": _more_words(data, msg.text)}, texts.GOT_VOICE
    said = (msg.text or "").strip()
    if len(said) >= 4:  # typed details where an answer was expected: kept as words
        return {"words": _more_words(data, said)}, texts.GRID_GOT_WORDS
    return {}, None


def _more_words(data: dict[str, Any], said: str | None) -> str:
    words = " ".join(w for w in (data.get("words"), said) if w)
    return words[:300]


def _missing(data: dict[str, Any]) -> Steps:
    if not data.get("words") and not data.get("voices"):
        return Steps.WORDS
    if not data.get("category"):
        return Steps.CATEGORY
    if not data.get("photos") and not data.get("photos_skipped"):
        return Steps.PHOTOS
    if not data.get("location"):
        return Steps.LOCATION
    if len(data.get("grid_ids", [])) > 1 and not data.get("grid_id"):
        return Steps.GRID
    return Steps.CONFIRM


def _read(ctx: StepContext, data: dict[str, Any]) -> dict[str, Any]:
    """What the report's words settle that is not yet answered: the category (when they
    fit one only) and urgency (when they say so)."""
    if not data.get("words"):
        return {}
    category, urgent = ctx.services.reader.incident(data["words"])
    found: dict[str, Any] = {}
    if category and not data.get("category"):
        found |= {"category": category, "guessed": True}
    if urgent and data.get("urgent") is None:
        found["urgent"] = True
    return found


def reads_as_report(ctx: StepContext, said: str) -> bool:
    """Words typed at the grid menu that tell of an incident (their category is plain)."""
    return len(said.strip()) >= 6 and ctx.services.reader.incident(said)[0] is not None


async def report_from(ctx: StepContext, msg: Inbound) -> Outcome:
    """Start a report with whatever the first message carried (from the grid menu)."""
    added, note = _taken(msg, {})
    merged = {**added, **await new_report(ctx)}
    merged |= _read(ctx, merged)
    return StartFlow(FlowId.GRID_REPORT, note=note, step=_missing(merged), data=merged)


async def new_report(ctx: StepContext) -> dict[str, Any]:
    """What a report starts with: its key (one ticket however often 确认 comes), and the
    worker's grids, so one working several is asked which."""
    places = await ctx.services.grids.grids_of(ctx.appid, ctx.openid)
    return {"key": secrets.token_hex(8), "grid_ids": [g.id for g in places]}


def _keep(ctx: StepContext, msg: Inbound) -> Outcome:
    """Not an answer to this question: keep what the message brought (a photo, a place,
    a voice note, details) and ask what is still missing; with nothing to keep, ask again."""
    added, note = _taken(msg, ctx.data)
    if not added:
        return Invalid(note or texts.NOT_UNDERSTOOD)
    return _answer(ctx, added, note)


def _answer(ctx: StepContext, answer: dict[str, Any], note: str | None = None) -> Outcome:
    """The answer kept, with what its words settle, and on to what is still missing."""
    answer = {**answer, **_read(ctx, {**ctx.data, **answer})}
    return Next(_missing({**ctx.data, **answer}), answer, note=note)


async def _ask_category(ctx: StepContext) -> Question:
    return Question(texts.GRID_ASK_CATEGORY, _CATEGORIES)


async def _category(ctx: StepContext, msg: Inbound) -> Outcome:
    choice = pick(msg.text or "", _CATEGORIES)
    if choice is None:
        return _keep(ctx, msg)
    answer: dict[str, Any] = {"category": choice.key, "guessed": False}
    said = normalise(msg.text or "")
    if isinstance(msg, VoiceMessage) or len(said) > len(normalise(choice.label)) + 2:
        # "发现一处安全隐患，变压器冒烟了": the category, and the words (and the voice).
        added, _ = _taken(msg, ctx.data)
        answer |= added
    return _answer(ctx, answer)


async def _ask_words(ctx: StepContext) -> Question:
    return Question(texts.GRID_ASK_WORDS)


async def _words(ctx: StepContext, msg: Inbound) -> Outcome:
    if msg.kind is not Kind.TEXT:
        return _keep(ctx, msg)
    named = pick_exact(msg.text or "", _CATEGORIES)
    if named is not None:  # the category named first ("安全隐患"): the words still to come
        return _answer(ctx, {"category": named.key, "guessed": False})
    said = (msg.text or "").strip()
    if len(said) < 2:
        return Invalid(texts.GRID_WORDS_SHORT)
    return _answer(ctx, {"words": _more_words(ctx.data, said)})


async def _ask_photos(ctx: StepContext) -> Question:
    return Question(texts.GRID_ASK_PHOTO)


async def _photos(ctx: StepContext, msg: Inbound) -> Outcome:
    if answers.is_one_of(msg.text, texts.WORDS_SKIP):  # typed or said
        return _answer(ctx, {"photos_skipped": True})
    return _keep(ctx, msg)


def _in_grid_choice() -> tuple[Choice, ...]:
    return (Choice("grid", texts.GRID_IN_GRID[0], aliases=texts.GRID_IN_GRID[1:]),)


async def _ask_location(ctx: StepContext) -> Question:
    return Question(texts.GRID_ASK_LOCATION, _in_grid_choice())


async def _location(ctx: StepContext, msg: Inbound) -> Outcome:
    if isinstance(msg, LocationMessage | ImageMessage):
        return _keep(ctx, msg)
    if pick_exact(msg.text or "", _in_grid_choice()) is not None:
        places = await ctx.services.grids.grids_of(ctx.appid, ctx.openid)
        if not places:
            return Finish(texts.GRID_NOT_BOUND)
        grid = places[0]
        where = {"lat": grid.latitude, "lon": grid.longitude, "label": grid.place, "grid": True}
        return _answer(ctx, {"location": where})
    said = (msg.text or "").strip()
    plain = not answers.is_one_of(said, (*texts.WORDS_SKIP, *texts.RESERVED_WORDS))
    if plain and 2 <= len(said) <= 60:  # "村委会东边老槐树下": a place in words
        answer: dict[str, Any] = {"location": {"lat": None, "lon": None, "label": said}}
        if isinstance(msg, VoiceMessage):
            answer["voices"] = [
                *ctx.data.get("voices", []),
                {"media_id": msg.media_id, "text": said},
            ]
        return _answer(ctx, answer)
    return _keep(ctx, msg) if msg.kind is not Kind.TEXT else Invalid(texts.GRID_LOCATION_NEEDED)


async def _grid_choices(ctx: StepContext) -> tuple[Choice, ...]:
    places = await ctx.services.grids.grids_of(ctx.appid, ctx.openid)
    return tuple(Choice(str(g.id), g.name) for g in places)


async def _ask_grid(ctx: StepContext) -> Question:
    return Question(texts.GRID_ASK_WHICH, await _grid_choices(ctx))


async def _grid(ctx: StepContext, msg: Inbound) -> Outcome:
    choices = await _grid_choices(ctx)
    choice = pick(msg.text or "", choices)
    if choice is None:
        return _keep(ctx, msg) if msg.kind is not Kind.TEXT else invalid_choice(len(choices))
    return _answer(ctx, {"grid_id": int(choice.key)})


async def _ask_confirm(ctx: StepContext) -> Question:
    d = ctx.data
    words = d.get("words") or (texts.GRID_VOICE_ONLY if d.get("voices") else "")
    lines = [
        texts.GRID_SUMMARY.format(
            category=texts.GRID_CATEGORIES.get(d.get("category") or "", ""),
            words=words[:80],
            photos=len(d.get("photos", [])),
            place=(d.get("location") or {}).get("label") or texts.GRID_PLACE_PIN,
        )
    ]
    lines.append(texts.GRID_SUMMARY_URGENT if d.get("urgent") else texts.GRID_SUMMARY_NORMAL)
    if d.get("guessed"):
        lines.append(texts.GRID_SUMMARY_GUESSED)
    lines.append(texts.GRID_ADD_MORE)
    return Question("\n".join(lines), SUBMIT)


def _change(msg: Inbound) -> dict[str, Any] | None:
    """A word at the summary that changes the urgency or names the category."""
    said = msg.text or ""
    if answers.is_one_of(said, texts.GRID_SAY_URGENT):
        return {"urgent": True}
    if answers.is_one_of(said, texts.GRID_SAY_NORMAL):
        return {"urgent": False}
    named = [c for c in _CATEGORIES if answers.is_one_of(said, (c.label,))]
    return {"category": named[0].key, "guessed": False} if named else None


async def _confirm(ctx: StepContext, msg: Inbound) -> Outcome:
    changed = _change(msg)
    if changed is not None:  # the summary again, changed
        return Next(Steps.CONFIRM, changed)
    # Only a choice named outright submits: "好了，还有一棵树倒了" is more detail.
    choice = pick_exact(msg.text or "", SUBMIT)
    if choice is None:  # a photo, a place, a voice note or words to add
        return _keep(ctx, msg)
    if choice.key == "restart":  # what was sent stays; the answers are asked again
        cleared = {"category": None, "urgent": None, "location": None, "photos_skipped": False}
        return Next(Steps.CATEGORY, cleared)
    return await _submit(ctx)


async def _submit(ctx: StepContext) -> Outcome:
    services = ctx.services
    places = await services.grids.grids_of(ctx.appid, ctx.openid)
    if not places:  # unbound while reporting
        return Finish(texts.GRID_NOT_BOUND)
    chosen = [g for g in places if g.id == ctx.data.get("grid_id")]
    grid = chosen[0] if chosen else places[0]
    person = await services.residents.profile(ctx.appid, ctx.openid)
    ticket, _ = await services.tickets.create(
        _ticket(ctx, grid, person),
        now=services.clock(),
        message=services.ticket_message,
        alerts=services.ticket_alerts,
    )
    reported = texts.GRID_REPORTED.format(number=ticket.number)
    if ticket.urgent and not await services.staff.on_duty_in(grid.township_id):
        # Nobody on duty has linked WeChat: say so, and how to reach someone now.
        reported += "\n" + texts.GRID_NOBODY_ON_DUTY.format(hotline=services.account.hotline)
    return Finish(reported)


def _ticket(ctx: StepContext, grid: Grid, person: Profile) -> NewTicket:
    """The incident the report's answers make, in the grid it was reported for."""
    d = ctx.data
    category = texts.GRID_CATEGORIES[d["category"]]
    files = [
        {"kind": "image", "media_id": p["media_id"], "url": p.get("url")}
        for p in d.get("photos", [])
    ]
    files += [
        {"kind": "voice", "media_id": v["media_id"], "text": v.get("text")}
        for v in d.get("voices", [])
    ]
    return NewTicket(
        kind="incident",
        request_key=f"{ctx.appid}:{ctx.openid}:{d['key']}",
        resident_id=person.resident_id,
        township_id=grid.township_id,
        village_id=grid.village_id,
        title=texts.GRID_TICKET_TITLE.format(category=category),
        time_limit_days=ctx.services.feedback_days["incident"],
        category=category,
        content=str(d.get("words") or texts.GRID_VOICE_ONLY),
        location=d.get("location"),
        contact_name=person.name or "",
        contact_phone=person.phone or "",
        attachments=files,
        grid_id=grid.id,
        urgent=bool(d.get("urgent")),
        fetch_media=True,
    )


FLOW = Flow(
    id=FlowId.GRID_REPORT,
    version=2,  # 2: the words asked first, the category and urgency read from them
    steps=[
        Step(Steps.WORDS, _ask_words, _words, ANYTHING),
        Step(Steps.CATEGORY, _ask_category, _category, ANYTHING),
        Step(Steps.PHOTOS, _ask_photos, _photos, ANYTHING),
        Step(Steps.LOCATION, _ask_location, _location, ANYTHING),
        Step(Steps.GRID, _ask_grid, _grid, ANYTHING),
        Step(Steps.CONFIRM, _ask_confirm, _confirm, ANYTHING),
    ],
    help=texts.GRID_REPORT_HELP,
    hold=True,
)

"""Grid workers (网格员): binding with a one-time code, their own menu, and 事件上报 — a
report taken in whatever order it comes (a photo first, the location first, or as
asked), asking only for what is still missing."""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime, time
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
from conversations.flows.progress import ticket_line
from storage.grids import Redeemed
from storage.tickets import NewTicket
from wechat.messages import ImageMessage, Inbound, Kind, LocationMessage, VoiceMessage

MENU_ID = "grid_menu"
REPORT_ID = "grid_report"
VISIT_ID = "grid_visit"
# Flows only a bound worker may be in: unbinding ends them at the next message.
WORKER_FLOWS = frozenset({MENU_ID, REPORT_ID, VISIT_ID})
RESIDENT_MENU_ID = "resident_menu"
URGENT_CATEGORIES = frozenset({"dispute", "hazard"})
PHOTOS_MAX = 9
_BIND = re.compile(r"^\s*绑定\s*[:：]?\s*(\d{6}|\d{8})\s*$")

GRID_CHOICES = tuple(Choice(k, v) for k, v in texts.GRID_MENU_ITEMS.items())
_CATEGORIES = tuple(Choice(k, v) for k, v in texts.GRID_CATEGORIES.items())
_URGENCY = tuple(Choice(k, v) for k, v in texts.GRID_URGENCY.items())
_SUBMIT = tuple(
    Choice(k, v, aliases=(*texts.WORDS_SUBMIT, *texts.WORDS_REPORT_DONE))
    if k == "submit"
    else Choice(k, v)
    for k, v in texts.SUBMIT_CHOICES.items()
)
ANYTHING = frozenset({Kind.TEXT, Kind.IMAGE, Kind.VOICE, Kind.LOCATION})


def bind_code(text: str | None) -> str | None:
    """The code in "绑定 123456" (typed or said)."""
    match = _BIND.match(text or "")
    return match[1] if match else None


async def bind(ctx: StepContext, code: str) -> str:
    """What to say after trying a binding code; wrong guesses are rationed per person."""
    guard = ctx.services.guesses
    if not await guard.allowed(ctx.appid, ctx.openid):
        return texts.BIND_TOO_MANY
    if len(code) == ctx.services.staff.LINK_DIGITS:  # a staff member linking their WeChat
        now = ctx.services.clock()
        member = await ctx.services.staff.link_wechat(code, ctx.appid, ctx.openid, now)
        if member is None:
            await guard.missed(ctx.appid, ctx.openid)
            return texts.STAFF_LINK_BAD
        return texts.STAFF_LINK_DONE.format(username=member.username)
    done = await ctx.services.grids.redeem(code, ctx.appid, ctx.openid, ctx.services.clock())
    if done.outcome in (Redeemed.UNKNOWN, Redeemed.EXPIRED, Redeemed.USED):
        await guard.missed(ctx.appid, ctx.openid)
    return {
        Redeemed.BOUND: texts.BIND_DONE,
        Redeemed.ALREADY: texts.BIND_ALREADY,
        Redeemed.UNKNOWN: texts.BIND_UNKNOWN,
        Redeemed.EXPIRED: texts.BIND_EXPIRED,
        Redeemed.USED: texts.BIND_USED,
    }[done.outcome].format(grid=done.grid)


# The grid menu -----------------------------------------------------------------------


def menu_question() -> Question:
    return Question(texts.GRID_MENU_TITLE, GRID_CHOICES, hint=texts.MENU_FOOTER)


async def _ask_menu(ctx: StepContext) -> Question:
    return menu_question()


def _starts_report(msg: Inbound) -> bool:
    return isinstance(msg, ImageMessage | LocationMessage) or (
        isinstance(msg, VoiceMessage) and pick(msg.text or "", GRID_CHOICES) is None
    )


async def menu_choice(ctx: StepContext, msg: Inbound) -> Outcome:
    """The grid menu's answer; a photo, a location or a voice note starts a report."""
    if _starts_report(msg):
        return await _report_from(ctx, msg, {})
    choice = pick(msg.text or "", GRID_CHOICES)
    if choice is None:
        return invalid_choice(len(GRID_CHOICES))
    if choice.key == "report":
        return StartFlow(REPORT_ID, data=await _new_report(ctx))
    if choice.key == "resident":
        return StartFlow(RESIDENT_MENU_ID)
    if choice.key == "visit":
        return StartFlow(VISIT_ID)
    if choice.key == "mine":
        return Finish(await _my_reports(ctx))
    return Finish(await _grid_events(ctx))


async def _my_reports(ctx: StepContext) -> str:
    person = await ctx.services.residents.profile(ctx.appid, ctx.openid)
    rows = await ctx.services.tickets.of_resident(person.resident_id, 8, kind="incident")
    if not rows:
        return texts.GRID_NO_REPORTS
    return "\n".join([texts.GRID_MY_REPORTS, *map(ticket_line, rows)])


async def _grid_events(ctx: StepContext) -> str:
    places = await ctx.services.grids.grids_of(ctx.appid, ctx.openid)
    villages = [g.village_id for g in places if g.village_id is not None]
    rows = await ctx.services.tickets.open_in_grids([g.id for g in places], villages, 8)
    if not rows:
        return texts.GRID_NO_EVENTS
    return "\n".join([texts.GRID_EVENTS, *map(ticket_line, rows)])


MENU = Flow(id=MENU_ID, version=1, steps=[Step("choose", _ask_menu, menu_choice, ANYTHING)])


# The resident menu, for a grid worker who wants it ------------------------------------


async def _ask_resident(ctx: StepContext) -> Question:
    from conversations.flows import menu

    return menu.question()


async def _resident(ctx: StepContext, msg: Inbound) -> Outcome:
    from conversations.flows import menu

    choice = pick(msg.text or "", menu.CHOICES)
    if choice is None:
        return invalid_choice(len(menu.CHOICES))
    return menu.choose(choice.key)


RESIDENT_MENU = Flow(
    id=RESIDENT_MENU_ID, version=1, steps=[Step("choose", _ask_resident, _resident)]
)


# 事件上报 ------------------------------------------------------------------------------


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


def _missing(data: dict[str, Any]) -> str:
    if not data.get("category"):
        return "category"
    if not data.get("words") and not data.get("voices"):
        return "words"
    if not data.get("photos") and not data.get("photos_skipped"):
        return "photos"
    if not data.get("location"):
        return "location"
    if data.get("category") in URGENT_CATEGORIES and data.get("urgent") is None:
        return "urgency"
    if len(data.get("grid_ids", [])) > 1 and not data.get("grid_id"):
        return "grid"
    return "confirm"


async def _report_from(ctx: StepContext, msg: Inbound, data: dict[str, Any]) -> Outcome:
    """Start a report with whatever the first message carried."""
    added, note = _taken(msg, data)
    merged = {**data, **added, **await _new_report(ctx)}
    return StartFlow(REPORT_ID, note=note, step=_missing(merged), data=merged)


async def _new_report(ctx: StepContext) -> dict[str, Any]:
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
    return Next(_missing({**ctx.data, **added}), added, note=note)


def _answer(ctx: StepContext, answer: dict[str, Any], note: str | None = None) -> Outcome:
    return Next(_missing({**ctx.data, **answer}), answer, note=note)


async def _ask_category(ctx: StepContext) -> Question:
    return Question(texts.GRID_ASK_CATEGORY, _CATEGORIES)


async def _category(ctx: StepContext, msg: Inbound) -> Outcome:
    choice = pick(msg.text or "", _CATEGORIES)
    if choice is None:
        return _keep(ctx, msg)
    answer: dict[str, Any] = {"category": choice.key}
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


async def _ask_urgency(ctx: StepContext) -> Question:
    return Question(texts.GRID_ASK_URGENT, _URGENCY)


async def _urgency(ctx: StepContext, msg: Inbound) -> Outcome:
    choice = pick(msg.text or "", _URGENCY)
    if choice is None:
        return _keep(ctx, msg)
    return _answer(ctx, {"urgent": choice.key == "urgent"})


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
    if d.get("urgent"):
        lines.append(texts.GRID_SUMMARY_URGENT)
    lines.append(texts.GRID_ADD_MORE)
    return Question("\n".join(lines), _SUBMIT)


async def _confirm(ctx: StepContext, msg: Inbound) -> Outcome:
    # Only a choice named outright submits: "好了，还有一棵树倒了" is more detail.
    choice = pick_exact(msg.text or "", _SUBMIT)
    if choice is None:  # a photo, a place, a voice note or words to add
        return _keep(ctx, msg)
    if choice.key == "restart":  # what was sent stays; the answers are asked again
        cleared = {"category": None, "urgent": None, "location": None, "photos_skipped": False}
        return Next("category", cleared)
    return await _submit(ctx)


async def _submit(ctx: StepContext) -> Outcome:
    services = ctx.services
    places = await services.grids.grids_of(ctx.appid, ctx.openid)
    if not places:  # unbound while reporting
        return Finish(texts.GRID_NOT_BOUND)
    d = ctx.data
    chosen = [g for g in places if g.id == d.get("grid_id")]
    grid = chosen[0] if chosen else places[0]
    person = await services.residents.profile(ctx.appid, ctx.openid)
    category = texts.GRID_CATEGORIES[d["category"]]
    files = [
        {"kind": "image", "media_id": p["media_id"], "url": p.get("url")}
        for p in d.get("photos", [])
    ]
    files += [
        {"kind": "voice", "media_id": v["media_id"], "text": v.get("text")}
        for v in d.get("voices", [])
    ]
    new = NewTicket(
        kind="incident",
        request_key=f"{ctx.appid}:{ctx.openid}:{d['key']}",
        resident_id=person.resident_id,
        township_id=grid.township_id,
        village_id=grid.village_id,
        title=texts.GRID_TICKET_TITLE.format(category=category),
        time_limit_days=services.feedback_days["incident"],
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
    ticket, _ = await services.tickets.create(
        new, now=services.clock(), message=services.ticket_message, alerts=services.ticket_alerts
    )
    reported = texts.GRID_REPORTED.format(number=ticket.number)
    if ticket.urgent and not await services.staff.on_duty_in(grid.township_id):
        # Nobody on duty has linked WeChat: say so, and how to reach someone now.
        reported += "\n" + texts.GRID_NOBODY_ON_DUTY.format(hotline=services.account.hotline)
    return Finish(reported)


REPORT = Flow(
    id=REPORT_ID,
    version=1,
    steps=[
        Step("category", _ask_category, _category, ANYTHING),
        Step("words", _ask_words, _words, ANYTHING),
        Step("photos", _ask_photos, _photos, ANYTHING),
        Step("location", _ask_location, _location, ANYTHING),
        Step("urgency", _ask_urgency, _urgency, ANYTHING),
        Step("grid", _ask_grid, _grid, ANYTHING),
        Step("confirm", _ask_confirm, _confirm, ANYTHING),
    ],
    help=texts.GRID_REPORT_HELP,
    hold=True,
)


# 走访登记 ------------------------------------------------------------------------------

VISIT_DAYS_BACK = 31  # a visit recorded up to a month later
_GROUPS = tuple(Choice(k, v) for k, v in texts.VISIT_GROUPS.items())
_HELP = tuple(Choice(k, v) for k, v in texts.VISIT_HELP_CHOICES.items())


async def _ask_group(ctx: StepContext) -> Question:
    return Question(texts.VISIT_ASK_GROUP, _GROUPS)


async def _group(ctx: StepContext, msg: Inbound) -> Outcome:
    choice = pick(msg.text or "", _GROUPS)
    if choice is None:
        return invalid_choice(len(_GROUPS))
    return Next("person", {"group": choice.key})


async def _ask_person(ctx: StepContext) -> Question:
    return Question(texts.VISIT_ASK_PERSON)


async def _person(ctx: StepContext, msg: Inbound) -> Outcome:
    name = answers.person_name(msg.text or "", texts.RESERVED_WORDS)
    if name is None:
        return Invalid(texts.VISIT_PERSON_BAD)
    return Next("when", {"person": name})


async def _ask_when(ctx: StepContext) -> Question:
    return Question(texts.VISIT_ASK_WHEN)


async def _when(ctx: StepContext, msg: Inbound) -> Outcome:
    today = ctx.services.clock().date()
    day = answers.day(msg.text or "", today)
    if day is None or day > today or (today - day).days > VISIT_DAYS_BACK:
        return Invalid(texts.VISIT_WHEN_BAD.format(days=VISIT_DAYS_BACK))
    return Next("findings", {"day": day.isoformat()})


async def _ask_findings(ctx: StepContext) -> Question:
    return Question(texts.VISIT_ASK_FINDINGS)


async def _findings(ctx: StepContext, msg: Inbound) -> Outcome:
    said = (msg.text or "").strip()
    if len(said) < 2:
        return Invalid(texts.GRID_WORDS_SHORT)
    if len(said) > 300:
        return Invalid(texts.TEXT_TOO_LONG.format(limit=300))
    return Next("health", {"findings": said})


async def _ask_health(ctx: StepContext) -> Question:
    return Question(texts.VISIT_ASK_HEALTH)


async def _health(ctx: StepContext, msg: Inbound) -> Outcome:
    said = (msg.text or "").strip()
    if answers.is_one_of(said, texts.WORDS_SKIP):
        said = ""
    elif len(said) > 300:
        return Invalid(texts.TEXT_TOO_LONG.format(limit=300))
    return Next("help", {"health": said})


async def _ask_help(ctx: StepContext) -> Question:
    return Question(texts.VISIT_ASK_HELP, _HELP)


async def _help(ctx: StepContext, msg: Inbound) -> Outcome:
    choice = pick(msg.text or "", _HELP)
    if choice is None:
        return invalid_choice(len(_HELP))
    return Next("visit_confirm", {"needs_help": choice.key == "yes"})


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
    return Question(text, _SUBMIT)


async def _visit_confirm(ctx: StepContext, msg: Inbound) -> Outcome:
    choice = pick(msg.text or "", _SUBMIT)
    if choice is None:
        return invalid_choice(len(_SUBMIT))
    if choice.key == "restart":
        return Next("group")
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


VISIT = Flow(
    id=VISIT_ID,
    version=1,
    steps=[
        Step("group", _ask_group, _group),
        Step("person", _ask_person, _person),
        Step("when", _ask_when, _when),
        Step("findings", _ask_findings, _findings),
        Step("health", _ask_health, _health),
        Step("help", _ask_help, _help),
        Step("visit_confirm", _ask_visit_confirm, _visit_confirm),
    ],
    hold=True,
)

"""Steps every request shares, whatever started it (办事 or 反映问题): registering the
person once, asking the item's questions, then a summary to confirm, to which photos,
voice notes and a location can be added, and on 确认 one ticket and its 受理编号.

A flow using these keeps in its data: ``kind``, ``title``, ``days`` (time limit),
``item_id`` or ``category``, ``questions`` (the item's), ``answers``, ``content``,
``files``, ``location``, and ``key`` (what makes a doubled 确认 find the same ticket)."""

from __future__ import annotations

import secrets
from datetime import date
from enum import StrEnum
from typing import Any

from conversations import answers, texts
from conversations.flow import (
    Choice,
    Finish,
    Invalid,
    Next,
    Outcome,
    Question,
    Step,
    StepContext,
    invalid_choice,
    pick,
)
from conversations.flows import details
from conversations.flows.details import Steps as Details
from storage.residents import Profile
from storage.tickets import NewTicket
from wechat.messages import (
    ImageMessage,
    Inbound,
    Kind,
    LocationMessage,
    VoiceMessage,
)


class Steps(StrEnum):
    QUESTION = "question"
    CONFIRM = "confirm"


CONTENT_MIN = 5
FILES_MAX = 9

_SUBMIT = tuple(
    Choice(k, v, aliases=(*texts.WORDS_SUBMIT, *texts.WORDS_YES)) if k == "submit" else Choice(k, v)
    for k, v in texts.SUBMIT_CHOICES.items()
)


def _skips(msg: Inbound) -> bool:
    return answers.is_one_of(msg.text, texts.WORDS_SKIP)


# Starting --------------------------------------------------------------------------


async def begin(ctx: StepContext, data: dict[str, Any]) -> Outcome:
    """Start a request with ``data`` (kind, title, days, questions…): register first if
    the person has not, then the questions (or ``data["after"]``)."""
    data = {
        "answers": [],
        "files": [],
        "location": None,
        "content": "",
        "qi": 0,
        "key": secrets.token_hex(8),
        **data,
    }
    first = Steps(data.get("after") or (Steps.QUESTION if data.get("questions") else Steps.CONFIRM))
    data["after"] = first
    person = await ctx.services.residents.profile(ctx.appid, ctx.openid)
    if person.complete:
        return Next(first, data)
    if person.consented:
        ahead = StepContext(ctx.appid, ctx.openid, {**ctx.data, **data}, ctx.services, ctx.flow)
        outcome = await _after_registration(ahead)
        assert isinstance(outcome, Next)
        return Next(outcome.step, {**data, **outcome.data})
    return Next(Details.CONSENT, data)


async def _after_registration(ctx: StepContext, note: str | None = None) -> Outcome:
    person = await ctx.services.residents.profile(ctx.appid, ctx.openid)
    if not person.name:
        return Next(Details.NAME, note=note)
    if not person.phone:
        return Next(Details.PHONE, note=note)
    if not person.village_id:
        own = await _own_township(ctx)
        if own is not None:  # the account's township: only its villages to choose from
            place = {"township_id": own, "township": ctx.services.account.township}
            return Next(Details.VILLAGE, place, note=note)
        return Next(Details.TOWNSHIP, note=note)
    after = Steps(str(ctx.data["after"]))
    if after is Steps.QUESTION and int(ctx.data.get("qi", 0)) >= len(ctx.data.get("questions", [])):
        after = Steps.CONFIRM  # registered again after the questions were answered
    return Next(after, note=note)


# Registering -----------------------------------------------------------------------


async def _consent(ctx: StepContext, msg: Inbound) -> Outcome:
    agreed = await details.consent(ctx, msg)
    if isinstance(agreed, Invalid):
        return agreed
    if not agreed:
        return Finish(texts.CONSENT_REFUSED_REQUEST.format(hotline=ctx.services.account.hotline))
    return await _after_registration(ctx)


async def _name(ctx: StepContext, msg: Inbound) -> Outcome:
    given = await details.name(ctx, msg)
    return given if isinstance(given, Invalid) else await _after_registration(ctx)


async def _phone(ctx: StepContext, msg: Inbound) -> Outcome:
    given = await details.phone(ctx, msg)
    return given if isinstance(given, Invalid) else await _after_registration(ctx)


async def _own_township(ctx: StepContext) -> int | None:
    """The township to choose a village in without asking: the account's own."""
    owner = ctx.services.account.township
    if not owner:
        return None
    for place in await ctx.services.residents.townships():
        if place.name == owner:
            return int(place.id)
    return None


async def _village(ctx: StepContext, msg: Inbound) -> Outcome:
    choice = await details.village(ctx, msg)
    if isinstance(choice, Invalid):
        return choice
    await ctx.services.residents.register(
        ctx.appid, ctx.openid, at=ctx.services.clock(), village_id=int(choice.key)
    )
    return await _after_registration(ctx)


# The item's questions ----------------------------------------------------------------


def _current(ctx: StepContext) -> dict[str, Any]:
    questions: list[dict[str, Any]] = ctx.data["questions"]
    return questions[int(ctx.data["qi"])]


def _choices(spec: dict[str, Any]) -> tuple[Choice, ...]:
    return tuple(Choice(str(i), label) for i, label in enumerate(spec.get("choices", []), 1))


async def _ask_question(ctx: StepContext) -> Question:
    spec = _current(ctx)
    count = len(ctx.data["questions"])
    text = texts.QUESTION_MARK.format(n=int(ctx.data["qi"]) + 1, count=count) + spec["text"]
    if not spec.get("required", True):
        text += texts.QUESTION_OPTIONAL
    if spec["type"] == "photo":
        text += "\n" + texts.QUESTION_PHOTO
    elif spec["type"] == "date":
        text += "\n" + texts.QUESTION_DATE
    if spec["type"] in ("single", "multi"):
        hint = texts.QUESTION_MULTI if spec["type"] == "multi" else texts.CHOICE_HINT
        return Question(text, _choices(spec), hint=hint)
    return Question(text)


def _read(spec: dict[str, Any], msg: Inbound, today: date) -> tuple[str, Any] | Invalid:
    """(what to show, what to keep) for one answer, or why it cannot be used."""
    kind = spec["type"]
    said = (msg.text or "").strip()
    if kind == "photo":
        if isinstance(msg, ImageMessage):
            return texts.ANSWER_PHOTO, {"media_id": msg.media_id, "url": msg.pic_url}
        return Invalid(texts.QUESTION_PHOTO_BAD)
    if not said:
        return Invalid(texts.NEED_TEXT)
    if kind == "number":
        return _read_number(spec, said)
    if kind == "date":
        return _read_date(said, today)
    if kind == "single":
        choice = pick(said, _choices(spec))
        if choice is None:
            return invalid_choice(len(spec["choices"]))
        return choice.label, choice.label
    if kind == "multi":
        picked = answers.several(said, _choices(spec))
        if picked is None:
            return invalid_choice(len(spec["choices"]))
        labels = [c.label for c in picked]
        return "、".join(labels), labels
    if len(said) > answers.TEXT_MAX:
        return Invalid(texts.TEXT_TOO_LONG.format(limit=answers.TEXT_MAX))
    return said, said


def _read_number(spec: dict[str, Any], said: str) -> tuple[str, Any] | Invalid:
    low, high = spec.get("min"), spec.get("max")
    value = answers.number(said, low, high)
    if value is None:
        span = (
            texts.NUMBER_RANGE.format(low=low, high=high)
            if low is not None and high is not None
            else ""
        )
        return Invalid(texts.NUMBER_BAD.format(range=span))
    return str(value), value


def _read_date(said: str, today: date) -> tuple[str, Any] | Invalid:
    when = answers.day(said, today)
    if when is None:
        return Invalid(texts.DATE_BAD)
    shown = texts.DAY_FULL.format(year=when.year, month=when.month, day=when.day)
    return shown, when.isoformat()


async def _question(ctx: StepContext, msg: Inbound) -> Outcome:
    spec = _current(ctx)
    if not spec.get("required", True) and _skips(msg):
        shown, kept = texts.ANSWER_SKIPPED, None
    else:
        read = _read(spec, msg, ctx.services.clock().date())
        if isinstance(read, Invalid):
            return read
        shown, kept = read
    given = [*ctx.data["answers"], {"key": spec["key"], "q": spec["text"], "a": shown, "v": kept}]
    qi = int(ctx.data["qi"]) + 1
    files = list(ctx.data["files"])
    if spec["type"] == "photo" and isinstance(kept, dict):
        files.append({"kind": "image", **kept})
    if qi < len(ctx.data["questions"]):
        return Next(Steps.QUESTION, {"answers": given, "qi": qi, "files": files})
    return Next(Steps.CONFIRM, {"answers": given, "qi": qi, "files": files})


# Confirming ------------------------------------------------------------------------------


def _short(text: str, limit: int) -> str:
    """Enough of a long answer to recognise it: the summary must fit one screen."""
    return text if len(text) <= limit else text[:limit] + "…"


async def _ask_confirm(ctx: StepContext) -> Question:
    person = await ctx.services.residents.profile(ctx.appid, ctx.openid)
    lines = [texts.SUMMARY_TITLE.format(title=ctx.data["title"])]
    if ctx.data.get("content"):
        lines.append(texts.SUMMARY_CONTENT.format(content=_short(ctx.data["content"], 80)))
    for given in ctx.data["answers"]:
        question = given["q"].rstrip("？?：:")
        lines.append(texts.SUMMARY_ANSWER.format(q=question, a=_short(given["a"], 30)))
    lines.append(
        texts.SUMMARY_CONTACT.format(
            name=person.name or "",
            phone=answers.mask_phone(person.phone or ""),
            place=f"{person.township or ''}{person.village or ''}",
        )
    )
    files = ctx.data["files"]
    photos = sum(1 for f in files if f["kind"] == "image")
    voices = sum(1 for f in files if f["kind"] == "voice")
    extras = []
    if photos:
        extras.append(texts.SUMMARY_PHOTOS.format(count=photos))
    if voices:
        extras.append(texts.SUMMARY_VOICES.format(count=voices))
    if ctx.data.get("location"):
        extras.append(texts.SUMMARY_LOCATION)
    if extras:
        lines.append(texts.SUMMARY_EXTRAS.format(extras="、".join(extras)))
    lines.append(texts.SUMMARY_ADD_MORE)
    return Question("\n".join(lines), _SUBMIT)


async def _confirm(ctx: StepContext, msg: Inbound) -> Outcome:
    files = list(ctx.data["files"])
    if isinstance(msg, ImageMessage | LocationMessage) or (
        isinstance(msg, VoiceMessage) and pick(msg.text or "", _SUBMIT) is None
    ):
        if isinstance(msg, LocationMessage):
            place = {"lat": msg.latitude, "lon": msg.longitude, "label": msg.label or ""}
            return Next(Steps.CONFIRM, {"location": place}, note=texts.GOT_LOCATION)
        if len(files) >= FILES_MAX:
            return Invalid(texts.TOO_MANY_FILES.format(limit=FILES_MAX))
        if isinstance(msg, ImageMessage):
            files.append({"kind": "image", "media_id": msg.media_id, "url": msg.pic_url})
            return Next(Steps.CONFIRM, {"files": files}, note=texts.GOT_PHOTO)
        assert isinstance(msg, VoiceMessage)
        files.append({"kind": "voice", "media_id": msg.media_id, "text": msg.text})
        return Next(Steps.CONFIRM, {"files": files}, note=texts.GOT_VOICE)
    choice = pick(msg.text or "", _SUBMIT)
    if choice is None:
        return invalid_choice(len(_SUBMIT))
    if choice.key == "restart":
        again = ctx.data.get("restart")
        if again:  # a flow's own first step for its words (反映问题: what happened)
            return Next(ctx.flow.named(str(again)), {"files": [], "location": None, "content": ""})
        return await begin(ctx, {k: ctx.data[k] for k in _KEEP if k in ctx.data})
    return await _submit(ctx)


# What identifies the request itself, kept when the person starts filling it in again.
_KEEP = ("kind", "title", "days", "item_id", "category", "questions", "home_visit", "after")


async def _submit(ctx: StepContext) -> Outcome:
    services = ctx.services
    person = await services.residents.profile(ctx.appid, ctx.openid)
    if not person.complete or person.township_id is None:  # deleted in the meantime
        return await _after_registration(ctx, note=texts.NEED_DETAILS_AGAIN)
    ticket, _ = await services.tickets.create(
        _ticket(ctx, person, person.township_id),
        now=services.clock(),
        message=services.ticket_message,
        alerts=services.ticket_alerts,
    )
    after = (
        texts.TICKET_NEXT_SERVICE.format(days=ticket.time_limit_days)
        if ticket.kind == "service"
        else texts.TICKET_NEXT_FEEDBACK
    )
    return Finish(texts.TICKET_CREATED.format(number=ticket.number, next=after))


def _ticket(ctx: StepContext, person: Profile, township_id: int) -> NewTicket:
    """The request the answers make, from the person's own township."""
    data = ctx.data
    files = [{k: f.get(k) for k in ("kind", "media_id", "url", "text")} for f in data["files"]]
    return NewTicket(
        kind=str(data["kind"]),
        request_key=f"{ctx.appid}:{ctx.openid}:{data['key']}",
        resident_id=person.resident_id,
        township_id=township_id,
        village_id=person.village_id,
        title=str(data["title"]),
        time_limit_days=int(data["days"]),
        item_id=data.get("item_id"),
        category=data.get("category"),
        content=str(data.get("content") or ""),
        answers=[{"key": a["key"], "q": a["q"], "a": a["a"], "v": a["v"]} for a in data["answers"]],
        location=data.get("location"),
        home_visit=bool(data.get("home_visit")),
        contact_name=person.name or "",
        contact_phone=person.phone or "",
        attachments=files,
    )


MEDIA = frozenset({Kind.TEXT, Kind.IMAGE, Kind.VOICE, Kind.LOCATION})


def steps() -> list[Step]:
    """The shared steps, to put after a flow's own."""
    return [
        Step(Details.CONSENT, details.ask_consent, _consent),
        Step(Details.NAME, details.ask_name, _name),
        Step(Details.PHONE, details.ask_phone, _phone),
        Step(Details.TOWNSHIP, details.ask_township, details.township),
        Step(Details.VILLAGE, details.ask_village, _village),
        Step(Steps.QUESTION, _ask_question, _question, MEDIA),
        Step(Steps.CONFIRM, _ask_confirm, _confirm, MEDIA),
    ]

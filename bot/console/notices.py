"""通知公告: the notices a person may read, newest first; a form to write a draft within
their jurisdiction; publish, retract and resend as the notice's state and their role
allow; and each notice's delivery report with a chart of sends over time."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from multidict import MultiDictProxy

from bot import keys
from bot.console.pages import Handler, refused_page, render
from bot.console.visits import Visit, form_of, signed_in
from bot.desk import notices as desk
from bot.desk.fields import ID_MAX
from bot.desk.notice_shapes import (
    Notice,
    NoticeList,
    NoticeQuery,
    SentOverTime,
    draft_shape,
)
from bot.desk.reading import read
from bot.desk.refused import Refused
from conversations import texts
from notifications.dispatcher import wake
from storage.clock import BEIJING
from storage.models import Township, Village

PREFIX = "/console/notices"
# A draft form's fields, as the draft's shape names them (bot.desk.notice_shapes).
_FIELDS = ("title", "body", "area", "scope", "township", "village", "link", "scheduled_at")
_WORDS = texts.CONSOLE_NOTICES


def routes() -> list[tuple[str, str, Handler]]:
    return [
        ("GET", PREFIX, notices_page),
        ("GET", f"{PREFIX}/new", new_page),
        ("POST", PREFIX, create),
        ("GET", PREFIX + "/{id:[0-9]+}", notice_page),
        ("POST", PREFIX + "/{id:[0-9]+}/{action}", act),
    ]


def _render(request: web.Request, template: str, visit: Visit, **context: Any) -> web.Response:
    return render(
        request,
        template,
        visit,
        n=_WORDS,
        areas=texts.NOTICE_AREAS,
        channels=texts.CHANNEL_NAMES,
        x=texts.CONSOLE_EXPORT,
        **context,
    )


# The list -------------------------------------------------------------------------------


async def notices_page(request: web.Request) -> web.Response:
    visit = await signed_in(request)
    error, status = "", 200
    try:
        query = read(NoticeQuery, _once(request))
        found = await desk.page(visit.member, query)
    except Refused as refused:  # a tampered page link: said, and nothing listed
        error, status = refused.message, refused.status
        query, found = NoticeQuery(), NoticeList(notices=[])
    full = len(found.notices) == query.limit
    return _render(
        request,
        "notices.html",
        visit,
        status=status,
        error=error,
        found=found,
        may_write=bool(desk.scopes_for(visit.member)),
        next_link=_list_link(query, found.notices[-1].id) if full else "",
        first_link=PREFIX if query.before is not None else "",
    )


def _once(request: web.Request) -> dict[str, str]:
    """The list's query as given (an empty field means "any"); a value given twice is
    Refused (400) in words naming it, not guessed."""
    query = request.query
    for name in query:
        if len(query.getall(name)) > 1:
            why = texts.STAFF_FIELD_BAD.format(field=name, why=texts.STAFF_WHY_ONCE)
            raise Refused(400, why, field=name)
    return {k: v for k, v in query.items() if v.strip()}


def _list_link(query: NoticeQuery, before: int) -> str:
    kept = {"limit": str(query.limit)} if query.limit != NoticeQuery().limit else {}
    return f"{PREFIX}?" + urlencode({**kept, "before": str(before)})


# Writing a draft --------------------------------------------------------------------------


async def new_page(request: web.Request) -> web.Response:
    visit = await signed_in(request)
    return await _form(request, visit)


async def _form(
    request: web.Request,
    visit: Visit,
    *,
    typed: dict[str, str] | None = None,
    error: str = "",
    field: str = "",
    status: int = 200,
) -> web.Response:
    scopes = desk.scopes_for(visit.member)
    if not scopes:
        raise await refused_page(request, 403, _WORDS["cannot_write"], visit)
    townships = Township.all().order_by("id")
    if visit.member.township_id is not None:
        townships = townships.filter(id=visit.member.township_id)
    places = await townships
    villages = await Village.filter(township_id__in=[t.id for t in places]).order_by("id")
    limits = request.app[keys.SETTINGS].notices
    return _render(
        request,
        "notice_form.html",
        visit,
        status=status,
        typed=typed or {"scope": scopes[0], "area": "announcement"},
        error=error,
        field=field if field in _FIELDS else "",
        scopes=scopes,
        townships=[t.name for t in places],
        villages=sorted({v.name for v in villages}),
        title_max=limits.title_max,
        body_max=limits.body_max,
    )


def _draft_of(form: MultiDictProxy[str]) -> tuple[dict[str, str], dict[str, str]]:
    """What was typed (to show again) and the draft it says: a township and village only
    for the scopes that name them, and the optional fields only when filled in."""
    typed = {name: form.get(name, "") for name in _FIELDS}
    given = {name: typed[name] for name in ("title", "body", "area", "scope")}
    scope = typed["scope"]
    if scope in ("township", "village"):
        given["township"] = typed["township"]
    if scope == "village":
        given["village"] = typed["village"]
    for name in ("link", "scheduled_at"):
        if typed[name].strip():
            given[name] = typed[name].strip()
    return typed, given


async def create(request: web.Request) -> web.Response:
    visit = await signed_in(request)
    form = await form_of(request, visit)
    typed, given = _draft_of(form)
    app = request.app
    try:
        notice = await desk.create(
            visit.member, given, draft_shape(app[keys.SETTINGS]), app[keys.CLOCK]()
        )
    except Refused as refused:
        field = str(refused.extra.get("field", ""))
        said = _in_words(refused.message, field)
        return await _form(
            request, visit, typed=typed, error=said, field=field, status=refused.status
        )
    raise web.HTTPSeeOther(f"{PREFIX}/{notice.id}?done=create")


def _in_words(message: str, field: str) -> str:
    """The refusal with the field called what the form calls it: the API's sentences
    name a field as its JSON does ("title 不能为空"), the form by its label."""
    label = _WORDS.get(f"name_{field}")
    if label and message.startswith(field):
        return label + message[len(field) :]
    return message


# One notice: its actions and its report ---------------------------------------------------


def _notice_id(request: web.Request) -> int | None:
    value = request.match_info["id"]
    number = int(value) if len(value) <= 20 else 0
    return number if 0 < number <= ID_MAX else None


async def notice_page(request: web.Request) -> web.Response:
    visit = await signed_in(request)
    done = request.query.get("done", "")
    said = _WORDS[f"done_{done}"] if done in ("create", *desk.ACTIONS) else ""
    return await _notice(request, visit, messages=(said,) if said else ())


async def _notice(
    request: web.Request,
    visit: Visit,
    *,
    messages: tuple[str, ...] = (),
    error: str = "",
    status: int = 200,
) -> web.Response:
    notice_id = _notice_id(request)
    try:
        if notice_id is None:
            raise Refused(404, texts.STAFF_NOTICE_NOT_FOUND)
        row = await desk.find(visit.member, notice_id)
    except Refused:
        raise await refused_page(request, 404, _WORDS["not_found"], visit) from None
    notice = await desk.detail(row)
    report = await desk.report_of(row)
    return _render(
        request,
        "notice.html",
        visit,
        status=status,
        messages=messages,
        error=error,
        notice=notice,
        report=report,
        actions=desk.actions_for(visit.member, row, notice.deliveries),
        chart=chart(report.over_time),
    )


_ACTS: dict[str, Callable[[Any, int, datetime], Awaitable[Notice]]] = {
    "publish": desk.publish,
    "retract": desk.retract,
    "resend": desk.resend,
}
assert set(_ACTS) == set(desk.ACTIONS), "an action without its operation"


async def act(request: web.Request) -> web.Response:
    visit = await signed_in(request)
    await form_of(request, visit)
    action, notice_id = request.match_info["action"], _notice_id(request)
    operation = _ACTS.get(action)
    if operation is None or notice_id is None:
        raise await refused_page(request, 404, _WORDS["not_found"], visit)
    app = request.app
    try:
        await operation(visit.member, notice_id, app[keys.CLOCK]())
    except Refused as refused:
        if refused.status == 404:
            raise await refused_page(request, 404, _WORDS["not_found"], visit) from None
        return await _notice(request, visit, error=refused.message, status=refused.status)
    if action == "publish":
        app[keys.FANOUT].poke()
    elif action == "resend":
        await wake(app[keys.REDIS])
    raise web.HTTPSeeOther(f"{PREFIX}/{notice_id}?done={action}")


# The chart --------------------------------------------------------------------------------

# The drawing's own units (the SVG scales to the page's width).
WIDTH, HEIGHT = 360, 150
LEFT, BOTTOM, TOP = 34, 22, 8
MIN_SLOTS = 12


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # when it starts and how many, read by a screen reader or on hover


@dataclass(frozen=True)
class Tick:
    x: float
    label: str
    anchor: str  # SVG text-anchor: the first and last stay inside the drawing


@dataclass(frozen=True)
class Chart:
    """A bar chart of sends over time, drawn in the template as inline SVG."""

    bars: list[Bar]
    ticks: list[Tick]
    peak: int
    caption: str
    rows: list[tuple[str, int]]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    base: int = HEIGHT - BOTTOM
    top: int = TOP


def chart(over_time: SentOverTime) -> Chart | None:
    """The geometry of the sends-over-time chart; None when nothing was sent yet."""
    buckets = over_time.buckets
    if not buckets:
        return None
    peak = max(b.sent for b in buckets) or 1
    plot_w, plot_h = WIDTH - LEFT - 4, HEIGHT - BOTTOM - TOP
    # At least MIN_SLOTS wide each, so one busy minute is a bar, not the whole chart.
    step = plot_w / max(len(buckets), MIN_SLOTS)
    gap = min(2.0, step * 0.2)
    shown = [_clock(b.start, over_time.bucket_seconds) for b in buckets]
    bars = []
    for i, b in enumerate(buckets):
        h = round(plot_h * b.sent / peak, 2)
        bars.append(
            Bar(
                x=round(LEFT + i * step + gap / 2, 2),
                y=round(HEIGHT - BOTTOM - h, 2),
                width=round(step - gap, 2),
                height=h,
                label=_WORDS["bar"].format(at=shown[i], n=b.sent),
            )
        )
    marks = sorted({0, len(buckets) // 2, len(buckets) - 1})
    ticks = [
        Tick(
            x=round(LEFT + (i + 0.5) * step, 2) if 0 < i < len(buckets) - 1 else _edge(i, step),
            label=shown[i],
            anchor="start" if i == 0 else ("end" if i == len(buckets) - 1 else "middle"),
        )
        for i in marks
    ]
    caption = _WORDS["chart_label"].format(
        bucket=_span(over_time.bucket_seconds), first=shown[0], last=shown[-1]
    )
    return Chart(bars, ticks, peak, caption, [(shown[i], b.sent) for i, b in enumerate(buckets)])


def _edge(i: int, step: float) -> float:
    return float(LEFT) if i == 0 else round(LEFT + (i + 1) * step, 2)


def _clock(start: datetime, width: int) -> str:
    local = start.astimezone(BEIJING)
    return local.strftime("%m-%d" if width >= 86400 else "%m-%d %H:%M")


def _span(seconds: int) -> str:
    if seconds >= 86400:
        return _WORDS["bucket_days"].format(n=seconds // 86400)
    if seconds >= 3600:
        return _WORDS["bucket_hours"].format(n=seconds // 3600)
    return _WORDS["bucket_minutes"].format(n=seconds // 60)

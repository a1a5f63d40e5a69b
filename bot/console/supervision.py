"""督办: the 督办单 a person may see, by state, newest first; one order with the answer
(反馈) and 销号 forms where the person may take them; and, from the ticket page, issuing
an order (督办) and recording a follow-up (回访)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from multidict import MultiMapping

from bot import keys
from bot.console import ticket
from bot.console.pages import Handler, formed, refused_page, render
from bot.console.visits import Visit, form_of, signed_in
from bot.desk import follow_ups
from bot.desk import supervision as desk
from bot.desk.fields import ID_MAX
from bot.desk.reading import read
from bot.desk.refused import Refused
from bot.desk.supervision_shapes import OrderList, OrderQuery
from bot.work import work
from conversations import texts
from notifications.dispatcher import wake
from storage.clock import local_day

PREFIX = "/console/supervision"
_WORDS = texts.CONSOLE_SUPERVISION
_STEPS = {"answer": desk.answer, "close": desk.close}


def routes() -> list[tuple[str, str, Handler]]:
    """The 督办 pages, and the ticket page's two forms (before the ticket's own actions,
    whose {action} would take their paths)."""
    return [
        ("GET", PREFIX, orders_page),
        ("GET", PREFIX + "/{id:[0-9]+}", order_page),
        ("POST", PREFIX + "/{id:[0-9]+}/{step}", step),
        ("POST", "/console/tickets/{number}/supervise", supervise),
        ("POST", "/console/tickets/{number}/follow-up", follow_up),
    ]


def _render(request: web.Request, template: str, visit: Visit, **context: Any) -> web.Response:
    return render(request, template, visit, s=_WORDS, states=texts.SUPERVISION_STATES, **context)


# The list -------------------------------------------------------------------------------


async def orders_page(request: web.Request) -> web.Response:
    visit = await signed_in(request)
    app = request.app
    error, status = "", 200
    try:
        query = read(OrderQuery, _once(request.query))
        found = await desk.page(
            visit.member,
            query,
            today=local_day(app[keys.CLOCK]()),
            page_size=app[keys.SETTINGS].tickets.page_size,
        )
    except Refused as refused:  # a tampered link: said, and nothing listed
        error, status = refused.message, refused.status
        query, found = OrderQuery(), OrderList(orders=[], next=None)
    kept = {"state": query.state} if query.state else {}
    return _render(
        request,
        "supervision.html",
        visit,
        status=status,
        error=error,
        found=found,
        given=kept,
        next_link=f"{PREFIX}?" + urlencode({**kept, "before": found.next}) if found.next else "",
        first_link=f"{PREFIX}?" + urlencode(kept) if query.before else "",
    )


def _once(query: MultiMapping[str]) -> dict[str, str]:
    """The filters as given (an empty field means "any"); one given twice is refused."""
    for name in query:
        if len(query.getall(name)) > 1:
            why = texts.STAFF_FIELD_BAD.format(field=name, why=texts.STAFF_WHY_ONCE)
            raise Refused(400, why, field=name)
    return {k: v for k, v in query.items() if v.strip()}


# One order ------------------------------------------------------------------------------


def _order_id(request: web.Request) -> int:
    value = request.match_info["id"]
    number = int(value) if len(value) <= 20 else 0
    if not 0 < number <= ID_MAX:
        raise Refused(404, texts.STAFF_ORDER_NOT_FOUND)
    return number


async def order_page(request: web.Request) -> web.Response:
    visit = await signed_in(request)
    done = request.query.get("done", "")
    said = _WORDS[f"done_{done}"] if done in _STEPS else ""
    return await _order(request, visit, messages=(said,) if said else ())


async def _order(
    request: web.Request,
    visit: Visit,
    *,
    messages: tuple[str, ...] = (),
    error: str = "",
    status: int = 200,
    typed: dict[str, str] | None = None,
) -> web.Response:
    try:
        row = await desk.find(visit.member, _order_id(request))
    except Refused:
        raise await refused_page(request, 404, _WORDS["not_found"], visit) from None
    today = local_day(request.app[keys.CLOCK]())
    return _render(
        request,
        "order.html",
        visit,
        status=status,
        messages=messages,
        error=error,
        typed=typed or {},
        o=await desk.show(visit.member, row.id, today),
        steps=desk.steps_for(visit.member, row),
    )


async def step(request: web.Request) -> web.Response:
    """反馈 or 销号 from the order page; a refusal said on the page, what was typed kept."""
    visit = await signed_in(request)
    form = await form_of(request, visit)
    name = request.match_info["step"]
    operation = _STEPS.get(name)
    if operation is None:
        raise await refused_page(request, 404, _WORDS["not_found"], visit)
    order_id = _order_id(request)
    field = "answer" if name == "answer" else "note"
    body = {field: form.get(field, "")} if name == "answer" or form.get(field, "").strip() else {}
    try:
        await operation(visit.member, order_id, formed(body), request.app[keys.CLOCK]())
    except Refused as refused:
        if refused.status == 404:
            raise await refused_page(request, 404, _WORDS["not_found"], visit) from None
        typed = {k: str(v) for k, v in body.items()}
        return await _order(
            request, visit, error=refused.message, status=refused.status, typed=typed
        )
    raise web.HTTPSeeOther(f"{PREFIX}/{order_id}?done={name}")


# From the ticket page -------------------------------------------------------------------


async def supervise(request: web.Request) -> web.Response:
    """督办 from the ticket page: the reason and, if given, the answer-by day."""
    visit = await signed_in(request)
    form = await form_of(request, visit)
    number = request.match_info["number"]
    body = {"reason": form.get("reason", "")}
    if form.get("answer_by", "").strip():
        body["answer_by"] = form.get("answer_by", "").strip()
    app = request.app
    try:
        await desk.issue(
            visit.member,
            number,
            formed(body),
            now=app[keys.CLOCK](),
            calendar=app[keys.WORK_CALENDAR],
            answer_days=app[keys.SETTINGS].supervision.answer_days,
        )
    except Refused as refused:
        return await _refused_on_ticket(request, visit, refused, "supervise", body)
    raise web.HTTPSeeOther(f"/console/tickets/{number}?done=supervise")


async def follow_up(request: web.Request) -> web.Response:
    """回访 from the ticket page: solved is a yes or no, satisfaction a score or none."""
    visit = await signed_in(request)
    form = await form_of(request, visit)
    number = request.match_info["number"]
    solved = form.get("solved", "")
    body: dict[str, Any] = {
        "method": form.get("method", ""),
        # Anything but yes or no is passed on as typed, for the shape to refuse in words.
        "solved": {"true": True, "false": False}.get(solved, solved),
    }
    score = form.get("satisfaction", "").strip()
    if score:
        body["satisfaction"] = int(score) if score.isdigit() and len(score) < 3 else score
    if form.get("note", "").strip():
        body["note"] = form.get("note", "")
    app = request.app
    try:
        await follow_ups.record(visit.member, number, formed(body), work(app))
    except Refused as refused:
        return await _refused_on_ticket(request, visit, refused, "follow-up", body)
    await wake(app[keys.REDIS])  # a follow-up that reopens the ticket tells the resident
    raise web.HTTPSeeOther(f"/console/tickets/{number}?done=follow-up")


async def _refused_on_ticket(
    request: web.Request, visit: Visit, refused: Refused, form: str, body: dict[str, Any]
) -> web.Response:
    """The ticket page again with the sentence, and what was typed back in its form (named
    apart from the ticket's own forms' fields, which share names like reason)."""
    if refused.status == 404:
        raise await refused_page(request, 404, texts.CONSOLE["ticket_not_found"], visit)
    typed = {f"{form}.{k}": str(v) for k, v in body.items()}
    return await ticket.ticket_page(
        request, visit, error=refused.message, status=refused.status, typed=typed
    )

"""工单: the queue with its filters, newest first, a page at a time; bulk assignment of
the ticked tickets to a unit; and the rows a live queue adds when new requests arrive."""

from __future__ import annotations

from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode

from aiohttp import web
from multidict import MultiDictProxy

from bot import keys
from bot.console.pages import formed, render
from bot.console.visits import Visit, form_of, signed_in
from bot.desk import supervision
from bot.desk import tickets as desk
from bot.desk.reading import read
from bot.desk.refused import Refused
from bot.desk.ticket_shapes import TicketFilter, TicketList, TicketQuery
from bot.work import work
from conversations import texts
from notifications.dispatcher import wake
from storage.clock import local_day

Q = TypeVar("Q", bound=TicketFilter)
# Filters a page's links carry on (the paging ones are the page's own).
_PAGING = frozenset({"before", "after", "limit"})
# The most tickets one bulk assignment takes: a page's worth, with room.
BULK_MAX = 100
# Open 督办单 shown above the tickets, the soonest due first (the 督办 page has them all).
ORDERS_SHOWN = 20


def _query(pairs: list[tuple[str, str]]) -> TicketQuery:
    return query_of(pairs, TicketQuery)


def query_of(pairs: list[tuple[str, str]], shape: type[Q]) -> Q:
    """The filters as given, read as ``shape`` (a page's query, or only the filters for
    an export); a form's empty fields mean "any". A value given twice, or one the shape
    refuses, is Refused (400) in words naming the field."""
    given: dict[str, str] = {}
    for name, value in pairs:
        if name in given:
            raise Refused(
                400, texts.STAFF_FIELD_BAD.format(field=name, why=texts.STAFF_WHY_ONCE), field=name
            )
        given[name] = value
    return read(shape, {k: v for k, v in given.items() if v.strip()})


def _kept(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(k, v) for k, v in pairs if k not in _PAGING and v.strip()]


async def _page(request: web.Request, visit: Visit, query: TicketQuery) -> TicketList:
    app = request.app
    return await desk.page(
        visit.member,
        query,
        today=local_day(app[keys.CLOCK]()),
        deadlines=app[keys.DEADLINES],
        page_size=app[keys.SETTINGS].tickets.page_size,
    )


async def queue(request: web.Request) -> web.Response:
    visit = await signed_in(request)
    pairs = [(k, v) for k, v in request.query.items() if k != "gone"]
    gone = request.query.get("gone", "")
    said: tuple[str, ...] = ()
    if gone in desk.ACTION_ROLES:  # after an action that took the ticket out of reach
        said = (texts.CONSOLE["gone"].format(action=texts.TICKET_ACTIONS[gone]),)
    return await _queue(request, visit, pairs, messages=said)


async def _queue(
    request: web.Request,
    visit: Visit,
    pairs: list[tuple[str, str]],
    *,
    messages: tuple[str, ...] = (),
    status: int = 200,
) -> web.Response:
    kept = _kept(pairs)
    error = ""
    try:
        query = _query(pairs)
        found = await _page(request, visit, query)
    except Refused as refused:  # a tampered or mistyped filter: said, and nothing listed
        error, status = refused.message, refused.status
        query, found = TicketQuery(), TicketList(tickets=[], next=None, newest=None)
    app = request.app
    return render(
        request,
        "queue.html",
        visit,
        status=status,
        orders=await supervision.waiting(visit.member, local_day(app[keys.CLOCK]()), ORDERS_SHOWN),
        s=texts.CONSOLE_SUPERVISION,
        error=error,
        messages=messages,
        found=found,
        given=dict(kept),
        filters=urlencode(kept),
        next_link=_link(kept, before=found.next) if found.next else "",
        first_link=_link(kept) if query.before else "",
        choices=await desk.choices(visit.member),
        can_assign=visit.member.role in desk.ACTION_ROLES["assign"],
        deadline_names=texts.CONSOLE_DEADLINE_STATE,
        live_seconds=app[keys.SETTINGS].console.live_seconds,
        x=texts.CONSOLE_EXPORT,
    )


def _link(kept: list[tuple[str, str]], **more: str) -> str:
    return "/console/tickets?" + urlencode([*kept, *more.items()])


async def rows(request: web.Request) -> web.Response:
    """Only the rows: what a live queue puts at its top (``after`` = its newest)."""
    visit = await signed_in(request)
    try:
        found = await _page(request, visit, _query(list(request.query.items())))
    except Refused as refused:
        raise web.HTTPBadRequest(text=refused.message) from None
    response = render(
        request,
        "_rows.html",
        visit,
        found=found,
        can_assign=visit.member.role in desk.ACTION_ROLES["assign"],
        deadline_names=texts.CONSOLE_DEADLINE_STATE,
    )
    if found.newest:
        response.headers["X-Newest"] = found.newest
    return response


async def bulk_assign(request: web.Request) -> web.Response:
    """转办 of every ticked ticket to one unit: each is its own action under the same
    rules as one at a time; the ones that could not be moved are named with why."""
    visit = await signed_in(request)
    form = await form_of(request, visit)
    back = parse_qsl(_one(form, "back"), keep_blank_values=False)
    numbers = list(dict.fromkeys(form.getall("number", [])))[:BULK_MAX]
    unit = _one(form, "unit")
    if not numbers:
        return await _queue(request, visit, back, messages=(texts.CONSOLE["bulk_none"],))
    app = request.app
    done, failed = 0, []
    body: dict[str, Any] = {"unit": unit}
    for number in numbers:
        try:
            await desk.act(visit.member, number, "assign", formed(body), work(app))
            done += 1
        except Refused as refused:
            failed.append(texts.CONSOLE["bulk_failed"].format(number=number, why=refused.message))
    if done:
        await wake(app[keys.REDIS])
    said = (texts.CONSOLE["bulk_done"].format(done=done), *failed)
    return await _queue(request, visit, back, messages=said, status=200 if done else 400)


def _one(form: MultiDictProxy[str], name: str) -> str:
    return form.get(name, "")

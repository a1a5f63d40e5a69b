"""导出: the files behind the console's 导出Excel / 导出CSV links (the queue with its
current filters, a grid's visit ledger, a notice's report, the scoreboard), as the
staff API sends them (bot.download); reading only, so plain GETs of the signed-in
session."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web
from pydantic import ValidationError

from bot import keys
from bot.console.pages import Handler
from bot.console.queue import query_of
from bot.console.visits import signed_in
from bot.desk import (
    order_export,
    report_export,
    scoreboard_export,
    ticket_export,
    visit_export,
)
from bot.desk.grid_shapes import GridRef
from bot.desk.notice_shapes import NoticeRef
from bot.desk.reading import read
from bot.desk.refused import Refused
from bot.desk.scoreboard_shapes import ScoreboardQuery
from bot.desk.ticket_shapes import TicketFilter
from bot.download import send
from bot.work import scoreboard_rules
from conversations import texts
from storage.clock import local_day

PREFIX = "/console/exports"


def routes() -> list[tuple[str, str, Handler]]:
    return [
        ("GET", f"{PREFIX}/tickets.{{kind:xlsx|csv}}", tickets),
        ("GET", f"{PREFIX}/grids/{{id}}/visits.xlsx", visits),
        ("GET", f"{PREFIX}/notices/{{id}}/report.xlsx", report),
        ("GET", f"{PREFIX}/scoreboard.xlsx", board),
        ("GET", f"{PREFIX}/orders.xlsx", orders),
    ]


def _id(request: web.Request, shape: type[GridRef] | type[NoticeRef], not_found: str) -> int:
    """The address's id; one that cannot be an id names nothing (404)."""
    try:
        return shape.model_validate({"id": request.match_info["id"]}).id
    except ValidationError:
        raise Refused(404, not_found) from None


async def tickets(request: web.Request) -> web.StreamResponse:
    visit = await signed_in(request)
    kind = request.match_info["kind"]
    app = request.app
    export = await ticket_export.tickets(
        visit.member,
        query_of(list(request.query.items()), TicketFilter),
        kind,
        now=app[keys.CLOCK](),
        deadlines=app[keys.DEADLINES],
        rows_max=app[keys.SETTINGS].staff.export_rows_max,
    )
    return await send(request, export, kind)


@asynccontextmanager
async def _missing_says(words: str) -> AsyncIterator[None]:
    """Not there or not theirs, in the words the console's own page for it uses."""
    try:
        yield
    except Refused as refused:
        if refused.status != 404:
            raise
        raise Refused(404, words) from None


async def visits(request: web.Request) -> web.StreamResponse:
    visit = await signed_in(request)
    app = request.app
    missing = texts.CONSOLE_GRIDS["grid_not_found"]
    async with _missing_says(missing):
        export = await visit_export.visits(
            visit.member,
            _id(request, GridRef, missing),
            now=app[keys.CLOCK](),
            rows_max=app[keys.SETTINGS].staff.export_rows_max,
        )
    return await send(request, export, "xlsx")


async def report(request: web.Request) -> web.StreamResponse:
    visit = await signed_in(request)
    missing = texts.CONSOLE_NOTICES["not_found"]
    async with _missing_says(missing):
        notice_id = _id(request, NoticeRef, missing)
        export = await report_export.report(visit.member, notice_id, now=request.app[keys.CLOCK]())
    return await send(request, export, "xlsx")


async def board(request: web.Request) -> web.StreamResponse:
    visit = await signed_in(request)
    app = request.app
    now = app[keys.CLOCK]()
    query = read(ScoreboardQuery, dict(request.query))
    export = await scoreboard_export.board(
        visit.member, query, local_day(now), scoreboard_rules(app), now=now
    )
    return await send(request, export, "xlsx")


async def orders(request: web.Request) -> web.StreamResponse:
    visit = await signed_in(request)
    app = request.app
    export = await order_export.open_orders(
        visit.member, now=app[keys.CLOCK](), rows_max=app[keys.SETTINGS].staff.export_rows_max
    )
    return await send(request, export, "xlsx")

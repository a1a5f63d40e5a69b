"""Exports for staff over HTTP: the tickets of a queue's filter as Excel or CSV, a grid's
visit ledger and a notice's delivery report as Excel; each within the caller's
jurisdiction as its list is, each an audited read (bot.desk.*_export)."""

from __future__ import annotations

from aiohttp import web

from bot import keys
from bot.api.auth import caller
from bot.api.inputs import read_path, read_query
from bot.api.routes import Operation
from bot.desk import (
    order_export,
    report_export,
    scoreboard_export,
    ticket_export,
    visit_export,
)
from bot.desk.grid_shapes import GridRef
from bot.desk.notice_shapes import NoticeRef
from bot.desk.scoreboard_shapes import ScoreboardQuery
from bot.desk.ticket_shapes import TicketFilter
from bot.desk.workbook import CSV, XLSX
from bot.download import send
from bot.work import scoreboard_rules
from conversations import texts
from storage.clock import local_day


async def tickets(request: web.Request) -> web.StreamResponse:
    member = await caller(request)
    kind = request.path.rsplit(".", 1)[1]
    app = request.app
    export = await ticket_export.tickets(
        member,
        read_query(request, TicketFilter),
        kind,
        now=app[keys.CLOCK](),
        deadlines=app[keys.DEADLINES],
        rows_max=app[keys.SETTINGS].staff.export_rows_max,
    )
    return await send(request, export, kind)


async def visits(request: web.Request) -> web.StreamResponse:
    member = await caller(request)
    grid_id = read_path(request, GridRef, texts.STAFF_GRID_NOT_FOUND).id
    app = request.app
    export = await visit_export.visits(
        member,
        grid_id,
        now=app[keys.CLOCK](),
        rows_max=app[keys.SETTINGS].staff.export_rows_max,
    )
    return await send(request, export, "xlsx")


async def report(request: web.Request) -> web.StreamResponse:
    member = await caller(request)
    notice_id = read_path(request, NoticeRef, texts.STAFF_NOTICE_NOT_FOUND).id
    export = await report_export.report(member, notice_id, now=request.app[keys.CLOCK]())
    return await send(request, export, "xlsx")


async def board(request: web.Request) -> web.StreamResponse:
    member = await caller(request)
    app = request.app
    now = app[keys.CLOCK]()
    export = await scoreboard_export.board(
        member,
        read_query(request, ScoreboardQuery),
        local_day(now),
        scoreboard_rules(app),
        now=now,
    )
    return await send(request, export, "xlsx")


async def orders(request: web.Request) -> web.StreamResponse:
    member = await caller(request)
    app = request.app
    export = await order_export.open_orders(
        member, now=app[keys.CLOCK](), rows_max=app[keys.SETTINGS].staff.export_rows_max
    )
    return await send(request, export, "xlsx")


_TICKETS = (
    "The tickets the queue's filters find (all of them, newest first, not a page), one row "
    "each: who accepted, assigned, handled and resolved it and when, the deadline and its "
    "state, counts of extensions, returns and redos, the rating, and every step with its "
    "person (办理经过); contacts masked. Within the caller's jurisdiction as the queue is; "
    "each export audited. More than `[staff] export_rows_max` tickets: 400."
)
OPERATIONS = [
    Operation(
        "GET", "/exports/tickets.xlsx", tickets, "Tickets as an Excel workbook", None,
        query=TicketFilter, description=_TICKETS, file=XLSX,
    ),
    Operation(
        "GET", "/exports/tickets.csv", tickets,
        "Tickets as CSV (UTF-8 with BOM; cells that could be read as formulas start with ')",
        None, query=TicketFilter, description=_TICKETS, file=CSV,
    ),
    Operation(
        "GET", "/grids/{id}/visits.xlsx", visits,
        "The grid's whole visit ledger (走访台账) as an Excel workbook, masked as "
        "GET /grids/{id}/visits is for the caller; each export audited",
        None, params=GridRef, refusals=(400,), file=XLSX,
    ),
    Operation(
        "GET", "/notices/{id}/report.xlsx", report,
        "The notice's delivery report as an Excel workbook: the figures of "
        "GET /notices/{id}/report, no openids; each export audited",
        None, params=NoticeRef, file=XLSX,
    ),
    Operation(
        "GET", "/exports/scoreboard.xlsx", board,
        "The scoreboard (考核) of GET /scoreboard as an Excel workbook: one row per group, "
        "the total, and each figure's definition; shares in percent; each export audited",
        None, query=ScoreboardQuery, file=XLSX,
    ),
    Operation(
        "GET", "/exports/orders.xlsx", orders,
        "The open 督办单 the caller sees (as GET /supervision?state=open), the soonest due "
        "first, as an Excel workbook; each export audited. More than `[staff] "
        "export_rows_max`: 400", None, refusals=(400,), file=XLSX,
    ),
]  # fmt: skip

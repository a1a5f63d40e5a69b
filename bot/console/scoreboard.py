"""考核: the scoreboard of a period within the person's jurisdiction, as a table with the
definitions under it and two charts; the same figures as GET /api/v1/scoreboard."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode

from aiohttp import web

from bot import keys
from bot.console import scoreboard_charts as charts
from bot.console.pages import Handler, render
from bot.console.visits import signed_in
from bot.desk import scoreboard as desk
from bot.desk.reading import read
from bot.desk.scoreboard_shapes import ScoreboardQuery
from bot.work import scoreboard_rules
from conversations import texts
from storage.clock import local_day

PATH = "/console/scoreboard"


def routes() -> list[tuple[str, str, Handler]]:
    return [("GET", PATH, page)]


def periods(today: date) -> list[tuple[str, date, date]]:
    """The picker's shortcuts: this month so far, last month, this quarter so far."""
    month = today.replace(day=1)
    last_end = month - timedelta(days=1)
    quarter = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    return [
        ("this_month", month, today),
        ("last_month", last_end.replace(day=1), last_end),
        ("this_quarter", quarter, today),
    ]


def _link(start: date, end: date, by: str) -> str:
    return f"{PATH}?{urlencode({'start': start.isoformat(), 'end': end.isoformat(), 'by': by})}"


async def page(request: web.Request) -> web.Response:
    visit = await signed_in(request)
    app = request.app
    today = local_day(app[keys.CLOCK]())
    query = read(ScoreboardQuery, dict(request.query))
    board = await desk.board(visit.member, query, today, scoreboard_rules(app))
    return render(
        request,
        "scoreboard.html",
        visit,
        s=texts.CONSOLE_SCOREBOARD,
        figures=texts.SCOREBOARD_FIGURES,
        board=board,
        shortcuts=[(name, _link(a, b, board.by)) for name, a, b in periods(today)],
        groupings=[(by, _link(board.start, board.end, by)) for by in texts.SCOREBOARD_GROUPING],
        percent=charts.percent,
        week_name=charts.week_name,
        weekly=charts.weekly(board.weeks),
        satisfaction=charts.satisfaction(board.groups),
        export="/console/exports/scoreboard.xlsx?"
        + urlencode({"start": board.start, "end": board.end, "by": board.by}),
        x=texts.CONSOLE_EXPORT,
    )

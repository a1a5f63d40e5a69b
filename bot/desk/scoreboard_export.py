"""The scoreboard (考核) as a file: the same figures as GET /api/v1/scoreboard and the
console's table (bot.desk.scoreboard.board), one row per township, unit or handler, the
total, then what each figure means."""

from __future__ import annotations

from datetime import date, datetime

from bot.desk import scoreboard
from bot.desk.scoreboard_shapes import Counted, ScoreboardQuery
from bot.desk.workbook import Column, Export, Row, file_name, held
from conversations import texts
from storage import audit
from storage.staff import StaffMember

_RATES = {name for name in texts.SCOREBOARD_FIGURES if name.endswith(("rate", "share"))} | {
    "satisfaction"
}
_X = texts.EXPORT_SCOREBOARD


def _value(f: Counted, name: str) -> float | int | None:
    """A figure as Excel shows it: shares as percentages, hours to one decimal."""
    value: float | int | None = getattr(f, name)
    if value is None:
        return None
    if name in _RATES:
        return round(value * 100, 1)
    return round(value, 1) if isinstance(value, float) else value


def _header(name: str, words: str) -> str:
    if name in _RATES:
        return _X["percent"].format(name=words)
    if name.startswith("wait"):
        return _X["hours"].format(name=words)
    return words


async def board(
    member: StaffMember,
    query: ScoreboardQuery,
    today: date,
    rules: scoreboard.Rules,
    *,
    now: datetime,
) -> Export:
    """This person's scoreboard for the period asked (as the page shows it), recorded."""
    shown = await scoreboard.board(member, query, today, rules)
    figures = texts.SCOREBOARD_FIGURES
    rows: list[Row] = [
        [g.rank, g.name, *(_value(g, name) for name in figures)] for g in shown.groups
    ]
    rows.append([None, texts.SCOREBOARD_TOTAL, *(_value(shown.total, n) for n in figures)])
    rows.append([])
    rows.extend([None, d.name, d.text] for d in shown.definitions)
    await audit.record(
        member.id,
        audit.EXPORT,
        now,
        f"scoreboard.xlsx {shown.start}..{shown.end} by={shown.by} {shown.jurisdiction}",
    )
    columns = [
        Column(_X["rank"], 6),
        Column(_X["name"], 22),
        *(Column(_header(name, words), 12) for name, words in figures.items()),
    ]
    return Export(
        title=texts.EXPORT_SCOREBOARD_TITLE,
        name=file_name(
            texts.EXPORT_SCOREBOARD_TITLE,
            shown.jurisdiction,
            f"{shown.start:%Y%m%d}-{shown.end:%Y%m%d}",
        ),
        columns=columns,
        batches=held(rows),
    )

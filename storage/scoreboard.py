"""The scoreboard (考核): a period's figures counted from the ticket events, so any past
period can be counted again, grouped by township, by responsible unit or by handler.

What each figure counts (the words staff read are in conversations.texts, beside the
figures): see :class:`Figures`. One statement does it all (storage.scoreboard_sql), over
each ticket's facts (storage.ticket_facts); the response times' ranks come back from it
and only their interpolation is done here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from storage.clock import BEIJING
from storage.scoreboard_sql import COUNTS, GROUPS, bind, statement
from storage.workdays import WorkCalendar

BY = tuple(GROUPS)
_EPOCH = date(1970, 1, 1)


@dataclass(frozen=True)
class Period:
    """Beijing days, both included; ``today`` decides which open tickets are late yet."""

    start: date
    end: date
    today: date


@dataclass(frozen=True)
class Scope:
    """Whose tickets: one township's, one unit's, or (neither) the whole county's."""

    township_id: int | None = None
    unit_id: int | None = None


@dataclass(frozen=True)
class Hours:
    """Working hours of the working day (``day_starts``-``day_ends``, Beijing)."""

    starts: time
    ends: time


@dataclass
class Figures:
    """One group's counts in a period.

    accepted: 受理 in the period. returned / extended: of those, with a 退单 / an approved
    extension (so far). resolved: first 办结 in the period; redone: of those, 重办 (a
    reopening or a rating that sent it back); once: of those, neither redone nor ever
    returned; followed: of those, with a 回访; rated: of those, rated by the resident or
    else at a 回访, and how (very 5, satisfied 4, basic 3). due: tickets whose deadline (as
    it stood at the first 办结, after approved extensions; for one never done, as it
    stands) falls in the period, done or already late; on_time: of those, done by it.
    urged / supervised: 催办 / 督办 steps in the period. wait_median / wait_p90: working
    hours from 受理 to the first handling step, of tickets accepted in the period."""

    accepted: int = 0
    returned: int = 0
    extended: int = 0
    resolved: int = 0
    redone: int = 0
    once: int = 0
    followed: int = 0
    rated: int = 0
    very: int = 0
    satisfied: int = 0
    basic: int = 0
    due: int = 0
    on_time: int = 0
    urged: int = 0
    supervised: int = 0
    wait_median: float | None = None
    wait_p90: float | None = None

    def add(self, other: Figures) -> None:
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @staticmethod
    def share(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    @property
    def on_time_rate(self) -> float | None:
        return self.share(self.on_time, self.due)

    @property
    def satisfaction(self) -> float | None:
        return self.share(self.very + self.satisfied, self.rated)

    @property
    def basic_share(self) -> float | None:
        return self.share(self.basic, self.rated)

    @property
    def follow_rate(self) -> float | None:
        return self.share(self.followed, self.resolved)

    @property
    def once_rate(self) -> float | None:
        return self.share(self.once, self.resolved)

    @property
    def return_rate(self) -> float | None:
        return self.share(self.returned, self.accepted)

    @property
    def extension_rate(self) -> float | None:
        return self.share(self.extended, self.accepted)

    @property
    def redo_rate(self) -> float | None:
        return self.share(self.redone, self.resolved)


@dataclass(frozen=True)
class Key:
    """A group: a township id, a unit id (with the township when the unit is none: that
    township's service centre), or a staff id (None: no handler)."""

    first: int | None
    second: int | None = None


@dataclass
class Week:
    """An ISO week of the period: tickets accepted in it, and due in it and done on time."""

    monday: date
    accepted: int = 0
    due: int = 0
    on_time: int = 0


@dataclass
class Board:
    groups: dict[Key, Figures]
    total: Figures
    weeks: list[Week] = field(default_factory=list)


def _day_number(day: date) -> int:
    return (day - _EPOCH).days


def working_days(
    first: date, last: date, calendar: WorkCalendar, hours: Hours
) -> list[tuple[int, int, int]]:
    """For each day: its number, the working seconds of the days before it (from
    ``first``), and the seconds it can hold (0 on a day off)."""
    span = (datetime.combine(first, hours.ends) - datetime.combine(first, hours.starts)).seconds
    rows, prior, day = [], 0, first
    while day <= last:
        held = span if calendar.is_workday(day) else 0
        rows.append((_day_number(day), prior, held))
        prior += held
        day += timedelta(days=1)
    return rows


def _scope(scope: Scope) -> tuple[str, dict[str, Any]]:
    if scope.unit_id is not None:
        return "t.unit_id = @unit", {"unit": scope.unit_id}
    if scope.township_id is not None:
        return "t.township_id = @township", {"township": scope.township_id}
    return "1 = 1", {}


async def count(
    period: Period, by: str, scope: Scope, calendar: WorkCalendar, hours: Hours
) -> Board:
    """The period's figures for each group within ``scope``, their total and the weeks."""
    start = datetime.combine(period.start, time.min, BEIJING)
    end = datetime.combine(period.end + timedelta(days=1), time.min, BEIJING)
    monday = period.start - timedelta(days=period.start.weekday())
    condition, values = _scope(scope)
    days = working_days(period.start, max(period.start, period.today), calendar, hours)
    opens = hours.starts.hour * 3600 + hours.starts.minute * 60 + hours.starts.second
    values |= {
        "S": int(start.timestamp()),  # the facts' moments are seconds since 1970
        "E": int(end.timestamp()),
        "from": start,  # the events' are timestamps
        "until": end,
        "first_day": _day_number(period.start),
        "last_day": _day_number(period.end),
        "to_day": _day_number(period.today),
        "monday": _day_number(monday),
        "open": opens,
        "priors": [prior for _d, prior, _span in days],  # PostgreSQL's arrays of them
        "spans": [span for _d, _prior, span in days],
    }
    async with in_transaction() as tx:
        pg = tx.capabilities.dialect == "postgres"
        sql, args = bind(statement(by, condition, days, pg), values, pg)
        if pg:
            # Transaction-local: room to hash and sort a quarter's tickets in memory, and
            # no JIT compile (it costs more than this statement runs).
            await tx.execute_query("SET LOCAL work_mem = '64MB'")
            await tx.execute_query("SET LOCAL jit = off")
            # The events read are cached: a random read costs about what a sequential one
            # does, so index look-ups are not priced out by whole-table scans.
            await tx.execute_query("SET LOCAL random_page_cost = 1.1")
        rows = await tx.execute_query_dict(sql, args)
    return _board(rows, monday, period)


def _board(rows: Sequence[dict[str, Any]], monday: date, period: Period) -> Board:
    groups: dict[Key, Figures] = {}
    waits: dict[Key | None, list[tuple[int, int, int]]] = {}
    found: dict[Key | None, tuple[float | None, float | None]] = {}  # median, p90
    weeks = _weeks(monday, period)
    for row in rows:
        part = row["part"]
        a = None if row["a"] is None else int(row["a"])
        b = None if row["b"] is None else int(row["b"])
        counts = {name: int(row[name] or 0) for name in COUNTS}
        if part == "group":  # a group's figures, and apart from them its 催办 and 督办
            groups.setdefault(Key(a, b), Figures()).add(Figures(**counts))
        elif part == "took" and a is not None and 0 <= a < len(weeks):
            weeks[a].accepted += counts["accepted"]
        elif part == "due" and a is not None and 0 <= a < len(weeks):
            weeks[a].due += counts["due"]
            weeks[a].on_time += counts["on_time"]
        elif part in ("wait", "all"):  # SQLite: the rows around the ranks
            key = Key(a, b) if part == "wait" else None
            rank = (counts["accepted"], counts["returned"], counts["extended"])
            waits.setdefault(key, []).append(rank)
        elif part == "pct" and row["median"] is not None:  # PostgreSQL: in seconds
            key = None if counts["accepted"] else Key(a, b)  # (none: no waits at all)
            found[key] = (row["median"] / 3600, row["p90"] / 3600)
    for key, ranks in waits.items():
        found[key] = _percentiles(ranks)
    total = Figures()
    for key, figures in groups.items():
        total.add(figures)
        figures.wait_median, figures.wait_p90 = found.get(key, (None, None))
    total.wait_median, total.wait_p90 = found.get(None, (None, None))
    return Board(groups, total, weeks)


def _weeks(monday: date, period: Period) -> list[Week]:
    found, day = [], monday
    while day <= period.end:
        found.append(Week(day))
        day += timedelta(days=7)
    return found


def _percentiles(ranks: list[tuple[int, int, int]]) -> tuple[float, float]:
    """The median and 90th percentile (linear between ranks) in hours, from the rows
    around each that the statement picked: (rank, how many, seconds)."""
    n = ranks[0][1]
    at = {rank: seconds for rank, _n, seconds in ranks}

    def pick(num: int, den: int) -> float:
        h = (n - 1) * num
        low, high = at[h // den + 1], at[(h + den - 1) // den + 1]
        return (low + (high - low) * (h % den) / den) / 3600

    return pick(1, 2), pick(9, 10)

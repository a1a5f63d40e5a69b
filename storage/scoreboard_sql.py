"""The scoreboard's one statement (storage.scoreboard reads it): every figure of a period,
grouped, with the weekly series and the response-time ranks, in one pass over the
period's tickets' facts (storage.ticket_facts: one row a ticket, kept from its events as
they are written). The same SQL on SQLite and PostgreSQL; only how a timestamp becomes
seconds and a date a day number differ.

The period's tickets are found by index: accepted, done, or due in it. The 催办 and 督办
of the period are counted from the events by their own index ((action, at)), each under
its ticket's group.

Marks are written ``@name`` and bound by :func:`bind` (``$n`` on PostgreSQL, ``?`` on
SQLite), so a value used twice is written once."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

# Beijing is UTC+8 all year (no daylight saving): a moment's Beijing day and time of day
# are whole-number arithmetic on its seconds since 1970.
BEIJING_OFFSET = 8 * 3600
DAY = 86400

# How a group is keyed: two columns, so a unit's "none" can be told apart per township.
GROUPS = {
    "township": ("t.township_id", "NULL"),
    "unit": ("t.unit_id", "CASE WHEN t.unit_id IS NULL THEN t.township_id END"),
    "handler": ("COALESCE(t.resolver_id, t.handler_id)", "NULL"),
}
# The figures summed per group (and per week), in the order the statement gives them.
COUNTS = (
    "accepted",
    "returned",
    "extended",
    "resolved",
    "redone",
    "once",
    "followed",
    "rated",
    "very",
    "satisfied",
    "basic",
    "due",
    "on_time",
    "urged",
    "supervised",
)


def _epoch(column: str, pg: bool) -> str:
    if pg:
        return f"CAST(FLOOR(EXTRACT(EPOCH FROM {column})) AS BIGINT)"
    return f"CAST(strftime('%s', {column}) AS INTEGER)"


def _day_number(column: str, pg: bool) -> str:
    """A DATE column as days since 1970-01-01."""
    if pg:
        return f"({column} - DATE '1970-01-01')"
    return f"CAST(julianday({column}) - 2440587.5 AS INTEGER)"


def _local_day(seconds: str) -> str:
    """Seconds since 1970 as the Beijing day's number (they are never before 1970)."""
    return f"(({seconds}) + {BEIJING_OFFSET}) / {DAY}"


def _days(days: Sequence[tuple[int, int, int]]) -> str:
    """The working-day table: (day number, working seconds before that day, working
    seconds the day itself can hold), as literal rows (numbers we made, nothing given)."""
    return ", ".join(f"({d}, {prior}, {span})" for d, prior, span in days)


def statement(by: str, scope: str, days: Sequence[tuple[int, int, int]], pg: bool) -> str:
    """The statement for grouping ``by`` within ``scope`` (a condition on ``t``, the
    ticket, with its own marks), with the working-day table ``days``."""
    group_a, group_b = GROUPS[by]
    e_at, r_at = _epoch("t.accepted_at", pg), _epoch("t.resolved_at", pg)
    f_at = _epoch("t.first_step_at", pg)
    return f"""
WITH days(d, prior, span) AS (VALUES {_days(days)}),
facts AS MATERIALIZED (
  SELECT
    {group_a} AS grp_a, {group_b} AS grp_b,
    CASE WHEN t.accepted_at >= @S AND t.accepted_at < @E THEN 1 ELSE 0 END AS took,
    CASE WHEN t.resolved_at >= @S AND t.resolved_at < @E THEN 1 ELSE 0 END AS done,
    CASE WHEN t.followed THEN 1 ELSE 0 END AS followed,
    CASE WHEN t.returned THEN 1 ELSE 0 END AS returned,
    CASE WHEN t.extended THEN 1 ELSE 0 END AS extended,
    CASE WHEN t.redone THEN 1 ELSE 0 END AS redone,
    t.score,
    CASE WHEN t.due_on >= @s AND t.due_on <= @e
          AND (t.resolved_at IS NOT NULL OR t.due_on < @today) THEN 1 ELSE 0 END AS due,
    CASE WHEN t.resolved_at IS NOT NULL AND {_local_day(r_at)} <= {_day_number("t.due_on", pg)}
         THEN 1 ELSE 0 END AS in_time,
    {_local_day(e_at)} AS took_day,
    {_day_number("t.due_on", pg)} AS due_day,
    {e_at} AS took_at,
    {f_at} AS step_at
  FROM ticket_facts t
  WHERE ({scope}) AND ((t.accepted_at >= @S AND t.accepted_at < @E)
    OR (t.resolved_at >= @S AND t.resolved_at < @E) OR (t.due_on >= @s AND t.due_on <= @e))
),
pushed AS (
  SELECT {group_a} AS grp_a, {group_b} AS grp_b,
    SUM(CASE WHEN e.action = 'urge' THEN 1 ELSE 0 END) AS urged,
    SUM(CASE WHEN e.action = 'supervise' THEN 1 ELSE 0 END) AS supervised
  FROM ticket_event e JOIN ticket_facts t ON t.ticket_id = e.ticket_id
  WHERE e.action IN ('urge', 'supervise') AND e.at >= @S AND e.at < @E AND ({scope})
  GROUP BY 1, 2
),
waits AS (
  SELECT f.grp_a, f.grp_b,
    (b.prior + CASE WHEN b.span = 0 THEN 0
       WHEN (f.step_at + {BEIJING_OFFSET}) % {DAY} <= @open THEN 0
       WHEN (f.step_at + {BEIJING_OFFSET}) % {DAY} >= @open + b.span THEN b.span
       ELSE (f.step_at + {BEIJING_OFFSET}) % {DAY} - @open END)
    - (a.prior + CASE WHEN a.span = 0 THEN 0
       WHEN (f.took_at + {BEIJING_OFFSET}) % {DAY} <= @open THEN 0
       WHEN (f.took_at + {BEIJING_OFFSET}) % {DAY} >= @open + a.span THEN a.span
       ELSE (f.took_at + {BEIJING_OFFSET}) % {DAY} - @open END) AS wait
  FROM facts f
  JOIN days a ON a.d = {_local_day("f.took_at")}
  JOIN days b ON b.d = {_local_day("f.step_at")}
  WHERE f.took = 1 AND f.step_at IS NOT NULL
),
ranked AS (
  SELECT grp_a, grp_b, wait,
    ROW_NUMBER() OVER (PARTITION BY grp_a, grp_b ORDER BY wait) AS rn,
    COUNT(*) OVER (PARTITION BY grp_a, grp_b) AS n,
    ROW_NUMBER() OVER (ORDER BY wait) AS all_rn,
    COUNT(*) OVER () AS all_n
  FROM waits
)
SELECT 'group' AS part, grp_a AS a, grp_b AS b,
  SUM(took) AS accepted,
  SUM(took * returned) AS returned,
  SUM(took * extended) AS extended,
  SUM(done) AS resolved,
  SUM(done * redone) AS redone,
  SUM(CASE WHEN done = 1 AND returned = 0 AND redone = 0 THEN 1 ELSE 0 END) AS once,
  SUM(done * followed) AS followed,
  SUM(CASE WHEN done = 1 AND score IS NOT NULL THEN 1 ELSE 0 END) AS rated,
  SUM(CASE WHEN done = 1 AND score = 5 THEN 1 ELSE 0 END) AS very,
  SUM(CASE WHEN done = 1 AND score = 4 THEN 1 ELSE 0 END) AS satisfied,
  SUM(CASE WHEN done = 1 AND score = 3 THEN 1 ELSE 0 END) AS basic,
  SUM(due) AS due,
  SUM(due * in_time) AS on_time,
  0 AS urged,
  0 AS supervised
FROM facts GROUP BY grp_a, grp_b
UNION ALL
SELECT 'group', grp_a, grp_b, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, urged, supervised
FROM pushed
UNION ALL
SELECT 'took', (took_day - @monday) / 7, NULL, COUNT(*), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0
FROM facts WHERE took = 1 GROUP BY (took_day - @monday) / 7
UNION ALL
SELECT 'due', (due_day - @monday) / 7, NULL, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  COUNT(*), SUM(in_time), 0, 0
FROM facts WHERE due = 1 GROUP BY (due_day - @monday) / 7
UNION ALL
SELECT 'wait', grp_a, grp_b, rn, n, wait, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
FROM ranked
WHERE rn IN ((n - 1) / 2 + 1, n / 2 + 1, (n - 1) * 9 / 10 + 1, ((n - 1) * 9 + 9) / 10 + 1)
UNION ALL
SELECT 'all', NULL, NULL, all_rn, all_n, wait, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
FROM ranked WHERE all_rn IN ((all_n - 1) / 2 + 1, all_n / 2 + 1, (all_n - 1) * 9 / 10 + 1,
  ((all_n - 1) * 9 + 9) / 10 + 1)
"""


_MARK = re.compile(r"@([a-zA-Z_]+)")


def bind(sql: str, values: Mapping[str, Any], pg: bool) -> tuple[str, list[Any]]:
    """``@name`` marks as the dialect's placeholders, and the values in their order."""
    args: list[Any] = []
    numbered: dict[str, int] = {}

    def mark(found: re.Match[str]) -> str:
        name = found.group(1)
        if not pg:
            args.append(values[name])
            return "?"
        if name not in numbered:
            args.append(values[name])
            numbered[name] = len(args)
        return f"${numbered[name]}"

    return _MARK.sub(mark, sql), args

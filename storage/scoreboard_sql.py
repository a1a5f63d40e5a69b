"""The scoreboard's one statement (storage.scoreboard reads it): every figure of a period,
grouped, with the weekly series and the response-time ranks, in one pass over the
period's tickets' facts (storage.ticket_facts: one row a ticket, kept from its events as
they are written, its moments in seconds and its days as day numbers, so all here is
whole-number arithmetic). The same SQL on SQLite and PostgreSQL but for the response
times' percentiles, which PostgreSQL has as aggregates.

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
    return f"""
WITH {"" if pg else f"days(d, prior, span) AS (VALUES {_days(days)}),"}
facts AS MATERIALIZED (
  SELECT
    {group_a} AS grp_a, {group_b} AS grp_b,
    CASE WHEN t.accepted_s >= @S AND t.accepted_s < @E THEN 1 ELSE 0 END AS took,
    CASE WHEN t.resolved_s >= @S AND t.resolved_s < @E THEN 1 ELSE 0 END AS done,
    CASE WHEN t.followed THEN 1 ELSE 0 END AS followed,
    CASE WHEN t.returned THEN 1 ELSE 0 END AS returned,
    CASE WHEN t.extended THEN 1 ELSE 0 END AS extended,
    CASE WHEN t.redone THEN 1 ELSE 0 END AS redone,
    t.score,
    CASE WHEN t.due_day >= @first_day AND t.due_day <= @last_day
          AND (t.resolved_s IS NOT NULL OR t.due_day < @to_day) THEN 1 ELSE 0 END AS due,
    CASE WHEN {_local_day("t.resolved_s")} <= t.due_day THEN 1 ELSE 0 END AS in_time,
    {_local_day("t.accepted_s")} AS took_day,
    t.due_day,
    t.accepted_s AS took_at,
    t.step_s AS step_at
  FROM ticket_facts t
  WHERE ({scope}) AND ((t.accepted_s >= @S AND t.accepted_s < @E)
    OR (t.resolved_s >= @S AND t.resolved_s < @E)
    OR (t.due_day >= @first_day AND t.due_day <= @last_day))
),
pushed AS (
  SELECT {group_a} AS grp_a, {group_b} AS grp_b,
    SUM(CASE WHEN e.action = 'urge' THEN 1 ELSE 0 END) AS urged,
    SUM(CASE WHEN e.action = 'supervise' THEN 1 ELSE 0 END) AS supervised
  FROM ticket_event e JOIN ticket_facts t ON t.ticket_id = e.ticket_id
  WHERE e.action IN ('urge', 'supervise') AND e.at >= @from AND e.at < @until AND ({scope})
  GROUP BY 1, 2
),
waits AS ({_pg_waits() if pg else _waits()})
{"" if pg else _RANKED}
{_pg_counts() if pg else _counts()}
UNION ALL
SELECT 'group', grp_a, grp_b, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, urged, supervised,
  NULL, NULL
FROM pushed
UNION ALL
{_PERCENTILES if pg else _RANKS}
"""


def _worked(at: str, prior: str, span: str) -> str:
    """The working seconds from the table's first day to the moment ``at`` (seconds since
    1970), given its day's working seconds before it and the seconds it can hold."""
    clock = f"(({at}) + {BEIJING_OFFSET}) % {DAY}"
    return (
        f"({prior} + CASE WHEN {span} = 0 THEN 0 WHEN {clock} <= @open THEN 0"
        f" WHEN {clock} >= @open + {span} THEN {span} ELSE {clock} - @open END)"
    )


def _waits() -> str:
    """Each ticket accepted in the period and answered: its group and the working
    seconds between, its two days looked up in the working-day table."""
    step = _worked("f.step_at", "b.prior", "b.span")
    took = _worked("f.took_at", "a.prior", "a.span")
    return f"""
  SELECT f.grp_a, f.grp_b, {step} - {took} AS wait
  FROM facts f
  JOIN days a ON a.d = {_local_day("f.took_at")}
  JOIN days b ON b.d = {_local_day("f.step_at")}
  WHERE f.took = 1 AND f.step_at IS NOT NULL
"""


def _pg_waits() -> str:
    """The same, the days looked up by position in two arrays (@priors, @spans: from
    @first_day on), cheaper than joining a table twice for every ticket."""
    took = f"{_local_day('f.took_at')} - @first_day + 1"
    step = f"{_local_day('f.step_at')} - @first_day + 1"
    wait = f"{_worked('step_at', 'b_prior', 'b_span')} - {_worked('took_at', 'a_prior', 'a_span')}"
    return f"""
  SELECT grp_a, grp_b, {wait} AS wait
  FROM (SELECT f.grp_a, f.grp_b, f.took_at, f.step_at,
      (@priors::bigint[])[{took}] AS a_prior, (@spans::bigint[])[{took}] AS a_span,
      (@priors::bigint[])[{step}] AS b_prior, (@spans::bigint[])[{step}] AS b_span
    FROM facts f WHERE f.took = 1 AND f.step_at IS NOT NULL) f
  WHERE a_prior IS NOT NULL AND b_prior IS NOT NULL
"""


# Each figure summed over a group's facts (and, the same sums, over a week's).
_SUMS = """SUM(took) AS accepted,
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
  0 AS supervised,
  CAST(NULL AS DOUBLE PRECISION) AS median,
  CAST(NULL AS DOUBLE PRECISION) AS p90"""


def _counts() -> str:
    """The groups' figures, then the weeks': tickets accepted in each, and due in each
    and done on time, each a pass over the facts."""
    return f"""SELECT 'group' AS part, grp_a AS a, grp_b AS b, {_SUMS}
FROM facts GROUP BY grp_a, grp_b
UNION ALL
SELECT 'took', (took_day - @monday) / 7, NULL, COUNT(*), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, NULL, NULL
FROM facts WHERE took = 1 GROUP BY (took_day - @monday) / 7
UNION ALL
SELECT 'due', (due_day - @monday) / 7, NULL, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  COUNT(*), SUM(in_time), 0, 0, NULL, NULL
FROM facts WHERE due = 1 GROUP BY (due_day - @monday) / 7"""


def _pg_counts() -> str:
    """The same rows in one pass over the facts (grouping sets): the groups' (grouping
    bits 0011), the weeks' accepted (1101, the week none for a ticket not accepted in the
    period) and the weeks' due (1110)."""
    bits = "GROUPING(grp_a, grp_b, took_week, due_week)"
    return f"""SELECT CASE {bits} WHEN 3 THEN 'group' WHEN 13 THEN 'took' ELSE 'due' END AS part,
  CASE {bits} WHEN 3 THEN grp_a WHEN 13 THEN took_week ELSE due_week END AS a,
  CASE {bits} WHEN 3 THEN grp_b END AS b, {_SUMS}
FROM (SELECT f.*,
    CASE WHEN took = 1 THEN (took_day - @monday) / 7 END AS took_week,
    CASE WHEN due = 1 THEN (due_day - @monday) / 7 END AS due_week
  FROM facts f) f
GROUP BY GROUPING SETS ((grp_a, grp_b), (took_week), (due_week))"""


# The response times' median and 90th percentile, linear between ranks ((n - 1) * p), per
# group and over all. PostgreSQL has them as aggregates (one sort per group, the total in
# the same pass): a 'pct' row each, the total's marked 1, the two values in seconds.
_PERCENTILES = """SELECT 'pct', grp_a, grp_b,
  CASE WHEN GROUPING(grp_a, grp_b) = 3 THEN 1 ELSE 0 END, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, percentile_cont(0.5) WITHIN GROUP (ORDER BY wait),
  percentile_cont(0.9) WITHIN GROUP (ORDER BY wait)
FROM waits GROUP BY GROUPING SETS ((grp_a, grp_b), ())"""
# SQLite has no such aggregate: the rows around each rank, numbered by window functions,
# per group ('wait') and over all ('all'): (rank, how many, seconds); Python interpolates.
_RANKED = """, ranked AS (
  SELECT grp_a, grp_b, wait,
    ROW_NUMBER() OVER (PARTITION BY grp_a, grp_b ORDER BY wait) AS rn,
    COUNT(*) OVER (PARTITION BY grp_a, grp_b) AS n,
    ROW_NUMBER() OVER (ORDER BY wait) AS all_rn,
    COUNT(*) OVER () AS all_n
  FROM waits
)"""
_RANKS = """SELECT 'wait', grp_a, grp_b, rn, n, wait, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  NULL, NULL
FROM ranked
WHERE rn IN ((n - 1) / 2 + 1, n / 2 + 1, (n - 1) * 9 / 10 + 1, ((n - 1) * 9 + 9) / 10 + 1)
UNION ALL
SELECT 'all', NULL, NULL, all_rn, all_n, wait, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  NULL, NULL
FROM ranked WHERE all_rn IN ((all_n - 1) / 2 + 1, all_n / 2 + 1, (all_n - 1) * 9 / 10 + 1,
  ((all_n - 1) * 9 + 9) / 10 + 1)"""


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

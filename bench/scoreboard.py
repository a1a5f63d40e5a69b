"""The county scoreboard (考核) for a quarter over a million tickets and their events in
PostgreSQL: p50 and p95 of the whole computation, by township, by unit and by handler.

    python -m bench.scoreboard [--server-url postgres://postgres@127.0.0.1:5432]
                               [--tickets 1000000] [--runs 20]

Creates a throwaway database on the server (bench_scoreboard_<pid>), migrates it, loads
the demo townships and units, adds 200 handlers, and has PostgreSQL itself make the
tickets over two years (generate_series) with about five events each: 提交, 受理, 转办,
回复, 办结, 评价, and some 退单, 延期, 重办, 催办 and 督办, plus a 回访 for one in ten done.
Then it runs the scoreboard of 2026's third quarter (storage.scoreboard.count, the same
call the API and the console make) ``--runs`` times for each grouping, and in the same
run the baseline: a plain ``SELECT count(*)`` of that quarter's events. The database is
dropped at the end.

The last line is the summary:

    scoreboard (1000000 tickets, 5.0 events each, PostgreSQL): quarter by township p50 … ms
        p95 … ms, by unit …, by handler … | count(*) of the quarter's events p50 … ms
        (target p95 < 1000 ms: PASS|FAIL)
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import date, datetime
from datetime import time as clock_time

from bench.children import shown, throwaway_database
from storage.ticket_facts import everything

DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432"
TARGET_MS = 1000.0
QUARTER = (date(2026, 7, 1), date(2026, 9, 30))
HANDLERS = 200


def tickets_sql(first: int, count: int, step: float) -> str:
    """``count`` tickets, one every ``step`` seconds from December 2024, each with its
    township, unit (three in ten kept by the township), handler and deadline; the last
    month's partly open."""
    return f"""
INSERT INTO ticket (
    number, kind, status, request_key, township_id, unit_id, handler_id, category, title,
    content, answers, home_visit, contact_name, contact_phone, time_limit_days, created_at,
    updated_at, accepted_at, due_on, redo_count, flagged, urgent, rating
)
SELECT
    to_char(made, 'YYYYMMDD') || '-' || lpad((g % 10000)::text, 4, '0'),
    'complaint',
    CASE WHEN made > now() - interval '20 days' AND g % 3 = 0 THEN 'in_progress'
         WHEN g % 11 = 0 THEN 'resolved' ELSE 'closed' END,
    'bench:' || g,
    tw[1 + g % array_length(tw, 1)],
    CASE WHEN g % 10 < 3 THEN NULL ELSE un[1 + g % array_length(un, 1)] END,
    CASE WHEN g % 10 < 3 THEN NULL ELSE st[1 + g % array_length(st, 1)] END,
    '环境卫生', '投诉：环境卫生', '村东头的垃圾堆了半个月没人清理。', '[]'::jsonb, false,
    '张桂兰', '13800000000', 5, made, made, made + interval '1 hour',
    (made + interval '7 days')::date, 0, false, false,
    CASE WHEN g % 11 = 0 OR g % 4 = 0 THEN NULL ELSE 1 + g % 5 END
FROM generate_series({first + 1}, {first + count}) AS g,
     LATERAL (SELECT timestamptz '2024-12-01 08:00+08' + g * interval '{step} seconds'
              AS made) AS m,
     (SELECT array_agg(id ORDER BY id) AS tw FROM township) AS a,
     (SELECT array_agg(id ORDER BY id) AS un FROM unit) AS b,
     (SELECT array_agg(id ORDER BY id) AS st FROM staff WHERE role = 'department_handler') AS c
"""


# Each kind of step: (action, from, to, when after the ticket was made, which tickets).
# About five a ticket: submit, accept, assign (7 in 10), reply (half), resolve (all but
# the open), rate (3 in 4 done), and the rarer ones.
STEPS = [
    ("submit", None, "submitted", "interval '0'", "true"),
    ("accept", "submitted", "accepted", "interval '1 hour'", "true"),
    ("assign", "accepted", "in_progress", "interval '2 hours'", "t.unit_id IS NOT NULL"),
    ("return", "in_progress", "accepted", "interval '5 hours'", "t.id % 20 = 0"),
    ("reply", "in_progress", "in_progress", "interval '26 hours'", "t.id % 2 = 0"),
    ("urge", "in_progress", "in_progress", "interval '3 days'", "t.id % 15 = 0"),
    ("request-extension", "in_progress", "in_progress", "interval '3 days 2 hours'",
     "t.id % 25 = 0"),
    ("approve-extension", "in_progress", "in_progress", "interval '3 days 5 hours'",
     "t.id % 25 = 0"),
    ("supervise", "in_progress", "in_progress", "interval '4 days'", "t.id % 60 = 0"),
    ("resolve", "in_progress", "resolved", "(t.id % 12) * interval '1 day' + interval '3 hours'",
     "t.status <> 'in_progress'"),
    ("rate", "resolved", "closed", "(t.id % 12) * interval '1 day' + interval '1 day 3 hours'",
     "t.rating IS NOT NULL"),
    ("reopen", "closed", "in_progress", "interval '15 days'",
     "t.id % 40 = 0 AND t.status <> 'in_progress'"),
]  # fmt: skip


def events_sql(action: str, before: str | None, after: str, when: str, which: str) -> str:
    from_status = "NULL" if before is None else f"'{before}'"
    return f"""
INSERT INTO ticket_event (ticket_id, at, action, actor, staff_id, from_status, to_status,
                          note, due_on)
SELECT t.id, t.created_at + {when}, '{action}', 'staff', t.handler_id, {from_status},
       '{after}', '', t.due_on
FROM ticket t WHERE {which}
"""


async def fill(url: str, tickets: int) -> float:
    """Schema, demo data, handlers, tickets, events and 回访. Returns events per ticket."""
    import asyncpg

    from storage import demo
    from storage.clock import beijing_now
    from storage.db import open_database

    async def prepare() -> None:
        await demo.seed(beijing_now())

    async with open_database(url, prepare=prepare):
        pass
    conn = await asyncpg.connect(url)
    started = time.perf_counter()
    try:
        await conn.execute(
            "INSERT INTO staff (username, password_hash, role, active, created_at, on_duty,"
            " unit_id, lead, notify_new)"
            f" SELECT 'handler' || g, '-', 'department_handler', true, now(), false,"
            f" (SELECT array_agg(id) FROM unit)[1 + g % (SELECT count(*) FROM unit)::int],"
            f" false, false FROM generate_series(1, {HANDLERS}) AS g"
        )
        step = 2 * 365 * 86400 / tickets
        if 86400 / step >= 10000:
            raise SystemExit(f"{tickets} tickets over two years is over 9,999 a day")
        for first in range(0, tickets, 200_000):
            count = min(200_000, tickets - first)
            await conn.execute(tickets_sql(first, count, step))
            print(f"  {first + count} tickets ({time.perf_counter() - started:.0f} s)", flush=True)
        for action, before, after, when, which in STEPS:
            await conn.execute(events_sql(action, before, after, when, which))
        await conn.execute(
            "INSERT INTO follow_up (ticket_id, staff_id, at, method, solved, satisfaction, note)"
            " SELECT t.id, COALESCE(t.handler_id, (SELECT min(id) FROM staff)),"
            " t.created_at + interval '14 days', 'phone', true, 3 + t.id % 3, ''"
            " FROM ticket t WHERE t.id % 10 = 5 AND t.status <> 'in_progress'"
        )
        # The events went in as raw SQL, past the signal that keeps each ticket's facts:
        # the facts are made from them as `township scoreboard rebuild` makes them.
        began = time.perf_counter()
        await conn.execute(everything(pg=True))
        rebuilt = time.perf_counter() - began
        # As autovacuum would have by the time anyone looks: statistics and the
        # visibility map (index-only scans).
        await conn.execute("VACUUM ANALYZE")
        events: int = await conn.fetchval("SELECT count(*) FROM ticket_event")
        print(
            f"  {events} events, facts rebuilt from them in {rebuilt:.1f} s, VACUUM ANALYZE"
            f" ({time.perf_counter() - started:.0f} s)"
        )
        return float(events) / tickets
    finally:
        await conn.close()


async def measure(url: str, runs: int) -> tuple[dict[str, list[float]], list[float]]:
    """Seconds of each scoreboard run by grouping, and of the baseline."""
    from tortoise.transactions import in_transaction

    from storage import scoreboard
    from storage.clock import BEIJING, local_day
    from storage.db import open_database, use
    from storage.workdays import WorkCalendar

    calendar, hours = WorkCalendar(), scoreboard.Hours(clock_time(8, 30), clock_time(18))
    period = scoreboard.Period(QUARTER[0], QUARTER[1], local_day(datetime.now(BEIJING)))
    timings: dict[str, list[float]] = {by: [] for by in scoreboard.BY}
    baseline: list[float] = []
    async with open_database(url) as ctx:
        with use(ctx):
            for i in range(runs + 2):  # the first two warm the caches, not counted
                for by in scoreboard.BY:
                    began = time.perf_counter()
                    board = await scoreboard.count(period, by, scoreboard.Scope(), calendar, hours)
                    took = time.perf_counter() - began
                    assert board.total.accepted > 0 and board.groups, "an empty scoreboard"
                    if i >= 2:
                        timings[by].append(took)
                began = time.perf_counter()
                async with in_transaction() as tx:
                    await tx.execute_query_dict(
                        "SELECT count(*) AS n FROM ticket_event WHERE at >= $1 AND at < $2",
                        [
                            datetime.combine(QUARTER[0], clock_time(), BEIJING),
                            datetime.combine(date(2026, 10, 1), clock_time(), BEIJING),
                        ],
                    )
                if i >= 2:
                    baseline.append(time.perf_counter() - began)
            shown = board.total
            print(
                f"  county, {QUARTER[0]} to {QUARTER[1]}: accepted {shown.accepted},"
                f" resolved {shown.resolved}, due {shown.due}, on time {shown.on_time},"
                f" returned {shown.returned}, urged {shown.urged},"
                f" response median {shown.wait_median or 0:.1f} working hours"
            )
    return timings, baseline


async def counted(url: str, tickets: int) -> float:
    """Events per ticket of a database filled before; refused if it holds another size."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        held: int = await conn.fetchval("SELECT count(*) FROM ticket")
        events: int = await conn.fetchval("SELECT count(*) FROM ticket_event")
    finally:
        await conn.close()
    if held != tickets:
        raise SystemExit(f"{shown(url)} holds {held} tickets, not --tickets {tickets}")
    print(f"reusing {shown(url)}: {held} tickets, {events} events", flush=True)
    return float(events) / held


def ms(samples: list[float], q: int) -> float:
    if len(samples) < 2:
        return samples[0] * 1000
    return statistics.quantiles(samples, n=20, method="inclusive")[q] * 1000


async def bench(args: argparse.Namespace) -> int:
    if args.reuse:  # a database an earlier run filled and kept (--keep)
        per_ticket = await counted(args.reuse, args.tickets)
        timings, baseline = await measure(args.reuse, args.runs)
    else:
        async with throwaway_database(args.server_url, "bench_scoreboard", args.keep) as url:
            print(f"filling {shown(url)} with {args.tickets} tickets ...", flush=True)
            per_ticket = await fill(url, args.tickets)
            timings, baseline = await measure(url, args.runs)
    parts = [f"by {by} p50 {ms(t, 9):.0f} ms p95 {ms(t, 18):.0f} ms" for by, t in timings.items()]
    worst = max(ms(t, 18) for t in timings.values())
    verdict = "PASS" if worst < TARGET_MS else f"FAIL: p95 {worst:.0f} ms"
    print(
        f"scoreboard ({args.tickets} tickets, {per_ticket:.1f} events each, PostgreSQL): "
        f"quarter {', '.join(parts)} | count(*) of the quarter's events p50 "
        f"{ms(baseline, 9):.0f} ms p95 {ms(baseline, 18):.0f} ms"
        f" (target p95 < {TARGET_MS:.0f} ms: {verdict})"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--server-url", default=DEFAULT_SERVER, help="a PostgreSQL server")
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20, help="timed runs of each grouping")
    parser.add_argument(
        "--keep", action="store_true", help="keep the filled database (its URL is printed)"
    )
    parser.add_argument(
        "--reuse", metavar="URL", help="measure a database a run with --keep filled, no fill"
    )
    args = parser.parse_args(argv)
    return asyncio.run(bench(args))


if __name__ == "__main__":
    raise SystemExit(main())

"""Staff queue and ticket detail over a million tickets: p95 latency through the staff API
and through the console's pages.

    python -m bench.staff_queue [--database-url postgres://postgres@127.0.0.1:5432/bench_queue]
                          [--tickets 1000000] [--requests 500]

Fills PostgreSQL with ``--tickets`` tickets spread over the ten demo townships (two
years of them, most closed, about one in ten still open) with their events, starts the
service (`python -m bot serve`), logs in as one township's staff and asks, one request
at a time, for the township's open queue (newest first, page 1) and for ticket details
chosen at random within the township; then signs in to the console (/console) as the
same person and asks for the same two as pages (the queue page with its filters and the
ticket page with its action forms). In the same run it times the same reads sent
straight to PostgreSQL with asyncpg (no HTTP, no ORM): the floor both stand on.
The database named in the URL is created if missing; its schema is replaced.

The last line is the summary:

    queue (1000000 tickets, 10 townships, PostgreSQL): queue page p95 … ms, detail p95 … ms
        through the API | console pages p95 … / … ms | straight to PostgreSQL p95 … / … ms
        (target API < 50 ms, console < 100 ms each: PASS|FAIL)
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.children import HOST, ROOT, free_port, service_env, shown, start, wait_healthy

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_queue"
STAFF_USER = "bench-queue"
TARGET_MS = 50.0
CONSOLE_TARGET_MS = 100.0


def fill_sql(townships: list[int], first: int, count: int, step: float) -> str:
    """One statement making ``count`` tickets in PostgreSQL itself (generate_series): one
    every ``step`` seconds from December 2024, spread over the townships, one in ten
    waiting, one in ten accepted, one in ten in progress, one in ten resolved, the rest
    closed, in every township alike (the status turns with g / 10, the township with g).
    Numbers are the day and a per-day sequence (under 10,000 a day)."""
    ids = ",".join(str(t) for t in townships)
    return f"""
INSERT INTO ticket (
    number, kind, status, request_key, township_id, category, title, content, answers,
    home_visit, contact_name, contact_phone, time_limit_days, created_at, updated_at,
    accepted_at, due_on, redo_count, flagged, urgent
)
SELECT
    to_char(made, 'YYYYMMDD') || '-' || lpad((g % 10000)::text, 4, '0'),
    (ARRAY['service','complaint','suggestion','help'])[1 + g % 4],
    (ARRAY['submitted','accepted','in_progress','resolved','closed','closed','closed',
           'closed','closed','closed'])[1 + (g / 10) % 10],
    'bench:' || g,
    (ARRAY[{ids}])[1 + g % {len(townships)}],
    '环境卫生',
    '投诉：环境卫生',
    '村东头的垃圾堆了半个月没人清理，请尽快处理。' || g,
    '[]'::jsonb,
    false,
    '张桂兰',
    '138' || lpad((g % 100000000)::text, 8, '0'),
    5,
    made, made, made, (made + interval '7 days')::date, 0, g % 50 = 0, g % 97 = 0
FROM generate_series({first + 1}, {first + count}) AS g,
     LATERAL (SELECT timestamptz '2024-12-01 08:00+08' + g * interval '{step} seconds'
              AS made) AS t
"""


async def ensure_database(url: str) -> None:
    import asyncpg

    base, _, name = url.rpartition("/")
    try:
        conn = await asyncpg.connect(url)
    except asyncpg.InvalidCatalogNameError:
        admin = await asyncpg.connect(base + "/postgres")
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        conn = await asyncpg.connect(url)
    try:
        await conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        await conn.execute("CREATE SCHEMA public")
    finally:
        await conn.close()


async def fill(url: str, tickets: int) -> list[int]:
    """Schema, demo data, then the tickets and two events each. Returns township ids."""
    import asyncpg

    from storage import demo
    from storage.clock import beijing_now
    from storage.db import open_database

    async def prepare() -> None:
        await demo.seed(beijing_now())

    async with open_database(url, prepare=prepare):
        pass
    conn = await asyncpg.connect(url)
    try:
        townships = [r["id"] for r in await conn.fetch("SELECT id FROM township ORDER BY id")]
        # Numbers must be unique: spread the tickets so no day has 10,000 of them.
        span_seconds = 2 * 365 * 86400
        step = span_seconds / tickets
        per_day = 86400 / step
        if per_day >= 10000:
            raise SystemExit(f"{tickets} tickets over two years is over 9,999 a day")
        started = time.perf_counter()
        for first in range(0, tickets, 200_000):
            count = min(200_000, tickets - first)
            await conn.execute(fill_sql(townships, first, count, step))
            print(f"  {first + count} tickets ({time.perf_counter() - started:.0f} s)", flush=True)
        await conn.execute(
            "INSERT INTO ticket_event (ticket_id, at, action, actor, from_status, to_status, note)"
            " SELECT id, created_at, 'submit', 'resident', NULL, 'submitted', '' FROM ticket"
        )
        await conn.execute(
            "INSERT INTO ticket_event (ticket_id, at, action, actor, from_status, to_status, note)"
            " SELECT id, created_at + interval '1 hour', 'accept', 'staff', 'submitted',"
            " 'accepted', '' FROM ticket WHERE status <> 'submitted'"
        )
        await conn.execute("ANALYZE")
        print(f"  events and ANALYZE done ({time.perf_counter() - started:.0f} s)", flush=True)
        return townships
    finally:
        await conn.close()


def add_staff(env: dict[str, str], township: str, password: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "staff", "add", STAFF_USER, "--role", "township_staff",
         "--township", township, "--password-stdin"],
        cwd=ROOT, env=env, input=(password + "\n").encode(), capture_output=True,
        timeout=120, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError((done.stdout + done.stderr).decode())


async def console_sign_in(browser: Any, base: str, password: str) -> None:
    """Sign in through the console's own form, as a person would."""
    import re

    async with browser.get(f"{base}/console/login") as r:
        pre = re.search(r'name="pre" value="([^"]+)"', await r.text())
    assert pre is not None, "no sign-in form"
    form = {"pre": pre.group(1), "username": STAFF_USER, "password": password, "next": ""}
    async with browser.post(f"{base}/console/login", data=form) as r:
        assert r.status == 200 and "工作台" in await r.text(), r.status


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18] * 1000


async def timed(n: int, call: Any) -> list[float]:
    out = []
    for i in range(n):
        began = time.perf_counter()
        await call(i)
        out.append(time.perf_counter() - began)
    return out


async def bench(args: argparse.Namespace, data_dir: Path) -> int:
    import aiohttp
    import asyncpg

    url: str = args.database_url
    print(f"filling {shown(url)} with {args.tickets} tickets ...", flush=True)
    await ensure_database(url)
    townships = await fill(url, args.tickets)
    port = free_port()
    password = secrets.token_urlsafe(16)
    settings = {
        "TOWNSHIP_DATABASE__URL": url,
        # One account reading as fast as it can: the per-account limit out of the way.
        "TOWNSHIP_STAFF__REQUESTS_PER_SECOND": "0",
    }
    env = service_env(data_dir, port, settings)
    if args.redis_url:
        env["TOWNSHIP_REDIS__URL"] = args.redis_url
    conn = await asyncpg.connect(url)
    name = await conn.fetchval("SELECT name FROM township WHERE id = $1", townships[0])
    numbers = [
        r["number"]
        for r in await conn.fetch(
            "SELECT number FROM ticket WHERE township_id = $1 ORDER BY random() LIMIT $2",
            townships[0],
            args.requests,
        )
    ]
    add_staff(env, name, password)
    service = start("service", [sys.executable, "-m", "bot", "serve"], env, data_dir / "serve.log")
    base = f"http://{HOST}:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            await wait_healthy(http, service, f"{base}/healthz")
            async with http.post(
                f"{base}/api/v1/auth/login", json={"username": STAFF_USER, "password": password}
            ) as resp:
                token = (await resp.json())["token"]
            auth = {"Authorization": f"Bearer {token}"}

            async def queue(_: int) -> None:
                async with http.get(f"{base}/api/v1/tickets?status=open", headers=auth) as r:
                    body = await r.json()
                    assert r.status == 200 and len(body["tickets"]) == 20, body

            async def detail(i: int) -> None:
                async with http.get(f"{base}/api/v1/tickets/{numbers[i]}", headers=auth) as r:
                    body = await r.json()
                    assert r.status == 200 and body["number"] == numbers[i], body

            async def raw_queue(_: int) -> None:
                rows = await conn.fetch(
                    "SELECT t.*, w.name FROM ticket t JOIN township w ON w.id = t.township_id"
                    " WHERE t.township_id = $1 AND t.status = ANY($2::text[])"
                    " ORDER BY t.id DESC LIMIT 20",
                    townships[0],
                    ["submitted", "accepted", "in_progress"],
                )
                assert len(rows) == 20

            async def raw_detail(i: int) -> None:
                row = await conn.fetchrow(
                    "SELECT t.*, w.name FROM ticket t JOIN township w ON w.id = t.township_id"
                    " WHERE t.number = $1 AND t.township_id = $2",
                    numbers[i],
                    townships[0],
                )
                assert row is not None
                await conn.fetch(
                    "SELECT * FROM ticket_event WHERE ticket_id = $1 ORDER BY id", row["id"]
                )
                await conn.fetch("SELECT * FROM attachment WHERE ticket_id = $1", row["id"])

            browser = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
            await console_sign_in(browser, base, password)

            async def page(_: int) -> None:
                async with browser.get(f"{base}/console/tickets?status=open") as r:
                    body = await r.text()
                    assert r.status == 200 and body.count('class="ticket ') == 20, r.status

            async def ticket_page(i: int) -> None:
                async with browser.get(f"{base}/console/tickets/{numbers[i]}") as r:
                    body = await r.text()
                    assert r.status == 200 and numbers[i] in body, r.status

            n = len(numbers)
            for warm in (queue, detail, page, ticket_page, raw_queue, raw_detail):
                await timed(min(n, 50), warm)
            api_queue, api_detail = await timed(n, queue), await timed(n, detail)
            console_queue, console_detail = await timed(n, page), await timed(n, ticket_page)
            await browser.close()
            db_queue, db_detail = await timed(n, raw_queue), await timed(n, raw_detail)
    finally:
        service.stop()
        await conn.close()
    q, d = p95(api_queue), p95(api_detail)
    cq, cd = p95(console_queue), p95(console_detail)
    misses = [
        f"{label} {v:.1f} ms >= {target:.0f} ms"
        for label, v, target in (
            ("queue", q, TARGET_MS),
            ("detail", d, TARGET_MS),
            ("console queue page", cq, CONSOLE_TARGET_MS),
            ("console ticket page", cd, CONSOLE_TARGET_MS),
        )
        if v >= target
    ]
    verdict = "PASS" if not misses else "FAIL: " + "; ".join(misses)
    print(
        f"queue ({args.tickets} tickets, {len(townships)} townships, PostgreSQL): "
        f"queue page p95 {q:.1f} ms (p50 {statistics.median(api_queue) * 1000:.1f}), "
        f"detail p95 {d:.1f} ms (p50 {statistics.median(api_detail) * 1000:.1f}) through the API"
        f" | console pages p95 {cq:.1f} / {cd:.1f} ms"
        f" | straight to PostgreSQL p95 {p95(db_queue):.1f} / {p95(db_detail):.1f} ms"
        f" (target API < {TARGET_MS:.0f} ms, console < {CONSOLE_TARGET_MS:.0f} ms each: {verdict})"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--database-url", default=DEFAULT_URL, help="PostgreSQL to fill")
    parser.add_argument("--redis-url", default="", help="a Redis URL (default: embedded)")
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=500, help="timed requests of each kind")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-queue-") as tmp:
        return asyncio.run(bench(args, Path(tmp)))


if __name__ == "__main__":
    raise SystemExit(main())

"""The tickets export over 100,000 tickets and their events in PostgreSQL: its time over
HTTP and the serving process's peak memory above idle.

    python -m bench.exports [--server postgres://postgres@127.0.0.1:5432] [--tickets 100000]

Makes a throwaway database on the server (dropped at the end), fills it with ``--tickets``
tickets of one township (bench.staff_queue's generate_series statement), each with five
steps (submitted, accepted, assigned, resolved by the township's clerk, and rated or left
open as its status says), starts the service (`python -m bot serve`, embedded Redis) and
logs in as that township's clerk. It samples the service's RSS (/proc/<pid>/status) for
2 s to get its idle figure, then downloads GET /api/v1/exports/tickets.xlsx (every
ticket of the township) while sampling the RSS every 50 ms, and checks the file: its
rows, the header and that every step's person is in it. The baseline, in the same run:
the same tickets and their events read straight from PostgreSQL with asyncpg, a page of
1,000 at a time by id as the export reads them, with no workbook made.

The last line is the summary:

    exports (100000 tickets, PostgreSQL): xlsx … s (… rows/s, … MB file), peak RSS +… MB
        over idle | rows read straight from PostgreSQL … s | x… (target < 150 MB: PASS|FAIL)
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

from bench.children import (
    HOST,
    free_port,
    service_env,
    shown,
    start,
    throwaway_database,
    wait_healthy,
)
from bench.staff_queue import STAFF_USER, add_staff, fill_sql

DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432"
TARGET_MB = 150.0
PAGE = 1000


def rss_kb(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for {pid}")


async def fill(url: str, tickets: int) -> str:
    """The schema, the demo data, the tickets of the first township and their steps.
    Returns the township's name."""
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
        township, name = await conn.fetchrow("SELECT id, name FROM township ORDER BY id LIMIT 1")
        step = 2 * 365 * 86400 / tickets
        await conn.execute(fill_sql([township], 0, tickets, step))
        await conn.execute(
            "UPDATE ticket SET unit_id = (SELECT id FROM unit ORDER BY id LIMIT 1)"
            " WHERE status NOT IN ('submitted', 'accepted')"
        )
        return str(name)
    finally:
        await conn.close()


async def add_steps(url: str) -> None:
    """Each ticket's steps as its status says, the clerk's name on theirs."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        clerk = await conn.fetchval("SELECT id FROM staff WHERE username = $1", STAFF_USER)
        # action, actor, staff, from, to, how long after submitting, which tickets
        steps = [
            ("submit", "resident", "NULL", "NULL", "'submitted'", "0 hours", "TRUE"),
            ("accept", "staff", "$1", "'submitted'", "'accepted'", "1 hour",
             "status <> 'submitted'"),
            ("assign", "staff", "$1", "'accepted'", "'in_progress'", "2 hours",
             "status NOT IN ('submitted', 'accepted')"),
            ("resolve", "staff", "$1", "'in_progress'", "'resolved'", "3 days",
             "status IN ('resolved', 'closed')"),
            ("rate", "resident", "NULL", "'resolved'", "'closed'", "4 days", "status = 'closed'"),
        ]  # fmt: skip
        for action, actor, staff, was, to, after, where in steps:
            await conn.execute(
                "INSERT INTO ticket_event"
                " (ticket_id, at, action, actor, staff_id, from_status, to_status, note)"
                f" SELECT id, created_at + interval '{after}', '{action}', '{actor}', {staff},"
                f" {was}, {to}, '' FROM ticket WHERE {where} ORDER BY id",
                *([clerk] if staff == "$1" else []),
            )
        await conn.execute("UPDATE ticket SET accepted_by_id = $1 WHERE status <> 'submitted'",
                           clerk)  # fmt: skip
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


async def straight(url: str) -> tuple[float, int]:
    """The floor: the same tickets and events read by keyset pages with asyncpg."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        began, rows, before = time.perf_counter(), 0, 2**62
        while True:
            page = await conn.fetch(
                "SELECT t.*, w.name AS township, v.name AS village, u.name AS unit"
                " FROM ticket t JOIN township w ON w.id = t.township_id"
                " LEFT JOIN village v ON v.id = t.village_id LEFT JOIN unit u ON u.id = t.unit_id"
                " WHERE t.id < $1 ORDER BY t.id DESC LIMIT $2",
                before,
                PAGE,
            )
            if not page:
                break
            await conn.fetch(
                "SELECT e.ticket_id, e.at, e.action, e.actor, s.username FROM ticket_event e"
                " LEFT JOIN staff s ON s.id = e.staff_id WHERE e.ticket_id = ANY($1::bigint[])"
                " ORDER BY e.ticket_id, e.id",
                [r["id"] for r in page],
            )
            rows += len(page)
            before = page[-1]["id"]
        return time.perf_counter() - began, rows
    finally:
        await conn.close()


async def sample(pid: int, until: asyncio.Event, into: list[int]) -> None:
    while not until.is_set():
        into.append(rss_kb(pid))
        await asyncio.sleep(0.05)


def check(path: Path, tickets: int) -> str:
    """The file's rows and what they hold: None when right, else what is wrong."""
    from openpyxl import load_workbook

    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
    sheet: Any = load_workbook(path, read_only=True).active
    rows = sheet.iter_rows(values_only=True)
    header = next(rows)
    if header[0] != "受理编号" or header[-1] != "办理经过":
        return f"header {header!r}"
    count, named = 0, 0
    for row in rows:
        count += 1
        named += STAFF_USER in str(row[-1] or "")
    if count != tickets:
        return f"{count} rows, not {tickets}"
    if named < tickets * 0.8:  # all but those waiting to be accepted
        return f"the clerk named in only {named} rows' steps"
    return ""


async def bench(args: argparse.Namespace, data_dir: Path) -> int:
    import aiohttp

    async with throwaway_database(args.server, "bench_exports") as url:
        return await _run(args, url, data_dir, aiohttp)


async def _run(args: argparse.Namespace, url: str, data_dir: Path, aiohttp: Any) -> int:
    print(f"filling {shown(url)} with {args.tickets} tickets ...", flush=True)
    began = time.perf_counter()
    township = await fill(url, args.tickets)
    port, password = free_port(), secrets.token_urlsafe(16)
    env = service_env(data_dir, port, {"TOWNSHIP_DATABASE__URL": url})
    add_staff(env, township, password)
    await add_steps(url)
    print(f"  filled in {time.perf_counter() - began:.0f} s", flush=True)
    service = start("service", [sys.executable, "-m", "bot", "serve"], env, data_dir / "serve.log")
    base = f"http://{HOST}:{port}"
    saved = data_dir / "tickets.xlsx"
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=3600)) as http:
            await wait_healthy(http, service, f"{base}/healthz")
            login = {"username": STAFF_USER, "password": password}
            async with http.post(f"{base}/api/v1/auth/login", json=login) as resp:
                auth = {"Authorization": f"Bearer {(await resp.json())['token']}"}
            pid = service.proc.pid
            idle_samples: list[int] = []
            for _ in range(20):
                idle_samples.append(rss_kb(pid))
                await asyncio.sleep(0.1)
            idle = statistics.median(idle_samples)
            done, during = asyncio.Event(), list[int]()
            sampler = asyncio.create_task(sample(pid, done, during))
            began = time.perf_counter()
            async with http.get(f"{base}/api/v1/exports/tickets.xlsx", headers=auth) as resp:
                assert resp.status == 200, await resp.text()
                with saved.open("wb") as out:
                    async for chunk in resp.content.iter_chunked(256 * 1024):
                        out.write(chunk)
            took = time.perf_counter() - began
            done.set()
            await sampler
            hwm = rss_kb(pid, "VmHWM")
    finally:
        service.stop()
    wrong = check(saved, args.tickets)
    floor, read = await straight(url)
    peak = (max(during) - idle) / 1024
    size = saved.stat().st_size / 2**20
    print(f"  service RSS: idle {idle / 1024:.1f} MB, peak {max(during) / 1024:.1f} MB "
          f"(VmHWM {hwm / 1024:.1f} MB, samples {len(during)}); file {size:.1f} MB; "
          f"straight read {read} tickets", flush=True)  # fmt: skip
    misses = [f"peak +{peak:.1f} MB >= {TARGET_MB:.0f} MB"] if peak >= TARGET_MB else []
    misses += [f"file: {wrong}"] if wrong else []
    verdict = "PASS" if not misses else "FAIL: " + "; ".join(misses)
    print(
        f"exports ({args.tickets} tickets, PostgreSQL): xlsx {took:.1f} s "
        f"({args.tickets / took:.0f} rows/s, {size:.1f} MB file), peak RSS +{peak:.1f} MB over "
        f"idle | rows read straight from PostgreSQL {floor:.1f} s | x{took / floor:.1f} "
        f"(target < {TARGET_MB:.0f} MB: {verdict})"
    )
    return 1 if wrong else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--server", default=DEFAULT_SERVER, help="PostgreSQL, no database")
    parser.add_argument("--tickets", type=int, default=100_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-exports-") as tmp:
        return asyncio.run(bench(args, Path(tmp)))


if __name__ == "__main__":
    raise SystemExit(main())

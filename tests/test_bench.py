"""The benchmarks start and finish as bench/README.md says, on a small run each.

Their figures are not judged here (speed is measured by running them, not in the suite);
what is checked is what they check themselves: every household got the notice exactly
once, every webhook reply was the expected one. A script that no longer starts fails here first.

They run on the embedded defaults only: given a database URL, a benchmark drops that
database's schema, which on the PostgreSQL pass is the suite's own.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def _bench(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOWNSHIP_")}
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run(
        [sys.executable, "-m", f"bench.{script}", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=240,
    )


def test_the_fanout_benchmark_reaches_every_household_once() -> None:
    done = _bench("fanout", "--households", "40", "--baseline-calls", "2", "--latency-ms", "5")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.strip().splitlines()
    assert any("40 of 40 households reached" in line and "0 repeats" in line for line in lines), (
        done.stdout
    )
    assert lines[-1].startswith("fanout (40 households, SQLite, embedded Redis, 5 ms API): ")
    assert "deliveries/s" in lines[-1] and "sequential loop" in lines[-1]


def test_the_webhook_benchmark_gets_every_reply_right() -> None:
    done = _bench(
        "webhook", "--seconds", "1", "--people", "40", "--connections", "8", "--no-processes"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    summary = done.stdout.strip().splitlines()[-1]
    assert summary.startswith(
        "webhook (菜单 from 40 people, SQLite, embedded Redis, wrk 8 connections): service "
    )
    assert all(peer in summary for peer in ("msg/s", "stateless", "WeRoBot", "bare")), summary
    assert "service, 我的 mix:" in done.stdout and "service, menu mix:" in done.stdout


def test_the_intents_benchmark_times_the_phrase_table_beside_the_old_reading() -> None:
    done = _bench("intents", "--rounds", "1")
    assert done.returncode == 0, done.stdout + done.stderr
    summary = done.stdout.strip().splitlines()[-1]
    assert summary.startswith("intents (") and "accuracy" in summary
    assert "decision median" in summary and "old menu reading" in summary


def test_the_scoreboard_benchmark_counts_a_quarter_and_drops_its_database() -> None:
    """On the PostgreSQL pass only (it needs a server): a database of its own, made and
    dropped, never the suite's."""
    url = os.environ.get("TOWNSHIP_DATABASE__URL", "")
    if not url.startswith("postgres"):
        pytest.skip("needs PostgreSQL (the suite's PostgreSQL pass)")
    server = url.rsplit("/", 1)[0]
    done = _bench("scoreboard", "--server-url", server, "--tickets", "3000", "--runs", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    summary = done.stdout.strip().splitlines()[-1]
    assert summary.startswith("scoreboard (3000 tickets, "), summary
    assert "by township" in summary and "count(*)" in summary and "target p95" in summary

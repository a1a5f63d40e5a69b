"""`township serve` that cannot start says why, in its own words, and exits non-zero:
the database, Redis or the port — never one blamed for another — and no password."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def _serve(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TOWNSHIP_")}
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return subprocess.run(
        [sys.executable, "-m", "bot", "serve"],
        cwd=ROOT,
        env={
            **clean,
            "TOWNSHIP_DATA_DIR": str(tmp_path),
            "TOWNSHIP_HTTP__PORT": str(port),
            "PYTHONIOENCODING": "utf-8",
            **env,
        },
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )


def test_a_database_that_cannot_be_reached_is_named_without_its_password(
    tmp_path: Path,
) -> None:
    done = _serve(
        tmp_path, TOWNSHIP_DATABASE__URL="postgres://township:hunter2@127.0.0.1:1/township"
    )
    assert done.returncode == 1, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("township: cannot open the database ")
    assert "postgres://township:***@127.0.0.1:1/township" in last
    assert "hunter2" not in done.stderr and "cannot listen" not in done.stderr


def test_a_redis_that_cannot_be_reached_is_named(tmp_path: Path) -> None:
    done = _serve(tmp_path, TOWNSHIP_REDIS__URL="redis://:secret@127.0.0.1:1/0")
    assert done.returncode == 1, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("township: cannot reach Redis at redis://:***@127.0.0.1:1/0")
    assert "secret" not in done.stderr and "cannot listen" not in done.stderr


def test_a_port_already_taken_is_named(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = _serve(tmp_path, TOWNSHIP_HTTP__PORT=str(port))
    assert done.returncode == 1, done.stderr
    assert f"township: cannot listen on 127.0.0.1:{port}" in done.stderr

"""Where a process's CPU goes while a benchmark loads it: py-spy (the `bench` extra)
sampling it from outside, summed by function (inclusive) and by part of the stack."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

# Parts of a step, by a frame's file or function: the first part in this order that any
# frame of a sample matches names the sample (a log call made inside the Redis client
# counts as logging). Every request's stack goes through aiohttp: last.
PARTS = (
    ("logging (structlog, logging, masking)", ("structlog", "(logging/", "bot/logs.py")),
    ("database (SQLite thread, ORM)", ("aiosqlite", "sqlite3", "tortoise", "pypika", "asyncpg")),
    ("Redis client", ("redis/", "hiredis")),
    ("crypto and signing", ("wechatpy/crypto", "cryptography", "wechat/signing.py", "hashlib")),
    ("XML parse and render", ("wechat/parsing.py", "xmltodict", "wechatpy/replies", "ElementTree")),
    ("conversation step", ("conversations/",)),
    ("aiohttp and the rest of the request", ("aiohttp/",)),
)


def program() -> str:
    found = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(found).exists():
        raise RuntimeError("py-spy is not installed: pip install -e '.[bench]'")
    return found


def start(pid: int, seconds: int, out: Path) -> subprocess.Popen[bytes]:
    """py-spy recording ``pid`` (all its threads) for ``seconds``, collapsed stacks."""
    return subprocess.Popen(
        [
            program(),
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(seconds),
            "--rate",
            "250",
            "--format",
            "raw",
            "--output",
            str(out),
            "--threads",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def summary(path: Path, top: int = 22) -> list[str]:
    """Lines: the share of samples by part, then the functions seen most (inclusive)."""
    parts: Counter[str] = Counter()
    functions: Counter[str] = Counter()
    total = 0
    for line in path.read_text("utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        part = "other (event loop, the service's own code)"
        for name, marks in PARTS:
            if any(mark in frame for frame in frames for mark in marks):
                part = name
                break
        parts[part] += n
        for frame in set(frames):
            functions[frame] += n
    if not total:
        return ["profile: no samples"]
    out = [f"profile: {total} samples; by part:"]
    out += [f"  {n * 100 / total:5.1f}%  {name}" for name, n in parts.most_common()]
    out.append("  functions seen most (inclusive):")
    out += [f"  {n * 100 / total:5.1f}%  {frame}" for frame, n in functions.most_common(top)]
    return out

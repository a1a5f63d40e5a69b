"""`township serve` and `township staff add` as an operator runs them: processes of their
own, configured by the environment. Used by the tests of the CLI and by the browser tests.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "a-long-password"  # every staff account the tests make through the CLI
STARTUP_SECONDS = 30


@dataclass
class Service:
    base: str  # http://127.0.0.1:PORT
    env: dict[str, str]
    data_dir: Path
    log: Path

    def log_text(self) -> str:
        return self.log.read_text("utf-8", "replace")

    def pushes_to(self, openid: str) -> list[dict[str, Any]]:
        """What the service's WeChat sandbox took for ``openid``, oldest first."""
        url = f"{self.base}/sandbox/_sandbox/sent?after=0&touser={openid}"
        with urllib.request.urlopen(url, timeout=5) as resp:
            items: list[dict[str, Any]] = json.load(resp)["items"]
        return items


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=1) as resp:
            return bool(resp.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@contextlib.contextmanager
def serving(folder: Path, port: int, **settings: str) -> Iterator[Service]:
    """`township serve` with its data in folder/data, until the block ends: the environment
    as it is, with ``settings`` (TOWNSHIP_... variables) on top. Stopped as systemd stops
    it (SIGTERM), killed if it has not stopped 15 s later."""
    data_dir = folder / "data"
    env = {
        **os.environ,
        "TOWNSHIP_DATA_DIR": str(data_dir),
        "TOWNSHIP_HTTP__PORT": str(port),
        "PYTHONIOENCODING": "utf-8",
        **settings,
    }
    base = f"http://127.0.0.1:{port}"
    log_path = folder / "serve.log"
    folder.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            while not _healthy(base):
                if proc.poll() is not None:
                    pytest.fail(
                        f"the service exited ({proc.returncode}):\n"
                        + log_path.read_text("utf-8", "replace")
                    )
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"the service did not become healthy in {STARTUP_SECONDS} s:\n"
                        + log_path.read_text("utf-8", "replace")
                    )
                time.sleep(0.05)
            yield Service(base, env, data_dir, log_path)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def township(
    env: Mapping[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`township ARGS` as an operator runs it, a process, with ``env`` (TOWNSHIP_...
    variables that name the database) over the environment as it is."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONIOENCODING": "utf-8", **env},
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )


def staff_add(
    env: Mapping[str, str], *args: str, password: str = PASSWORD
) -> subprocess.CompletedProcess[str]:
    """`township staff add ARGS --password-stdin`, the password on standard input."""
    return township(env, "staff", "add", *args, "--password-stdin", stdin=password + "\n")


def complaint(words: str, name: str, phone: str, township: str = "桑园镇") -> list[tuple[str, str]]:
    """What a new resident sends, one message each, to complain about 环境卫生 in the first
    village of ``township``, and how the answer to each begins."""
    return [
        ("反映问题", "您要反映什么"),
        ("投诉", "是哪方面的"),
        ("环境卫生", "请把情况说一说"),
        (words, "个人信息告知"),
        ("同意", "请告诉我您的姓名"),
        (name, "请告诉我您的手机号"),
        (phone, "您住在哪个乡镇"),
        (township, f"您住在{township}的哪个村"),
        ("1", "请核对"),
        ("确认", "已提交！受理编号："),
    ]

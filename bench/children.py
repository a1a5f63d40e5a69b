"""What the benchmarks share: starting the service (and other helpers) as child
processes, waiting until they answer, stopping them, a throwaway PostgreSQL database,
and printing URLs safely."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import aiohttp

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parents[1]


def service_env(data_dir: Path, port: int, settings: dict[str, str]) -> dict[str, str]:
    """The environment of a `township serve` a benchmark starts: this one without its own
    TOWNSHIP_* settings, then the data folder, the address, warnings-only logs and
    ``settings`` (TOWNSHIP_... names)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOWNSHIP_")}
    env.update(
        {
            "TOWNSHIP_DATA_DIR": str(data_dir),
            "TOWNSHIP_HTTP__HOST": HOST,
            "TOWNSHIP_HTTP__PORT": str(port),
            "TOWNSHIP_LOGGING__LEVEL": "warning",
            "PYTHONUNBUFFERED": "1",
            **settings,
        }
    )
    return env


@contextlib.asynccontextmanager
async def throwaway_database(server: str, prefix: str, keep: bool = False) -> AsyncIterator[str]:
    """A database of its own on a PostgreSQL server (``server``: its URL without a
    database), named after ``prefix`` and this process, dropped at the end whatever
    happens (unless ``keep``: then its URL is printed); yields its URL."""
    import asyncpg

    server = server.rstrip("/")
    name = f"{prefix}_{os.getpid()}"
    admin = await asyncpg.connect(f"{server}/postgres")
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield f"{server}/{name}"
    finally:
        if keep:
            print(f"kept {shown(f'{server}/{name}')}: drop it when done", flush=True)
        else:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def installed(program: str, package: str) -> str:
    """The path of ``program``, installed from Debian's ``package`` with apt-get when it is
    missing and we are root; RuntimeError saying why when it cannot be had."""
    import shutil

    def which() -> str | None:
        return shutil.which(program) or shutil.which(program, path="/usr/sbin:/usr/local/sbin")

    found = which()
    if found:
        return found
    if os.geteuid() != 0:
        raise RuntimeError(f"{program} is not installed: apt-get install {package} (as root)")
    # RUNLEVEL=1: a package with a service (nginx) would otherwise start it on port 80.
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive", "RUNLEVEL": "1"}
    install = ["apt-get", "install", "-y", "-q", package]
    for argv in (install, ["apt-get", "update", "-q"], install):  # updated only if needed
        subprocess.run(argv, env=env, capture_output=True, check=False)
        found = which()
        if found:
            return found
    raise RuntimeError(f"{program} is not installed and `apt-get install {package}` failed")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Child:
    name: str
    proc: subprocess.Popen[bytes]
    log: Path

    def tail(self, lines: int = 30) -> str:
        try:
            text = self.log.read_text("utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, patience: float = 20.0) -> None:
        """SIGTERM (aiohttp shuts down cleanly, stopping the embedded Redis), then SIGKILL."""
        if self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=patience)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


def start(name: str, argv: Sequence[str], env: dict[str, str], log: Path) -> Child:
    with log.open("wb") as out:
        proc = subprocess.Popen(
            list(argv),
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return Child(name, proc, log)


async def wait_healthy(
    http: aiohttp.ClientSession, child: Child, url: str, patience: float = 90.0
) -> None:
    import aiohttp

    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        if child.proc.poll() is not None:
            raise RuntimeError(f"{child.name} exited with {child.proc.returncode}:\n{child.tail()}")
        with contextlib.suppress(aiohttp.ClientError, TimeoutError):
            async with http.get(url, timeout=aiohttp.ClientTimeout(total=2)) as resp:
                if resp.status == 200:
                    return
        await asyncio.sleep(0.2)
    raise RuntimeError(f"{child.name} not healthy after {patience:.0f} s:\n{child.tail()}")


def shown(url: str) -> str:
    """A URL without its credentials, fit to print."""
    from yarl import URL

    return str(URL(url).with_user(None))

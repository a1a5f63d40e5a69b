"""A PostgreSQL server of a test's own, to freeze, stop and restart.

Never the machine's server that the suite's second pass (and anyone else) runs on: a
cluster made with initdb in a temporary folder, on a free port, started and stopped by
the test. As root the server runs as the ``postgres`` user, as PostgreSQL insists.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path


def binaries() -> Path | None:
    """The folder of initdb and postgres, or None when PostgreSQL is not installed."""
    found = shutil.which("initdb")
    if found:  # a link into the version's folder, which holds the rest too
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return versions[-1].parent if versions else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class OwnPostgres:
    """One cluster in ``folder``: :meth:`start`, :meth:`stop` (a fast shutdown, as an
    operator's restart does), :meth:`freeze` and :meth:`thaw` (every server process
    stopped and continued: what a network partition looks like to a client)."""

    def __init__(self) -> None:
        bin_dir = binaries()
        assert bin_dir is not None
        self._bin = bin_dir
        # Not under pytest's own folders: the postgres user could not enter them.
        self.folder = folder = Path(tempfile.mkdtemp(prefix="township-test-pg-"))
        self.data = folder / "data"
        self.port = _free_port()
        self._as: list[str] = []
        self._user: pwd.struct_passwd | None = None
        if os.geteuid() == 0:
            self._user = pwd.getpwnam("postgres")
            self._as = ["runuser", "-u", "postgres", "--"]
        if self._user is not None:
            os.chown(folder, self._user.pw_uid, self._user.pw_gid)
        self._run(
            str(self._bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
            "--no-sync", "-E", "UTF8",
        )  # fmt: skip
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        subprocess.run([*self._as, *args], check=True, capture_output=True, cwd=self.folder)

    def start(self) -> None:
        log = (self.folder / "server.log").open("ab")
        self.process = subprocess.Popen(
            [
                *self._as, str(self._bin / "postgres"), "-D", str(self.data),
                "-p", str(self.port), "-k", str(self.folder), "-c", "listen_addresses=127.0.0.1",
                "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
            ],
            stdout=log, stderr=log, cwd=self.folder,
        )  # fmt: skip
        log.close()
        end = time.monotonic() + 30
        while True:
            # Accepting connections, not only listening: a server still starting up
            # refuses them ("the database system is starting up").
            ready = subprocess.run(
                [str(self._bin / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)],
                check=False,
            )
            if ready.returncode == 0:
                return
            assert self.process.poll() is None, (self.folder / "server.log").read_text()
            assert time.monotonic() < end, "PostgreSQL did not start"
            time.sleep(0.05)

    def _postmaster(self) -> int:
        first = (self.data / "postmaster.pid").read_text().split("\n", 1)[0]
        return int(first)

    def _server_pids(self) -> list[int]:
        """The postmaster and every process it started."""
        root = self._postmaster()
        pids = [root]
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            with contextlib.suppress(OSError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == root:
                    pids.append(int(entry.name))
        return pids

    def freeze(self) -> None:
        for pid in self._server_pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        pids = self._server_pids()
        if self.process is not None:
            # runuser stops itself when the server it waits on is stopped, as su does.
            pids.append(self.process.pid)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)

    def stop(self) -> None:
        """A fast shutdown (pg_ctl stop -m fast): clients' connections are ended."""
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(OSError, ValueError):
            self.thaw()
        # To the postmaster itself: as root, self.process is runuser, which passes no
        # signal on.
        try:
            os.kill(self._postmaster(), signal.SIGINT)
        except (OSError, ValueError):
            self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def restart(self) -> None:
        self.stop()
        self.start()


@contextlib.contextmanager
def own_postgres() -> Iterator[OwnPostgres]:
    server = OwnPostgres()
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.folder, ignore_errors=True)

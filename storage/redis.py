"""The Redis connection: a URL when configured, otherwise an embedded server."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import redis.asyncio as aioredis

from storage.embedded_redis import EmbeddedRedis


@contextlib.asynccontextmanager
async def open_redis(url: str, data_dir: Path) -> AsyncIterator[aioredis.Redis]:
    """Yield a client. With an empty ``url``, an embedded Redis under ``data_dir``,
    started if none runs there and watched for as long as the context lasts."""
    embedded = None
    if not url:
        embedded = EmbeddedRedis(data_dir)
        await embedded.start()
        url = embedded.url
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
            await embedded.close()

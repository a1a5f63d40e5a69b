"""The Redis connection: a URL when configured, otherwise an embedded server."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import redis.asyncio as aioredis

from storage.embedded_redis import EmbeddedRedis

# Seconds any one Redis command may take before it is given up (Redis answers in well
# under a millisecond; a stopped or partitioned server never does).
COMMAND_TIMEOUT = 2.0


def without_timeout(client: aioredis.Redis) -> aioredis.Redis:
    """A client on the same server with no per-command timeout, for callers that bound
    their waits themselves: redis-py times each command with a task of its own, a tenth
    of a conversation turn's cost, and a Pub/Sub listener waits for messages on purpose.
    The caller closes it."""
    kwargs = {**client.connection_pool.connection_kwargs, "socket_timeout": None}
    pool = aioredis.ConnectionPool(
        connection_class=client.connection_pool.connection_class,
        max_connections=client.connection_pool.max_connections,
        **kwargs,
    )
    # Owning its pool: closing the client disconnects the pool's connections too (a
    # client handed a pool leaves it open, and its sockets to be found by the garbage
    # collector).
    return aioredis.Redis.from_pool(pool)


@contextlib.asynccontextmanager
async def open_redis(url: str, data_dir: Path) -> AsyncIterator[aioredis.Redis]:
    """Yield a client. With an empty ``url``, an embedded Redis under ``data_dir``,
    started if none runs there and watched for as long as the context lasts."""
    embedded = None
    if not url:
        embedded = EmbeddedRedis(data_dir)
        await embedded.start()
        url = embedded.url
    # A frozen or unreachable Redis must not hold a staff request or a worker for ever:
    # every command gives up after COMMAND_TIMEOUT. The conversation turn's hot path uses
    # a twin without it (see without_timeout).
    client = aioredis.from_url(
        url,
        decode_responses=False,
        health_check_interval=30,
        socket_timeout=COMMAND_TIMEOUT,
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


async def listen(
    redis: aioredis.Redis,
    channel: str,
    heard: Callable[[], object],
    *,
    retry_seconds: float,
    subscribed: Callable[[], object] | None = None,
) -> None:
    """Until cancelled: ``heard()`` for each message published on ``channel``, and
    ``subscribed()`` each time the subscription is (re)made, for what was published while
    nobody listened. Redis away: tried again after ``retry_seconds`` (the caller's own
    timer covers the gap). ``redis`` must have no per-command timeout (without_timeout)."""
    while True:
        try:
            async with redis.pubsub() as pubsub:
                await pubsub.subscribe(channel)
                if subscribed is not None:
                    subscribed()
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        heard()
        except asyncio.CancelledError:
            raise
        except Exception:
            await asyncio.sleep(retry_seconds)

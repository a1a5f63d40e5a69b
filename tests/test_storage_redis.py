"""The embedded Redis: shared by every process on one data folder, watched and started
again if it dies, its files in the data folder."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import redis.exceptions

from storage.redis import open_redis


async def test_a_second_user_leaving_does_not_stop_the_first(tmp_path: Path) -> None:
    async with open_redis("", tmp_path) as first:
        await first.set("kept", "1")
        # A second `township serve` on the same folder (say it failed to bind its port).
        async with open_redis("", tmp_path) as second:
            assert await second.get("kept") == b"1"
        assert await first.ping()
        assert await first.get("kept") == b"1"
    # The last one out stopped it, and what it held was saved.
    async with open_redis("", tmp_path) as again:
        assert await again.get("kept") == b"1"


async def _until(check: Callable[[], Awaitable[bool]], seconds: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while True:
        try:
            if await check():
                return
        except redis.exceptions.RedisError:
            pass  # still down
        assert loop.time() < end, "not back in time"
        await asyncio.sleep(0.05)


async def test_a_killed_embedded_redis_is_started_again_with_what_it_held(
    tmp_path: Path,
) -> None:
    async with open_redis("", tmp_path) as client:
        await client.set("session", "mid-flow")
        pid = int((await client.info("server"))["process_id"])
        os.kill(pid, signal.SIGKILL)  # as the OOM killer or a slip of `kill -9` would

        async def back() -> bool:
            return await client.get("session") == b"mid-flow"

        await _until(back)  # the same client, no restart of ours
        assert int((await client.info("server"))["process_id"]) != pid


async def test_the_embedded_redis_keeps_its_files_in_the_data_folder(tmp_path: Path) -> None:
    async with open_redis("", tmp_path) as client:
        await client.set("k", "v")
        assert (tmp_path / "redis" / "redis.sock").is_socket()
        # Synced every second: a crash loses about a second of conversation at most.
        raw: dict[Any, Any] = await client.config_get("append*")
        assert raw["appendonly"] == "yes" and raw["appendfsync"] == "everysec"
    assert (tmp_path / "redis" / "appendonly.aof").exists()


async def test_a_process_sharing_it_takes_over_when_its_owner_is_gone(tmp_path: Path) -> None:
    """Two processes on one data folder: the first starts Redis; when it leaves (and its
    server with it), the other starts it again from the append-only file."""
    async with contextlib.AsyncExitStack() as stack:
        first = await stack.enter_async_context(open_redis("", tmp_path))
        await first.set("k", "v")
        pid = int((await first.info("server"))["process_id"])
        async with open_redis("", tmp_path) as second:
            await stack.aclose()  # the first leaves, stopping the server it started

            async def back() -> bool:
                return await second.get("k") == b"v"

            await _until(back)
            assert int((await second.info("server"))["process_id"]) != pid

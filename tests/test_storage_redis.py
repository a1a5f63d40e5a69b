"""The embedded Redis: shared by every process on one data folder, stopped by the last."""

from __future__ import annotations

from pathlib import Path

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

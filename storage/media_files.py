"""Where fetched media (grid reports' photos and voice notes) are kept: a folder under
the data folder, or an S3-compatible bucket."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Protocol


class MediaStore(Protocol):
    """Where fetched media are kept: a folder, or an S3-compatible bucket."""

    async def put(self, key: str, content: bytes, content_type: str) -> None: ...

    async def get(self, key: str) -> bytes | None: ...


class FolderStore:
    """Files under the data folder (the one-machine default)."""

    def __init__(self, folder: Path, owner: str) -> None:
        self._folder = folder.resolve()
        self._owner = owner

    def _path(self, key: str) -> Path | None:
        path = (self._folder / key).resolve()
        return path if path.is_relative_to(self._folder) else None

    async def put(self, key: str, content: bytes, content_type: str) -> None:
        path = self._path(key)
        if path is None:
            raise OSError(f"not under the data folder: {key}")
        await asyncio.to_thread(self._write, path, content)

    def _write(self, path: Path, content: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Each process its own partial file: two that fetched the same media after a
        # lease ran out never write into one file.
        partial = path.with_suffix(f"{path.suffix}.{self._owner}.part")
        partial.write_bytes(content)
        partial.replace(path)  # whole or not at all

    async def get(self, key: str) -> bytes | None:
        path = self._path(key)
        if path is None or not path.is_file():
            return None
        return await asyncio.to_thread(path.read_bytes)


class S3Store:
    """Objects in an S3-compatible bucket (MinIO, a cloud's object storage)."""

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self._client = client
        self._bucket = bucket
        self._prefix = prefix

    async def put(self, key: str, content: bytes, content_type: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            await self._client.put_object(
                Bucket=self._bucket, Key=self._prefix + key, Body=content, ContentType=content_type
            )
        except (BotoCoreError, ClientError) as exc:  # counted as a missed try, like a disk
            raise OSError(str(exc)) from exc

    async def get(self, key: str) -> bytes | None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            answer = await self._client.get_object(Bucket=self._bucket, Key=self._prefix + key)
            async with answer["Body"] as stream:
                content: bytes = await stream.read()
        except (BotoCoreError, ClientError):
            return None
        return content

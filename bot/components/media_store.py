"""Where grid reports' photos and voice notes are kept: the data folder, or an
S3-compatible bucket."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

from aiohttp import web

from bot import keys
from bot.settings import SettingsError
from storage.media_files import FolderStore, S3Store


async def media_store(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    ms = settings.media
    if ms.store == "folder":
        app[keys.MEDIA_STORE] = FolderStore(settings.data_dir, f"pid{os.getpid()}")
        yield
        return
    try:
        from aiobotocore.session import get_session
    except ImportError:
        raise SettingsError(
            "bad setting media.store (TOWNSHIP_MEDIA__STORE): s3 needs aiobotocore; "
            "pip install 'township-desk[s3]'"
        ) from None
    client = get_session().create_client(
        "s3",
        endpoint_url=ms.s3_endpoint_url or None,
        region_name=ms.s3_region,
        aws_access_key_id=ms.s3_access_key,
        aws_secret_access_key=ms.s3_secret_key,
    )
    async with client as s3:
        app[keys.MEDIA_STORE] = S3Store(s3, ms.s3_bucket, ms.s3_prefix)
        yield

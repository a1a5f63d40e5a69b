"""Redis (an embedded server under the data folder unless a URL is given), and the staff
API's request budget kept in it."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from bot import keys
from storage.ratelimit import RateLimit
from storage.redis import open_redis


async def redis(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    async with open_redis(settings.redis.url, settings.data_dir) as client:
        app[keys.REDIS] = client
        staff = settings.staff
        app[keys.STAFF_RATE] = (
            RateLimit(
                client,
                "ratelimit:staff:",
                rate=staff.requests_per_second,
                burst=staff.request_burst,
            )
            if staff.requests_per_second
            else None
        )
        yield

"""GET /healthz: can we reach the database and Redis?"""

from __future__ import annotations

import asyncio

from aiohttp import web
from tortoise.connection import get_connection

from bot import keys


async def _database_ok() -> bool:
    try:
        await asyncio.wait_for(get_connection("default").execute_query("SELECT 1"), 2.0)
    except Exception:
        return False
    return True


async def _redis_ok(app: web.Application) -> bool:
    try:
        return bool(await asyncio.wait_for(app[keys.REDIS].ping(), 2.0))
    except Exception:
        return False


async def healthz(request: web.Request) -> web.Response:
    database, redis = await asyncio.gather(_database_ok(), _redis_ok(request.app))
    body = {
        "database": "ok" if database else "unreachable",
        "redis": "ok" if redis else "unreachable",
    }
    return web.json_response(body, status=200 if database and redis else 503)

"""The database: opened (migrated, and seeded with the demo data set when empty) for the
app's lifetime."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import asyncpg
import structlog
from aiohttp import web
from tortoise.exceptions import BaseORMException

from bot import keys
from bot.settings import StartupError, without_password
from storage import demo
from storage.db import Timeouts, open_database
from storage.models import Township

log = structlog.get_logger(__name__)


async def database(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    clock = app[keys.CLOCK]
    settings.data_dir.mkdir(parents=True, exist_ok=True)

    async def prepare() -> None:
        for part in await demo.seed(clock()):
            log.info("demo data loaded", part=part)
        owner = settings.account.township
        if owner and not await Township.filter(name=owner).exists():
            log.error(
                "account.township names no township in the data set: new followers "
                "will not be placed in it",
                township=owner,
            )

    url = settings.database_url
    async with contextlib.AsyncExitStack() as stack:
        try:
            app[keys.DATABASE] = await stack.enter_async_context(
                open_database(
                    url,
                    prepare=prepare,
                    timeouts=Timeouts(
                        connect=settings.database.connect_timeout,
                        command=settings.database.command_timeout,
                    ),
                )
            )
        except FileNotFoundError as exc:
            raise StartupError(f"a file the service needs is missing: {exc.filename}") from exc
        except (OSError, asyncpg.PostgresError, BaseORMException) as exc:
            raise StartupError(
                f"cannot open the database {without_password(url)} ({_reason(exc)}); "
                "check database.url (TOWNSHIP_DATABASE__URL) and that the server is up"
            ) from exc
        yield


def _reason(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__

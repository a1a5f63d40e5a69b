"""The database: configuration, migrations, and the per-app tortoise context."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import asyncpg
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.context import TortoiseContext, _current_context
from tortoise.migrations.api import migrate
from tortoise.models import Model

# The scoreboard's facts follow each ticket event as it is written (its signals).
import storage.ticket_facts  # noqa: F401

MODELS = ["storage.models"]


@dataclass(frozen=True)
class Timeouts:
    """How long PostgreSQL may take to open a connection, and to run any one statement
    (seconds): a server that stopped answering fails the call instead of holding it, and
    whoever made it for ever."""

    connect: float
    command: float


def tortoise_config(url: str, timeouts: Timeouts | None = None) -> dict[str, Any]:
    """The tortoise-orm configuration for a database URL (sqlite://PATH or postgres://...)."""
    connection: str | dict[str, Any] = url
    if timeouts is not None and url.startswith(("postgres://", "asyncpg://")):
        connection = expand_db_url(url)
        connection["credentials"]["timeout"] = timeouts.connect
        connection["credentials"]["command_timeout"] = timeouts.command
    return {
        "connections": {"default": connection},
        "apps": {
            "models": {
                "models": MODELS,
                "default_connection": "default",
                "migrations": "storage.migrations",
            }
        },
        "use_tz": True,
        "timezone": "Asia/Shanghai",
    }


# For `tortoise makemigrations` (pyproject's [tool.tortoise]) during development only.
CLI_CONFIG = tortoise_config("sqlite://data/makemigrations.sqlite3")


async def apply_migrations(url: str) -> None:
    """Bring the schema up to date. Safe to run from several processes one after another."""

    async def _run() -> None:
        # A context of its own, so the migration machinery's init does not touch the app's.
        async with TortoiseContext():
            await migrate(config=tortoise_config(url))

    # A separate task gets a fresh copy of the context variables.
    await asyncio.create_task(_run())


@contextlib.asynccontextmanager
async def open_database(
    url: str,
    *,
    prepare: Callable[[], Awaitable[object]] | None = None,
    timeouts: Timeouts | None = None,
) -> AsyncIterator[TortoiseContext]:
    """Migrate and ``prepare`` (e.g. load the demo data), one process at a time, then yield
    a tortoise context the caller makes current around its queries (see :func:`use`)."""
    ctx = TortoiseContext()
    try:  # a failed start-up closes its connections too, or aiosqlite's thread lingers
        async with _startup_lock(url, timeouts):
            await apply_migrations(url)
            with use(ctx):
                await ctx.init(config=tortoise_config(url, timeouts))
                if prepare is not None:
                    await prepare()
        yield ctx
    finally:
        await ctx.close_connections()


# Any fixed number: several `township serve` starting together take turns to migrate.
_MIGRATION_LOCK = 0x70776E73


@contextlib.asynccontextmanager
async def _startup_lock(url: str, timeouts: Timeouts | None) -> AsyncIterator[None]:
    if url.startswith(("postgres://", "asyncpg://")):
        conn = await asyncpg.connect(
            "postgres://" + url.split("://", 1)[1].split("?", 1)[0],
            timeout=timeouts.connect if timeouts else 60,
        )
        try:
            await conn.execute("SELECT pg_advisory_lock($1)", _MIGRATION_LOCK)
            yield
        finally:
            await conn.close()  # ends the session, and with it the advisory lock
        return
    path = Path(url.removeprefix("sqlite://").split("?", 1)[0] + ".startup-lock")
    handle = await asyncio.to_thread(_flock, path)
    try:
        yield
    finally:
        handle.close()


def _flock(path: Path) -> IO[bytes]:
    handle = path.open("ab")
    fcntl.flock(handle, fcntl.LOCK_EX)
    return handle


@contextlib.contextmanager
def use(ctx: TortoiseContext) -> Iterator[None]:
    """Make ``ctx`` the current tortoise context for this task only.

    ``with ctx:`` keeps its reset token on the shared context object, so overlapping
    requests overwrite each other's token; here each caller keeps its own.
    """
    token = _current_context.set(ctx)
    try:
        yield
    finally:
        _current_context.reset(token)


async def delete_older(model: type[Model], field: str, cutoff: datetime, limit: int) -> int:
    """Delete up to ``limit`` rows of ``model`` whose ``field`` is before ``cutoff`` (kept
    records past their keeping); how many went. By primary key, so each call is short."""
    key = model._meta.pk_attr
    ids = await model.filter(**{f"{field}__lt": cutoff}).limit(limit).values_list(key, flat=True)
    if not ids:
        return 0
    return await model.filter(**{f"{key}__in": list(ids)}).delete()

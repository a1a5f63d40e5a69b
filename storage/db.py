"""The database: configuration, migrations, and the per-app tortoise context."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

from tortoise.context import TortoiseContext, _current_context
from tortoise.migrations.api import migrate

MODELS = ["storage.models"]


def tortoise_config(url: str) -> dict[str, Any]:
    """The tortoise-orm configuration for a database URL (sqlite://PATH or postgres://...)."""
    return {
        "connections": {"default": url},
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
async def open_database(url: str) -> AsyncIterator[TortoiseContext]:
    """Migrate, then yield a tortoise context the caller enters around its queries."""
    await apply_migrations(url)
    ctx = TortoiseContext()
    with use(ctx):
        await ctx.init(config=tortoise_config(url))
    try:
        yield ctx
    finally:
        await ctx.close_connections()


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

"""The service's parts, each opened and closed by its own cleanup context (an async
generator aiohttp runs at start-up and, in reverse order, at shutdown), from its own
settings section. ``bot.app.create_app`` lists them in order."""

from bot.components.database import database
from bot.components.media_store import media_store
from bot.components.redis_client import redis
from bot.components.turn_runner import turn_runner
from bot.components.wechat_client import wechat
from bot.components.work_calendar import work_calendar
from bot.components.workers import (
    arrivals,
    digest,
    dispatcher,
    fanout,
    jobs,
    media_fetcher,
    reminders,
    ticket_sweeper,
)

__all__ = [
    "arrivals",
    "database",
    "digest",
    "dispatcher",
    "fanout",
    "jobs",
    "media_fetcher",
    "media_store",
    "redis",
    "reminders",
    "ticket_sweeper",
    "turn_runner",
    "wechat",
    "work_calendar",
]

"""Typed keys for everything the application holds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import aiohttp
import aiojobs
import redis.asyncio as aioredis
from aiohttp import web
from tortoise.context import TortoiseContext

from bot.settings import Settings
from bot.turns import TurnRunner
from conversations.flows import FlowRegistry
from notifications.arrivals import Arrivals
from notifications.digest import Digest
from notifications.dispatcher import Dispatcher
from notifications.fanout import Fanout
from notifications.media_fetcher import MediaFetcher
from notifications.reminders import Reminders
from notifications.ticket_updates import TicketRendering
from storage.calendar_days import CalendarDays
from storage.console_sessions import ConsoleSessions
from storage.deadlines import Deadlines
from storage.logins import Logins
from storage.media_files import MediaStore
from storage.ratelimit import RateLimit
from storage.redis_loss import RedisLoss
from storage.workdays import WorkCalendar
from wechat.client import WeChatAPI
from wechat.sandbox import SandboxState
from wechat.signing import Cipher

SETTINGS = web.AppKey("settings", Settings)
CLOCK = web.AppKey[Callable[[], datetime]]("clock")
FLOWS = web.AppKey("flows", FlowRegistry)
DATABASE = web.AppKey("database", TortoiseContext)
# Every command gives up after storage.redis.COMMAND_TIMEOUT seconds.
REDIS = web.AppKey("redis", aioredis.Redis)
# No per-command timeout: for the conversation turn (bounded by WeChat's reply budget)
# and Pub/Sub listeners (which wait for messages on purpose).
REDIS_UNBOUNDED = web.AppKey("redis_unbounded", aioredis.Redis)
HTTP = web.AppKey("http", aiohttp.ClientSession)
WECHAT = web.AppKey("wechat", WeChatAPI)
CIPHER = web.AppKey("cipher", Cipher)
SCHEDULER = web.AppKey("scheduler", aiojobs.Scheduler)
TURNS = web.AppKey("turns", TurnRunner)
REDIS_LOSS = web.AppKey("redis_loss", RedisLoss)
SANDBOX = web.AppKey("sandbox", SandboxState)
DISPATCHER = web.AppKey("dispatcher", Dispatcher)
FANOUT = web.AppKey("fanout", Fanout)
WORK_CALENDAR = web.AppKey("work_calendar", WorkCalendar)
# The deadline clock's colours over WORK_CALENDAR, with the [supervision] settings.
DEADLINES = web.AppKey("deadlines", Deadlines)
# Keeps WORK_CALENDAR's entered days current across processes.
CALENDAR_DAYS = web.AppKey("calendar_days", CalendarDays)
TICKET_RENDERING = web.AppKey("ticket_rendering", TicketRendering)
MEDIA_FETCHER = web.AppKey("media_fetcher", MediaFetcher)
# The deadline clock's reminders, 催办 and automatic 督办单 (poked by tests).
REMINDERS = web.AppKey("reminders", Reminders)
DIGEST = web.AppKey("digest", Digest)
MEDIA_STORE = web.AppKey[MediaStore]("media_store")
# Each staff account's budget of staff API requests (None: no limit).
STAFF_RATE = web.AppKey[RateLimit | None]("staff_rate")
# The sign-in limits: per name, per address, usual addresses.
LOGINS = web.AppKey("logins", Logins)
# The staff console's sign-in sessions.
CONSOLE_SESSIONS = web.AppKey("console_sessions", ConsoleSessions)
# New tickets, for open console queues in this process.
ARRIVALS = web.AppKey("arrivals", Arrivals)

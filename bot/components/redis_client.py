"""Redis (an embedded server under the data folder unless a URL is given): a client
whose every command gives up after two seconds, its twin without that for the callers
that bound their own waits (a conversation turn, Pub/Sub wake-ups), and the staff API's
request budget and sign-in limits kept in it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta

from aiohttp import web
from redis.exceptions import RedisError

from bot import keys
from bot.settings import StaffSettings, StartupError, without_password
from storage.console_sessions import ConsoleSessions
from storage.logins import Logins, Policy
from storage.ratelimit import RateLimit
from storage.redis import open_redis, without_timeout


async def redis(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    url = settings.redis.url
    async with contextlib.AsyncExitStack() as stack:
        try:
            client = await stack.enter_async_context(open_redis(url, settings.data_dir))
        except (OSError, RuntimeError, RedisError) as exc:
            where = without_password(url) if url else f"{settings.data_dir / 'redis'} (embedded)"
            raise StartupError(
                f"cannot reach Redis at {where} ({exc}); check redis.url (TOWNSHIP_REDIS__URL) "
                "and that the server is up"
            ) from exc
        app[keys.REDIS] = client
        unbounded = without_timeout(client)
        stack.push_async_callback(unbounded.aclose)
        app[keys.REDIS_UNBOUNDED] = unbounded
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
        app[keys.LOGINS] = Logins(client, login_policy(staff))
        console = settings.console
        app[keys.CONSOLE_SESSIONS] = ConsoleSessions(
            client,
            idle=timedelta(minutes=console.idle_minutes),
            absolute=timedelta(hours=console.absolute_hours),
        )
        yield


def login_policy(staff: StaffSettings) -> Policy:
    return Policy(
        free_failures=staff.login_free_failures,
        delay_seconds=staff.login_delay_seconds,
        delay_cap_seconds=staff.login_delay_cap_seconds,
        forget_seconds=staff.login_forget_minutes * 60,
        per_address_per_minute=staff.logins_per_minute_per_address,
        address_burst=staff.login_address_burst,
        usual_addresses=staff.usual_addresses,
        usual_seconds=staff.usual_address_days * 86400,
    )

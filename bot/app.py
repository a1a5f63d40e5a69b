"""The application factory. Nothing happens at import time."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import aiojobs
import structlog
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from bot import api, keys
from bot.health import healthz
from bot.metrics import metrics
from bot.settings import Settings
from bot.turns import TurnRunner, message_key
from bot.webhook import receive, verify
from conversations import texts
from conversations.engine import Engine
from conversations.flows import FlowRegistry, default_flows
from conversations.services import AccountInfo, Services
from notifications import notice_rules
from notifications.dispatcher import Dispatcher, DispatchSettings
from notifications.fanout import Fanout, NoticeRendering
from notifications.late_replies import send_late_reply
from notifications.media_fetcher import MediaFetcher
from notifications.policy import Retries
from notifications.receipts import Receipts
from notifications.ticket_sweeper import TicketSweeper
from notifications.ticket_updates import TicketRendering
from storage import demo
from storage.clock import beijing_now
from storage.db import open_database, use
from storage.guesses import Guesses
from storage.locks import PersonLocks
from storage.media_files import FolderStore, S3Store
from storage.models import Township
from storage.ratelimit import RateLimit
from storage.redis import open_redis
from storage.reply_cache import ReplyCache
from storage.turn_store import TurnStore
from storage.workdays import WorkCalendar
from wechat.client import WeChatAPI
from wechat.sandbox import PREFIX as SANDBOX_PREFIX
from wechat.sandbox import SandboxState, create_sandbox_app
from wechat.signing import Cipher

log = structlog.get_logger(__name__)


# Sessions are kept long past the idle timeout so that a conversation that ended while
# the person was away is recognised and they are told, not silently restarted.
SESSION_KEEP_SECONDS = 7 * 24 * 3600


class AccessLogger(AbstractAccessLogger):
    """Method, path and status only: WeChat puts the openid and signatures in the query."""

    @property
    def enabled(self) -> bool:
        # Lets aiohttp skip the whole call when access lines would be dropped anyway.
        return self.logger.isEnabledFor(logging.INFO)

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        if request.path.startswith(f"{SANDBOX_PREFIX}/_sandbox/"):
            return  # `township chat` polls twice a second; its polls are not news
        self.logger.info(
            "%s %s %s %.1fms", request.method, request.path, response.status, time * 1000
        )


@web.middleware
async def _guard(request: web.Request, handler: Any) -> web.StreamResponse:
    """Run inside the app's database context; never show a stack trace to a caller."""
    with use(request.app[keys.DATABASE]):
        try:
            response: web.StreamResponse = await handler(request)
            return response
        except web.HTTPException:
            raise
        except Exception:
            log.exception("request failed", path=request.path)
            return web.Response(status=503, text="service temporarily unavailable\n")


def create_app(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = beijing_now,
    flows: FlowRegistry | None = None,
) -> web.Application:
    """Build the service. Resources open in ``cleanup_ctx`` in order, aiojobs last."""
    app = web.Application(middlewares=[_guard], client_max_size=settings.http.max_body_bytes)
    app[keys.SETTINGS] = settings
    app[keys.CLOCK] = clock
    app[keys.WORK_CALENDAR] = WorkCalendar(
        extra_holidays=settings.tickets.extra_holidays,
        extra_workdays=settings.tickets.extra_workdays,
    )
    app[keys.TICKET_RENDERING] = TicketRendering(
        channels=tuple(settings.tickets.channels),
        template_id=settings.tickets.template_id,
        hotline=settings.account.hotline,
    )

    async def database(app: web.Application) -> AsyncIterator[None]:
        settings.data_dir.mkdir(parents=True, exist_ok=True)

        async def seed() -> None:
            for part in await demo.seed(clock()):
                log.info("demo data loaded", part=part)
            # Deadlines a quarter ahead must know that year's holidays.
            for year in app[keys.WORK_CALENDAR].unknown_years(clock().date(), 90):
                log.error(
                    "no public-holiday schedule for this year: deadlines count Monday to "
                    "Friday less 元旦/劳动节/国庆; list its holidays and swapped working "
                    "days under [tickets] in settings.toml",
                    year=year,
                )
            owner = settings.account.township
            if owner and not await Township.filter(name=owner).exists():
                log.error(
                    "account.township names no township in the data set: new followers "
                    "will not be placed in it",
                    township=owner,
                )

        async with open_database(settings.database_url, prepare=seed) as ctx:
            app[keys.DATABASE] = ctx
            yield

    async def redis(app: web.Application) -> AsyncIterator[None]:
        async with open_redis(settings.redis.url, settings.data_dir) as client:
            app[keys.REDIS] = client
            per_second = settings.staff.requests_per_second
            app[keys.STAFF_RATE] = (
                RateLimit(
                    client,
                    "ratelimit:staff:",
                    rate=per_second,
                    burst=settings.staff.request_burst,
                )
                if per_second
                else None
            )
            yield

    async def wechat(app: web.Application) -> AsyncIterator[None]:
        wx = settings.wechat
        assert wx.secret is not None
        base = settings.wechat_api_base_url
        # Enough connections for every send the dispatcher has in flight at once.
        connector = aiohttp.TCPConnector(limit=max(100, settings.outbox.concurrency + 20))
        async with aiohttp.ClientSession(connector=connector) as http:
            app[keys.HTTP] = http
            app[keys.WECHAT] = WeChatAPI(
                http,
                app[keys.REDIS],
                appid=wx.appid,
                secret=wx.secret,
                base_url=base,
                timeout=wx.api_timeout,
                attempts=wx.api_attempts,
            )
            yield

    async def media_store(app: web.Application) -> AsyncIterator[None]:
        ms = settings.media
        if ms.store == "folder":
            app[keys.MEDIA_STORE] = FolderStore(settings.data_dir, f"pid{os.getpid()}")
            yield
            return
        try:
            from aiobotocore.session import get_session
        except ImportError:
            raise RuntimeError(
                "media.store is s3 but aiobotocore is not installed: "
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

    async def scheduler(app: web.Application) -> AsyncIterator[None]:
        conv = settings.conversation
        async with aiojobs.Scheduler(limit=None, close_timeout=10.0) as jobs:
            app[keys.SCHEDULER] = jobs
            services = Services(
                account=AccountInfo(
                    settings.account.name,
                    settings.account.hotline,
                    settings.account.office_hours,
                    settings.account.township,
                ),
                clock=clock,
                calendar=app[keys.WORK_CALENDAR],
                ticket_message=app[keys.TICKET_RENDERING].message,
                ticket_alerts=app[keys.TICKET_RENDERING].alerts,
                feedback_days=settings.tickets.feedback_days.model_dump(),
                guesses=Guesses(app[keys.REDIS]),
            )
            engine = Engine(
                flows=flows or default_flows(),
                services=services,
                session_timeout=timedelta(minutes=conv.session_timeout_minutes),
                max_attempts=conv.max_attempts,
                clock=clock,
            )
            redis = app[keys.REDIS]
            budget = settings.wechat.reply_budget
            app[keys.TURNS] = TurnRunner(
                engine=engine,
                receipts=Receipts(clock),
                turns=TurnStore(
                    redis,
                    PersonLocks(redis),
                    message_lease_seconds=budget + 2.0,
                    message_keep_seconds=conv.dedupe_seconds,
                    session_keep_seconds=SESSION_KEEP_SECONDS,
                    messages_per_minute=conv.messages_per_minute,
                    message_burst=conv.message_burst,
                ),
                replies=ReplyCache(redis, keep_seconds=conv.dedupe_seconds),
                scheduler=jobs,
                send_late=lambda msg, text: send_late_reply(
                    app[keys.DISPATCHER],
                    appid=msg.appid,
                    openid=msg.openid,
                    message_key=message_key(msg),
                    text=text,
                    now=clock(),
                ),
                budget=budget,
                step_limit=conv.step_limit_seconds,
                sorry=texts.SORRY_ERROR.format(hotline=settings.account.hotline),
                too_fast=texts.TOO_FAST,
            )
            out = settings.outbox
            wx = settings.wechat
            assert wx.secret is not None
            dispatcher = Dispatcher(
                # One attempt per call: the outbox decides retries, by channel.
                api=WeChatAPI(
                    app[keys.HTTP],
                    redis,
                    appid=wx.appid,
                    secret=wx.secret,
                    base_url=app[keys.WECHAT].base_url,
                    timeout=wx.api_timeout,
                    attempts=1,
                ),
                redis=redis,
                database=app[keys.DATABASE],
                clock=clock,
                settings=DispatchSettings(
                    batch=out.batch,
                    concurrency=out.concurrency,
                    lanes=out.lanes,
                    mass_batch=out.mass_batch,
                    mass="mass"
                    in (*settings.notices.channels, *settings.notices.emergency_channels),
                    lease=timedelta(seconds=out.lease_seconds),
                    poll_seconds=out.poll_seconds,
                    rate_per_second=out.rate_per_second,
                    rate_burst=out.rate_burst,
                    person_gap=timedelta(seconds=out.person_gap_seconds),
                    retries=Retries(
                        max_attempts=out.max_attempts,
                        base=out.backoff_base_seconds,
                        cap=out.backoff_cap_seconds,
                    ),
                ),
                unwanted=notice_rules.unwanted,
                halt=notice_rules.halt,
            )
            app[keys.DISPATCHER] = dispatcher
            ns = settings.notices
            fanout = Fanout(
                appid=wx.appid,
                redis=redis,
                database=app[keys.DATABASE],
                clock=clock,
                rendering=NoticeRendering(
                    account=settings.account.name,
                    channels=tuple(ns.channels),
                    emergency_channels=tuple(ns.emergency_channels),
                    template_id=ns.template_id,
                    subscribe_template_id=ns.subscribe_template_id,
                ),
                page_size=ns.page_size,
                lease=timedelta(seconds=ns.lease_seconds),
                poll_seconds=out.poll_seconds,
            )
            app[keys.FANOUT] = fanout
            ticket_clock = TicketSweeper(
                database=app[keys.DATABASE],
                clock=clock,
                calendar=app[keys.WORK_CALENDAR],
                rendering=app[keys.TICKET_RENDERING],
                close_after=timedelta(days=settings.tickets.auto_close_days),
                poll_seconds=settings.tickets.sweep_seconds,
            )
            ms = settings.media
            fetcher = MediaFetcher(
                api=app[keys.WECHAT],
                database=app[keys.DATABASE],
                clock=clock,
                store=app[keys.MEDIA_STORE],
                max_bytes=ms.max_bytes,
                attempts=ms.attempts,
                retry=timedelta(seconds=ms.retry_seconds),
                # Longer than a download with all its tries can take.
                lease=timedelta(
                    seconds=max(out.lease_seconds, 4 * wx.api_timeout * wx.api_attempts)
                ),
                poll_seconds=ms.poll_seconds,
            )
            app[keys.MEDIA_FETCHER] = fetcher
            await jobs.spawn(dispatcher.run())
            await jobs.spawn(fanout.run())
            await jobs.spawn(ticket_clock.run())
            await jobs.spawn(fetcher.run())
            yield
            fetcher.stop()
            ticket_clock.stop()
            fanout.stop()
            dispatcher.stop()

    app.cleanup_ctx.extend([database, redis, wechat, media_store, scheduler])

    if settings.wechat.mode != "plain":
        assert settings.wechat.token and settings.wechat.aes_key
        app[keys.CIPHER] = Cipher(
            settings.wechat.token, settings.wechat.aes_key, settings.wechat.appid
        )
    app.router.add_get("/wechat", verify)
    app.router.add_post("/wechat", receive)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    api.add_routes(app)
    if settings.wechat.sandbox:
        assert settings.wechat.secret is not None
        state = SandboxState(appid=settings.wechat.appid, secret=settings.wechat.secret)
        app[keys.SANDBOX] = state
        app.add_subapp(SANDBOX_PREFIX, create_sandbox_app(state))
    return app

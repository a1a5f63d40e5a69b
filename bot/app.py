"""The application factory: a table of contents. Nothing happens at import time."""

from __future__ import annotations

import asyncio
import html
import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

import structlog
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from bot import api, components, console, download, keys, webhook
from bot.health import healthz
from bot.metrics import metrics
from bot.settings import LoggingSettings, Settings, required
from conversations import texts
from conversations.flows import FlowRegistry, default_flows
from notifications.channels import Route
from notifications.ticket_updates import TicketRendering
from storage.clock import beijing_now
from storage.db import use
from storage.deadlines import Deadlines
from storage.workdays import WorkCalendar
from wechat.sandbox import PREFIX as SANDBOX_PREFIX
from wechat.sandbox import SandboxState, create_sandbox_app

log = structlog.get_logger(__name__)


def create_app(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = beijing_now,
    flows: FlowRegistry | None = None,
) -> web.Application:
    """Build the service. Its parts open in this order (aiojobs and the workers after the
    resources they use) and close in the reverse."""
    app = web.Application(middlewares=[_guard], client_max_size=settings.http.max_body_bytes)
    app[keys.SETTINGS] = settings
    app[keys.CLOCK] = clock
    app[keys.FLOWS] = flows or default_flows()
    ts = settings.tickets
    app[keys.WORK_CALENDAR] = WorkCalendar(
        extra_holidays=ts.extra_holidays, extra_workdays=ts.extra_workdays
    )
    sv = settings.supervision
    app[keys.DEADLINES] = Deadlines(
        app[keys.WORK_CALENDAR],
        accept_days=sv.accept_days,
        warn_days=sv.warn_days,
        warn_fraction=sv.warn_fraction,
    )
    app[keys.TICKET_RENDERING] = TicketRendering(
        route=Route.of(ts.channels, ts),
        alert_route=Route.of(("template", "custom"), ts),
        hotline=settings.account.hotline,
    )
    app.cleanup_ctx.extend(
        [
            components.database,
            components.redis,
            components.wechat,
            components.media_store,
            components.jobs,
            components.work_calendar,
            components.dispatcher,
            components.fanout,
            components.ticket_sweeper,
            components.reminders,
            components.digest,
            components.media_fetcher,
            components.arrivals,
            components.turn_runner,
        ]
    )
    webhook.add_routes(app)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    api.add_routes(app)
    console.add_routes(app)
    if settings.wechat.sandbox:
        state = SandboxState(
            appid=settings.wechat.appid,
            secret=required(settings.wechat.secret, "wechat.secret"),
            clock=lambda: clock().timestamp(),
        )
        app[keys.SANDBOX] = state
        app.add_subapp(SANDBOX_PREFIX, create_sandbox_app(state))
    return app


# How long a caller is asked to wait when a store (Redis, the database) failed them.
RETRY_AFTER_SECONDS = 5


@web.middleware
async def _guard(request: web.Request, handler: Any) -> web.StreamResponse:
    """Run inside the app's database context; never show a stack trace to a caller: a
    request that fails (a store away or too slow) is a 503 saying when to try again."""
    with use(request.app[keys.DATABASE]):
        try:
            if request.path.startswith((api.PREFIX, console.PREFIX)) and not untimed(request):
                return await _within_deadline(request, handler)
            response: web.StreamResponse = await handler(request)
            return response
        except web.HTTPException:
            raise
        except Exception:
            log.exception("request failed", path=request.path)
            return _unavailable(request)


def untimed(request: web.Request) -> bool:
    """A stream held open on purpose (the console's live queue), or a download of an
    export, which takes as long as its rows ([staff] export_rows_max bounds those): not
    a request to time."""
    return request.path == console.LIVE or request.path.endswith(download.SUFFIXES)


async def _within_deadline(request: web.Request, handler: Any) -> web.StreamResponse:
    """A staff request (API or console) answered within ``http.staff_deadline`` seconds,
    or a 503.

    The handler runs as a task of its own, which is abandoned (cancelled, and left to
    unwind by itself) when time is up: unwinding a transaction on a database that stopped
    answering would wait on that database too. What it was doing either committed or did
    not; a retry with the same Idempotency-Key finds out which (bot.api.tickets)."""
    work = asyncio.ensure_future(handler(request))
    done, _ = await asyncio.wait({work}, timeout=request.app[keys.SETTINGS].http.staff_deadline)
    if work in done:
        response: web.StreamResponse = work.result()
        return response
    work.cancel()
    work.add_done_callback(_abandoned)
    log.warning("staff request over its deadline; answered 503", path=request.path)
    return _unavailable(request)


def _abandoned(work: asyncio.Future[web.StreamResponse]) -> None:
    if not work.cancelled() and work.exception() is not None:
        log.warning("abandoned staff request failed", error=type(work.exception()).__name__)


def _unavailable(request: web.Request) -> web.Response:
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if request.path.startswith(api.PREFIX):
        words = texts.STAFF_UNAVAILABLE.format(seconds=RETRY_AFTER_SECONDS)
        body = {"error": words, "retry_after": RETRY_AFTER_SECONDS}
        return web.json_response(
            body, status=503, headers=headers, dumps=lambda o: json.dumps(o, ensure_ascii=False)
        )
    if request.path.startswith(
        console.PREFIX
    ):  # a page a clerk can read, made of nothing that may be down
        words = html.escape(texts.CONSOLE["unavailable"])
        page = (
            '<!doctype html><html lang="zh-CN"><meta charset="utf-8">'
            f"<title>{words}</title><p>{words}</p></html>"
        )
        return web.Response(status=503, text=page, content_type="text/html", headers=headers)
    return web.Response(status=503, text="service temporarily unavailable\n", headers=headers)


class AccessLogger(AbstractAccessLogger):
    """Method, path, status and time only: WeChat puts the openid and signatures in the
    query. At debug level (``access_at`` makes a logger for info); a slow request or a
    5xx at warning, always."""

    level = logging.DEBUG
    slow_seconds = 1.0

    @property
    def enabled(self) -> bool:
        # aiohttp skips the call when this is False; slow requests must still reach log().
        return self.logger.isEnabledFor(logging.WARNING)

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        if time >= self.slow_seconds or response.status >= 500:
            level = logging.WARNING
        elif self.logger.isEnabledFor(self.level):
            if request.path.startswith(f"{SANDBOX_PREFIX}/_sandbox/"):
                return  # `township chat` polls twice a second; its polls are not news
            level = self.level
        else:
            return
        self.logger.log(
            level, "%s %s %s %.1fms", request.method, request.path, response.status, time * 1000
        )


def access_logger(settings: LoggingSettings) -> type[AccessLogger]:
    """The access logger [logging] asks for: every request at info when ``access``."""
    return type(
        "ConfiguredAccessLogger",
        (AccessLogger,),
        {
            "level": logging.INFO if settings.access else logging.DEBUG,
            "slow_seconds": settings.slow_ms / 1000,
        },
    )

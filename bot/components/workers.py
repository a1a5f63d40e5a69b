"""The background workers, each run as an aiojobs job: the outbox dispatcher, the notice
fan-out, the ticket sweeper, the reminders, the weekly digest and the media fetcher.
``jobs`` opens the scheduler after the resources they use, so at shutdown every worker
is stopped and its job finished before those resources close."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import aiojobs
from aiohttp import web

from bot import keys
from notifications import notice_rules
from notifications.arrivals import Arrivals
from notifications.channels import CHANNELS, Route
from notifications.digest import Digest, DigestRules
from notifications.dispatcher import Dispatcher
from notifications.fanout import Fanout, NoticeRendering
from notifications.media_fetcher import MediaFetcher
from notifications.reminders import ReminderRules, Reminders
from notifications.rounds import Worker
from notifications.ticket_sweeper import TicketSweeper
from storage.scoreboard import Hours

# Long enough for the job in hand to finish its round at shutdown.
CLOSE_TIMEOUT_SECONDS = 10.0


async def jobs(app: web.Application) -> AsyncIterator[None]:
    async with aiojobs.Scheduler(limit=None, close_timeout=CLOSE_TIMEOUT_SECONDS) as scheduler:
        app[keys.SCHEDULER] = scheduler
        yield


async def _run(app: web.Application, worker: Dispatcher | Worker) -> AsyncIterator[None]:
    await app[keys.SCHEDULER].spawn(worker.run())
    yield
    worker.stop()


async def dispatcher(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    ns = settings.notices
    used = {*ns.channels, *ns.emergency_channels}
    worker = Dispatcher(
        # One attempt per call: the outbox decides retries, by channel.
        api=app[keys.WECHAT].single_attempt(),
        redis=app[keys.REDIS],
        wakeups=app[keys.REDIS_UNBOUNDED],
        database=app[keys.DATABASE],
        clock=app[keys.CLOCK],
        settings=settings.outbox,
        together=frozenset(name for name in used if CHANNELS[name].together),
        unwanted=notice_rules.unwanted,
        halt=notice_rules.halt,
    )
    app[keys.DISPATCHER] = worker
    async for _ in _run(app, worker):
        yield


async def arrivals(app: web.Application) -> AsyncIterator[None]:
    """New tickets for open console queues (bot.console.live)."""
    worker = Arrivals(
        app[keys.REDIS_UNBOUNDED],
        app[keys.DATABASE],
        every=app[keys.SETTINGS].console.live_seconds,
    )
    app[keys.ARRIVALS] = worker

    async def ending(app: web.Application) -> None:
        # At shutdown's start, before aiohttp waits for open requests: live queues end
        # their streams now rather than hold the shutdown for their keep-alive.
        worker.stop()

    app.on_shutdown.append(ending)
    await app[keys.SCHEDULER].spawn(worker.run())
    yield
    worker.stop()


async def fanout(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    ns = settings.notices
    worker = Fanout(
        appid=settings.wechat.appid,
        redis=app[keys.REDIS],
        database=app[keys.DATABASE],
        clock=app[keys.CLOCK],
        rendering=NoticeRendering(
            account=settings.account.name,
            route=Route.of(ns.channels, ns),
            emergency_route=Route.of(ns.emergency_channels, ns),
        ),
        page_size=ns.page_size,
        lease=timedelta(seconds=ns.lease_seconds),
        poll_seconds=settings.outbox.poll_seconds,
    )
    app[keys.FANOUT] = worker
    async for _ in _run(app, worker):
        yield


async def ticket_sweeper(app: web.Application) -> AsyncIterator[None]:
    ts = app[keys.SETTINGS].tickets
    worker = TicketSweeper(
        database=app[keys.DATABASE],
        clock=app[keys.CLOCK],
        calendar=app[keys.WORK_CALENDAR],
        rendering=app[keys.TICKET_RENDERING],
        close_after=timedelta(days=ts.auto_close_days),
        keep_requests=timedelta(hours=app[keys.SETTINGS].staff.idempotency_hours),
        keep_drafts=timedelta(minutes=app[keys.SETTINGS].conversation.session_timeout_minutes),
        poll_seconds=ts.sweep_seconds,
    )
    async for _ in _run(app, worker):
        yield


async def reminders(app: web.Application) -> AsyncIterator[None]:
    sv = app[keys.SETTINGS].supervision
    worker = Reminders(
        database=app[keys.DATABASE],
        clock=app[keys.CLOCK],
        deadlines=app[keys.DEADLINES],
        rules=ReminderRules(
            day_starts=sv.day_starts,
            day_ends=sv.day_ends,
            escalate_after_days=sv.escalate_after_days,
            answer_days=sv.answer_days,
        ),
        rendering=app[keys.TICKET_RENDERING],
        poll_seconds=sv.sweep_seconds,
    )
    app[keys.REMINDERS] = worker
    async for _ in _run(app, worker):
        yield


async def digest(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    sv, http = settings.supervision, settings.http
    worker = Digest(
        database=app[keys.DATABASE],
        clock=app[keys.CLOCK],
        deadlines=app[keys.DEADLINES],
        rules=DigestRules(
            weekday=sv.digest_weekday,
            at=sv.digest_time,
            hours=Hours(sv.day_starts, sv.day_ends),
            console=settings.console.address or f"http://{http.host}:{http.port}/console",
        ),
        rendering=app[keys.TICKET_RENDERING],
        poll_seconds=sv.sweep_seconds,
    )
    app[keys.DIGEST] = worker
    async for _ in _run(app, worker):
        yield


async def media_fetcher(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    ms, wx = settings.media, settings.wechat
    worker = MediaFetcher(
        api=app[keys.WECHAT],
        database=app[keys.DATABASE],
        clock=app[keys.CLOCK],
        store=app[keys.MEDIA_STORE],
        max_bytes=ms.max_bytes,
        attempts=ms.attempts,
        retry=timedelta(seconds=ms.retry_seconds),
        # Longer than a download with all its tries can take.
        lease=timedelta(
            seconds=max(settings.outbox.lease_seconds, 4 * wx.api_timeout * wx.api_attempts)
        ),
        poll_seconds=ms.poll_seconds,
    )
    app[keys.MEDIA_FETCHER] = worker
    async for _ in _run(app, worker):
        yield

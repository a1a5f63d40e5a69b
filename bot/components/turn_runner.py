"""The conversations: the engine that runs one step of a person's flow per message, and
the turn runner that puts each message from WeChat through it (retries recognised, one
message per person at a time, inside WeChat's five seconds), and the watch on Redis that
tells when sessions may have been lost (then conversations come back from their drafts)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

from aiohttp import web

from bot import keys
from bot.turns import TurnRunner, message_key
from conversations import texts
from conversations.engine import Engine
from conversations.services import AccountInfo, Services
from notifications.announced_tickets import AnnouncedTickets
from notifications.late_replies import send_late_reply
from notifications.receipts import Receipts
from storage import worker_roles
from storage.guesses import Guesses
from storage.locks import PersonLocks
from storage.redis_loss import RedisLoss
from storage.reply_cache import ReplyCache
from storage.turn_store import TurnStore
from storage.worker_roles import KnownWorkers
from wechat.messages import Inbound

# Sessions are kept long past the idle timeout so that a conversation that ended while
# the person was away is recognised and they are told, not silently restarted.
SESSION_KEEP_SECONDS = 7 * 24 * 3600


def _engine(app: web.Application) -> Engine:
    settings = app[keys.SETTINGS]
    account, conv = settings.account, settings.conversation
    rendering = app[keys.TICKET_RENDERING]
    services = Services(
        account=AccountInfo(account.name, account.hotline, account.office_hours, account.township),
        clock=app[keys.CLOCK],
        calendar=app[keys.WORK_CALENDAR],
        ticket_message=rendering.message,
        ticket_alerts=rendering.alerts,
        feedback_days=settings.tickets.feedback_days.model_dump(),
        guesses=Guesses(app[keys.REDIS_UNBOUNDED]),
        tickets=AnnouncedTickets(app[keys.REDIS]),
        grids=KnownWorkers(app[keys.REDIS]),
        recovering=app[keys.REDIS_LOSS].recovering,
    )
    return Engine(
        flows=app[keys.FLOWS],
        services=services,
        session_timeout=timedelta(minutes=conv.session_timeout_minutes),
        max_attempts=conv.max_attempts,
        clock=app[keys.CLOCK],
    )


async def turn_runner(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    conv = settings.conversation
    loss = RedisLoss(
        app[keys.REDIS],
        app[keys.DATABASE],
        app[keys.CLOCK],
        timedelta(minutes=conv.session_timeout_minutes),
    )
    app[keys.REDIS_LOSS] = loss
    await app[keys.SCHEDULER].spawn(loss.run())
    # Each wait in a turn is bounded by WeChat's reply budget instead.
    redis, clock = app[keys.REDIS_UNBOUNDED], app[keys.CLOCK]
    budget = settings.wechat.reply_budget

    async def send_late(msg: Inbound, text: str) -> bool:
        return await send_late_reply(
            app[keys.DISPATCHER],
            appid=msg.appid,
            openid=msg.openid,
            message_key=message_key(msg),
            text=text,
            now=clock(),
        )

    app[keys.TURNS] = TurnRunner(
        engine=_engine(app),
        receipts=Receipts(clock),
        turns=TurnStore(
            redis,
            PersonLocks(redis),
            message_lease_seconds=budget + 2.0,
            message_keep_seconds=conv.dedupe_seconds,
            session_keep_seconds=SESSION_KEEP_SECONDS,
            messages_per_minute=conv.messages_per_minute,
            message_burst=conv.message_burst,
            read_along=worker_roles.BINDINGS_KEY,
        ),
        replies=ReplyCache(redis, keep_seconds=conv.dedupe_seconds),
        scheduler=app[keys.SCHEDULER],
        send_late=send_late,
        budget=budget,
        step_limit=conv.step_limit_seconds,
        sorry=texts.SORRY_ERROR.format(hotline=settings.account.hotline),
        too_fast=texts.TOO_FAST,
    )
    yield
    loss.stop()

"""The dispatcher: claims due deliveries, sends them, records what WeChat said.

One runs under aiojobs in every service process. A Redis message on ``outbox:wake``
wakes it at once; without Redis it still polls, so losing Redis slows sending but loses
nothing. It never holds a database transaction across an HTTP call.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import redis.asyncio as aioredis
import structlog
from tortoise.context import TortoiseContext

from bot.wechat_api import WeChatAPI, WeChatError, WeChatUnavailable
from notifications import policy
from storage import outbox
from storage.db import use
from storage.models import Delivery, Resident
from storage.ratelimit import RateLimit

log = structlog.get_logger(__name__)

WAKE_CHANNEL = "outbox:wake"
CHANNELS = ("custom", "template", "subscribe")


async def wake(redis: aioredis.Redis) -> None:
    """Tell every dispatcher there is work; harmless if Redis is away (they poll)."""
    try:
        await redis.publish(WAKE_CHANNEL, "1")
    except Exception:
        log.warning("could not wake the dispatchers; they will find the work by polling")


@dataclass(frozen=True)
class DispatchSettings:
    batch: int = 100
    concurrency: int = 20
    lease: timedelta = timedelta(seconds=60)
    poll_seconds: float = 2.0
    # Calls per second per channel, shared by every process (0: no limit).
    rate_per_second: float = 0.0
    rate_burst: int = 1
    # Least time between two pushes to one person, shared by every process.
    person_gap: timedelta = timedelta(0)
    retries: policy.Retries = field(default_factory=policy.Retries)


class Dispatcher:
    """Give it a WeChatAPI made with ``attempts=1``: retrying is decided here, by channel,
    so a message with no duplicate guard is never sent twice behind the outbox's back."""

    def __init__(
        self,
        *,
        api: WeChatAPI,
        redis: aioredis.Redis,
        database: TortoiseContext,
        clock: Callable[[], datetime],
        settings: DispatchSettings = DispatchSettings(),
    ) -> None:
        self._api = api
        self._redis = redis
        self._database = database
        self._clock = clock
        self._settings = settings
        self.owner = f"dispatcher-{secrets.token_hex(6)}"
        self._woken = asyncio.Event()
        self._stopping = False
        self._limits = {
            channel: RateLimit(
                redis,
                f"ratelimit:{api.appid}:{channel}",
                rate=settings.rate_per_second,
                burst=settings.rate_burst,
            )
            for channel in CHANNELS
            if settings.rate_per_second
        }

    def stop(self) -> None:
        """Finish the batch in hand, then return from :meth:`run` (at shutdown)."""
        self._stopping = True
        self._woken.set()

    async def run(self) -> None:
        """Forever: drain what is due, then sleep until woken or the poll interval ends."""
        listener = asyncio.create_task(self._listen())
        try:
            with use(self._database):
                while not self._stopping:
                    try:
                        while not self._stopping and await self.drain_once():
                            pass
                    except Exception:
                        log.exception("dispatcher round failed; trying again shortly")
                    if self._stopping:
                        break
                    self._woken.clear()
                    try:
                        await asyncio.wait_for(self._woken.wait(), self._settings.poll_seconds)
                    except TimeoutError:
                        pass
        finally:
            listener.cancel()

    async def _listen(self) -> None:
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.subscribe(WAKE_CHANNEL)
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            self._woken.set()
            except asyncio.CancelledError:
                raise
            except Exception:
                await asyncio.sleep(self._settings.poll_seconds)  # Redis away: poll only

    async def drain_once(self) -> int:
        """Claim one batch and send it. Returns how many were claimed."""
        claimed = await outbox.claim(
            self.owner,
            now=self._clock(),
            lease=self._settings.lease,
            limit=self._settings.batch,
            paused=await self.paused_channels(),
        )
        if not claimed:
            return 0
        gate = asyncio.Semaphore(self._settings.concurrency)

        async def one(delivery: Delivery) -> None:
            async with gate:
                await self._send(delivery)

        await asyncio.gather(*(one(d) for d in claimed))
        return len(claimed)

    def _pause_key(self, channel: str) -> str:
        return f"outbox:paused:{self._api.appid}:{channel}"

    async def paused_channels(self) -> list[str]:
        """Channels whose daily quota ran out (45009), shared by every process."""
        try:
            flags = await self._redis.mget([self._pause_key(c) for c in CHANNELS])
        except Exception:
            return []  # without Redis each send finds the quota out for itself
        return [c for c, flag in zip(CHANNELS, flags, strict=True) if flag]

    async def _pause(self, channel: str, until: datetime) -> None:
        log.warning(
            "channel paused: WeChat's daily quota is used up",
            channel=channel,
            until=until.isoformat(),
        )
        try:
            await self._redis.set(self._pause_key(channel), "45009", exat=int(until.timestamp()))
        except Exception:
            log.warning("could not record the pause in Redis")

    async def _cooling_down(self, delivery: Delivery) -> bool:
        """True when this person got a push less than ``person_gap`` ago (any process)."""
        gap = self._settings.person_gap
        if gap <= timedelta(0):
            return False
        key = f"outbox:cooldown:{delivery.appid}:{delivery.openid}"
        try:
            first = await self._redis.set(key, "1", nx=True, px=int(gap.total_seconds() * 1000))
        except Exception:
            return False  # without Redis, no cooldown: better a quick push than none
        return not first

    async def _send(self, delivery: Delivery) -> None:
        s = self._settings
        if await self._cooling_down(delivery):
            await outbox.postpone(delivery, self.owner, self._clock() + s.person_gap)
            return
        limit = self._limits.get(delivery.channel)
        if limit is not None:
            try:
                await limit.wait()
            except Exception:
                log.warning("rate limit unavailable (Redis?); sending unthrottled")
        attempt = await outbox.start_attempt(delivery, self.owner, self._clock())
        msgid: str | None = None
        errcode: int | None = None
        error: str | None = None
        try:
            msgid = await self._call(delivery)
        except WeChatError as exc:
            decision = policy.after_error(
                exc.errcode, attempts=delivery.attempts, now=self._clock(), retries=s.retries
            )
            errcode, error = exc.errcode, decision.reason or exc.errmsg
        except WeChatUnavailable as exc:
            decision = policy.after_no_answer(
                delivery.channel,
                maybe_sent=exc.maybe_sent,
                attempts=delivery.attempts,
                now=self._clock(),
                retries=s.retries,
            )
            errcode, error = None, decision.reason or str(exc)
        else:
            decision, errcode, error = policy.SENT_DECISION, None, None
        kept = await outbox.finish(
            delivery,
            attempt,
            owner=self.owner,
            now=self._clock(),
            state=decision.state,
            errcode=errcode,
            error=error,
            retry_at=decision.retry_at,
            wechat_msgid=msgid,
        )
        if not kept:
            log.warning(
                "lease lost while sending; the other process owns the result", delivery=delivery.id
            )
        if errcode == policy.NO_CONSENT and delivery.channel == "subscribe":
            await outbox.record_consent(
                delivery.appid,
                delivery.openid,
                str(delivery.payload.get("template_id")),
                "used_up",
                self._clock(),
            )
        if decision.pause_channel_until is not None:
            await self._pause(delivery.channel, decision.pause_channel_until)
        if decision.unsubscribed:
            await Resident.filter(appid=delivery.appid, openid=delivery.openid).update(
                subscribed=False, unsubscribed_at=self._clock()
            )
        log.info(
            "delivery",
            delivery=delivery.id,
            channel=delivery.channel,
            state=decision.state,
            errcode=errcode,
            openid=delivery.openid,
        )

    async def _call(self, delivery: Delivery) -> str | None:
        p = delivery.payload
        if delivery.channel == "custom":
            await self._api.send_text(delivery.openid, str(p["text"]))
            return None
        if delivery.channel == "template":
            msgid = await self._api.send_template(
                delivery.openid,
                str(p["template_id"]),
                dict(p["data"]),
                url=p.get("url"),
                client_msg_id=f"delivery-{delivery.id}",
            )
            return str(msgid)
        if delivery.channel == "subscribe":
            await self._api.send_subscribe(
                delivery.openid, str(p["template_id"]), dict(p["data"]), page=p.get("page")
            )
            return None
        raise WeChatError(47003, f"unknown channel {delivery.channel}", "outbox")

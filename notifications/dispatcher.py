"""The dispatcher: claims due deliveries, sends them, records what WeChat said.

One runs under aiojobs in every service process. A Redis message on ``outbox:wake``
wakes it at once; without Redis it still polls, so losing Redis slows sending but loses
nothing. It never holds a database transaction across an HTTP call.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import secrets
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from datetime import datetime, timedelta

import redis.asyncio as aioredis
import structlog
from tortoise.context import TortoiseContext

from conversations import texts
from notifications import policy
from notifications.channels import CHANNELS, Channel
from notifications.outbox_settings import OutboxSettings
from notifications.rounds import Rounds
from storage import outbox
from storage.db import use
from storage.models import Resident
from storage.outbox import Claimed
from storage.ratelimit import RateLimit
from storage.redis import listen
from wechat.client import WeChatAPI, WeChatError, WeChatUnavailable
from wechat.errcodes import QUOTA

log = structlog.get_logger(__name__)

WAKE_CHANNEL = "outbox:wake"

# Of these claimed deliveries, which are no longer wanted: id -> (state, reason).
Unwanted = Callable[[Sequence[Claimed]], Awaitable[dict[int, tuple[str, str]]]]
# WeChat refused a source's request itself (errcode): stop every send of that source.
Halt = Callable[[str, int], Awaitable[None]]
STILL_WANTED_AFTER = 0.2  # seconds waited for the rate limit before checking again


# A pause's value: this mark and when it ends (epoch seconds). A value without the mark
# (str(QUOTA), before the end was kept) pauses until Redis expires the key.
PAUSE_MARK = f"{QUOTA}:until:"


def _paused(flag: bytes | str | None, now: float) -> bool:
    if flag is None:
        return False
    value = flag.decode() if isinstance(flag, bytes) else flag
    if not value.startswith(PAUSE_MARK):
        return True
    try:
        return now < int(value.removeprefix(PAUSE_MARK))
    except ValueError:
        return True


async def wake(redis: aioredis.Redis) -> None:
    """Tell every dispatcher there is work; harmless if Redis is away (they poll)."""
    try:
        await redis.publish(WAKE_CHANNEL, "1")
    except Exception:
        log.warning("could not wake the dispatchers; they will find the work by polling")


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
        settings: OutboxSettings,
        wakeups: aioredis.Redis | None = None,
        together: frozenset[str] = frozenset(),
        unwanted: Unwanted | None = None,
        halt: Halt | None = None,
    ) -> None:
        self._api = api
        self._redis = redis
        # Listening waits for messages on purpose: a client without a command timeout.
        self._wakeups = wakeups or redis
        self._database = database
        self._clock = clock
        self._settings = settings
        # The channels that reach many people in one call and are in use (a claim a round
        # is saved for each that is not).
        self._together = [CHANNELS[name] for name in sorted(together)]
        self._lease = timedelta(seconds=settings.lease_seconds)
        self._retries = policy.Retries(
            max_attempts=settings.max_attempts,
            base=settings.backoff_base_seconds,
            cap=settings.backoff_cap_seconds,
        )
        self._person_gap = timedelta(seconds=settings.person_gap_seconds)
        self._unwanted = unwanted
        self._halt = halt
        self._decisions: dict[int, policy.Decision] = {}
        # Claimed by a round that failed part-way (the database went away): given back at
        # the next round rather than left until their lease runs out.
        self._stranded: dict[int, bool] = {}  # id -> whether its call was begun
        # Deliveries of rounds in hand whose call to WeChat has begun.
        self._calling: set[int] = set()
        # openid -> the deliveries to them that this process's lanes hold this moment,
        # and an event set (and replaced) whenever one is let go.
        self._held: dict[str, set[int]] = {}
        self._turns = asyncio.Event()
        # (channel, outcome) -> attempts this process made, for /metrics.
        self.outcomes: Counter[tuple[str, str]] = Counter()
        self.owner = f"dispatcher-{secrets.token_hex(6)}"
        self._rounds = Rounds(settings.poll_seconds, "dispatcher")
        self._gate = asyncio.Semaphore(settings.concurrency)  # calls in flight, all lanes
        # Under a rate limit, no more than about a second's sending is claimed at once,
        # so what is claimed is still wanted when its turn comes (a retraction, an
        # unsubscribe made while it waited) and its lease does not run out.
        self._batch = settings.batch
        if settings.rate_per_second:
            per_lane = math.ceil(settings.rate_per_second / settings.lanes)
            self._batch = max(1, min(settings.batch, per_lane))
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
        self._rounds.stop()

    async def run(self) -> None:
        """Forever: drain what is due, then sleep until woken or the poll interval ends.

        Several lanes drain at once, each claiming its own batch, so one lane's database
        work overlaps another's waiting on WeChat; all share one limit on calls in flight.
        """
        listener = asyncio.create_task(self._listen())
        try:
            with use(self._database):
                await asyncio.gather(
                    *(self._rounds.run(self.drain_once) for _ in range(self._settings.lanes))
                )
        finally:
            listener.cancel()

    async def _listen(self) -> None:
        # Redis away: the rounds poll meanwhile.
        await listen(
            self._wakeups,
            WAKE_CHANNEL,
            self._rounds.wake,
            retry_seconds=self._settings.poll_seconds,
        )

    async def drain_once(self) -> int:
        """Claim one batch and send it. Returns how many were claimed.

        The database sees a few statements per batch, not per delivery: attempts are
        recorded for the whole batch before any call, and results written together after.
        """
        await self._give_back_stranded()
        paused = await self.paused_channels()
        together = 0
        for channel in self._together:
            if channel.name not in paused:
                together += await self._drain_together(channel)
        claimed = await outbox.claim(
            self.owner,
            now=self._clock(),
            lease=self._lease,
            limit=self._batch,
            # Channels that reach many people in a call are sent as groups, above.
            paused=[*paused, *(c.name for c in CHANNELS.values() if c.together)],
        )
        if not claimed:
            return together
        with self._in_hand(claimed), self._stranded_on_failure(claimed):
            ready = await self._screen(claimed)
            ready = await self._take_over(ready)
            ready = await self._cool_down(ready)
            going = {d.id for d in ready}
            self._let_go(d for d in claimed if d.id not in going)
            await outbox.start_attempts(ready, self.owner, self._clock())

            results = await asyncio.gather(*(self._send_in_turn(d) for d in ready))
            await outbox.finish_many(ready, results, owner=self.owner, now=self._clock())
        await self._after(ready, results)
        return together + len(claimed)

    @contextlib.contextmanager
    def _in_hand(self, claimed: list[Claimed]) -> Iterator[None]:
        """Note which deliveries to each person this process's lanes hold, for the round
        (each is let go as soon as it is sent or dropped)."""
        for d in claimed:
            self._held.setdefault(d.openid, set()).add(d.id)
        try:
            yield
        finally:
            self._let_go(claimed)
            self._calling.difference_update(d.id for d in claimed)

    def _let_go(self, deliveries: Iterable[Claimed]) -> None:
        for d in deliveries:
            ids = self._held.get(d.openid)
            if ids is not None:
                ids.discard(d.id)
                if not ids:
                    del self._held[d.openid]
        self._turns.set()
        self._turns = asyncio.Event()

    async def _after_earlier(self, delivery: Claimed) -> None:
        """One person's pushes go out in the order they were queued: wait while this
        process (any lane) holds an earlier one to the same person. Lanes claiming side
        by side would otherwise send a ticket's 回复 before its 办理中. Only earlier ones
        are waited for, so no two wait on each other."""
        while any(i < delivery.id for i in self._held.get(delivery.openid, ())):
            await self._turns.wait()

    @contextlib.contextmanager
    def _stranded_on_failure(self, claimed: list[Claimed]) -> Iterator[None]:
        """Remember a batch whose round fails (the database gone mid-round), so that the
        next round gives back what is still held instead of waiting for the lease."""
        try:
            yield
        except Exception:
            for d in claimed:
                self._stranded[d.id] = d.id in self._calling
            raise

    async def _give_back_stranded(self) -> None:
        """Deliveries a failed round left claimed are due again now. One whose send had
        begun is then taken over as after a crash (_take_over): sent again only where
        WeChat drops repeats."""
        if not self._stranded:
            return
        # Taken out before the wait, so that no other lane gives the same rows back after
        # one of them has claimed them again.
        stranded = dict(self._stranded)
        self._stranded.clear()
        try:
            # Their calls were never made: an attempt recorded for them is closed, so the
            # one who claims them next sends them rather than taking them for half-sent.
            untried = sorted(i for i, called in stranded.items() if not called)
            await outbox.close_lost_attempts(untried, self._clock(), texts.REASON_NOT_TRIED)
            given = await outbox.give_back(sorted(stranded), self.owner, self._clock())
        except Exception:
            self._stranded.update(stranded)
            raise
        if given:
            log.info("deliveries of a failed round given back", count=given)

    async def _send_in_turn(self, delivery: Claimed) -> outbox.Result:
        """Send one delivery when a place among the calls in flight is free."""
        await self._after_earlier(delivery)
        try:
            async with self._gate:
                self._calling.add(delivery.id)
                return await self._send_guarded(delivery)
        finally:
            self._let_go([delivery])

    async def _send_guarded(self, delivery: Claimed) -> outbox.Result:
        try:
            return await self._send(delivery)
        except Exception:
            # Something of ours failed (Redis, a bug), not WeChat: the call may have
            # gone out, so it is recorded as an answer that never came.
            log.exception("send failed unexpectedly", delivery=delivery.id)
            decision = policy.after_no_answer(
                guarded=CHANNELS[delivery.channel].guarded,
                maybe_sent=True,
                attempts=delivery.attempts,
                now=self._clock(),
                retries=self._retries,
            )
            return outbox.Result(
                delivery.id, decision.state, error=decision.reason, retry_at=decision.retry_at
            )

    async def _drain_together(self, channel: Channel) -> int:
        """A channel that reaches many people in one call (mass sends: up to 10,000 people
        of one source, each at most four a month; the rest fall back to the next channel).
        Returns how many were claimed."""
        claimed = await outbox.claim_together(
            self.owner,
            channel=channel.name,
            now=self._clock(),
            clock=self._clock,
            lease=self._lease,
            limit=self._settings.mass_batch,
        )
        if not claimed:
            return 0
        try:
            with self._stranded_on_failure(claimed):
                return await self._send_claimed_together(channel, claimed)
        finally:
            self._calling.difference_update(d.id for d in claimed)

    async def _send_claimed_together(self, channel: Channel, claimed: list[Claimed]) -> int:
        ready = await self._screen(claimed)
        lost = await outbox.takeovers([d.id for d in ready])
        now = self._clock()
        await outbox.close_lost_attempts(sorted(lost), now, texts.REASON_UNKNOWN)
        spent = await channel.spent([d.openid for d in ready], now)
        done: list[Claimed] = []
        results: list[outbox.Result] = []
        groups: dict[str, list[Claimed]] = {}
        for d in ready:
            if d.openid in spent:
                done.append(d)
                results.append(self._fall_back(d, texts.REASON_MASS_QUOTA, attempted=False))
                continue
            # A batch already tried (its answer lost, or its process dead) goes again under
            # the same name, so WeChat can tell it is the same send.
            groups.setdefault(d.batch or d.source, []).append(d)
        for key, members in groups.items():
            if len(members) < channel.least_together:
                (d,) = members
                reason = texts.REASON_UNKNOWN if d.id in lost else texts.REASON_MASS_TOO_FEW
                done.append(d)
                results.append(
                    outbox.Result(d.id, outbox.UNKNOWN, error=reason, attempted=False)
                    if d.id in lost
                    else self._fall_back(d, reason, attempted=False)
                )
                continue
            named = key.startswith(outbox.BATCH_PREFIX)
            batch = key if named else f"{outbox.BATCH_PREFIX}{secrets.token_hex(12)}"
            if not named:
                await outbox.mark_batch([d.id for d in members], self.owner, batch)
            await outbox.start_attempts(members, self.owner, self._clock())
            done.extend(members)
            self._calling.update(d.id for d in members)
            results.extend(await self._send_together(channel, members, batch))
        await outbox.finish_many(done, results, owner=self.owner, now=self._clock())
        await self._after(done, results)
        return len(claimed)

    async def _send_together(
        self, channel: Channel, members: list[Claimed], batch: str
    ) -> list[outbox.Result]:
        first = members[0]
        await self._wait_turn(channel.name)
        try:
            msgid = await channel.send_together(
                self._api, members, batch.removeprefix(outbox.BATCH_PREFIX), self._clock()
            )
        except (WeChatError, WeChatUnavailable) as exc:
            decision, errcode, error = self._decide(exc, channel, first.attempts)
        else:
            self.outcomes[(channel.name, outbox.SENT)] += len(members)
            return [outbox.Result(d.id, outbox.SENT, wechat_msgid=msgid) for d in members]
        self.outcomes[(channel.name, decision.state)] += len(members)
        log.warning(
            "group send refused",
            channel=channel.name,
            errcode=errcode,
            error=error,
            households=len(members),
        )
        out = []
        for d in members:
            self._decisions[d.id] = decision
            if decision.fall_back:
                out.append(self._fall_back(d, error or ""))
            else:
                out.append(
                    outbox.Result(
                        d.id,
                        decision.state,
                        errcode=errcode,
                        error=error,
                        retry_at=decision.retry_at,
                        wechat_msgid=batch,  # a retry goes under the same name
                    )
                )
        return out

    def _fall_back(
        self, delivery: Claimed, reason: str, *, attempted: bool = True
    ) -> outbox.Result:
        """This channel cannot reach the person: queue the next one configured, or say why
        not."""
        then = delivery.payload.get("then") or []
        if not then:
            return outbox.Result(delivery.id, outbox.SKIPPED, error=reason, attempted=attempted)
        channel = str(then[0])
        return outbox.Result(
            delivery.id,
            outbox.SKIPPED,
            error=texts.REASON_FELL_BACK.format(channel=CHANNELS[channel].label),
            follow_up=outbox.follow_up(delivery, channel, self._clock()),
            attempted=attempted,
        )

    async def deliver_now(self, delivery_id: int, *, tries: int = 3) -> bool:
        """Send one delivery at once, in the caller's task (a reply that missed WeChat's
        5 seconds, sent while the person's conversation is still held so it arrives
        before the answer to anything they send next). A busy WeChat is tried again
        here a few times; after that, or if this process dies, the dispatchers finish
        the job like any other. Returns whether it was sent."""
        for attempt in range(tries):
            if attempt:
                await asyncio.sleep(0.2 * 2 ** (attempt - 1))
            delivery = await outbox.claim_one(
                delivery_id, self.owner, now=self._clock(), lease=self._lease
            )
            if delivery is None:
                return False
            await outbox.start_attempts([delivery], self.owner, self._clock())
            result = await self._send(delivery)
            await outbox.finish_many([delivery], [result], owner=self.owner, now=self._clock())
            await self._after([delivery], [result])
            if result.state != outbox.PENDING:
                return result.state == outbox.SENT
        await wake(self._redis)  # left for the dispatchers, at its retry time
        return False

    async def _screen(self, claimed: list[Claimed]) -> list[Claimed]:
        """Drop what is no longer wanted (the person unsubscribed, the notice was
        retracted) before anything is sent."""
        if self._unwanted is None:
            return claimed
        unwanted = await self._unwanted(claimed)
        by_reason: dict[tuple[str, str], list[int]] = {}
        for delivery_id, (state, reason) in unwanted.items():
            by_reason.setdefault((state, reason), []).append(delivery_id)
        for (state, reason), ids in by_reason.items():
            await outbox.skip(ids, self.owner, reason, state)
        return [d for d in claimed if d.id not in unwanted]

    async def _take_over(self, claimed: list[Claimed]) -> list[Claimed]:
        """Rows whose last process died mid-send: WeChat may already have the message.
        Where it drops repeats itself (template: client_msg_id) the send is repeated;
        elsewhere the row is marked unknown for staff instead of sent twice."""
        lost = await outbox.takeovers([d.id for d in claimed])
        if not lost:
            return claimed
        now = self._clock()
        await outbox.close_lost_attempts(sorted(lost), now, texts.REASON_UNKNOWN)
        unguarded = [d.id for d in claimed if d.id in lost and not CHANNELS[d.channel].guarded]
        await outbox.skip(unguarded, self.owner, texts.REASON_UNKNOWN, outbox.UNKNOWN)
        return [d for d in claimed if d.id not in unguarded]

    async def _cool_down(self, claimed: list[Claimed]) -> list[Claimed]:
        """Pushes to someone who got one less than ``person_gap`` ago (in any process) go
        back to wait; one Redis round trip for the batch."""
        gap = self._person_gap
        if gap <= timedelta(0) or not claimed:
            return claimed
        ms = int(gap.total_seconds() * 1000)
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for d in claimed:
                    pipe.set(f"outbox:cooldown:{d.appid}:{d.openid}", "1", nx=True, px=ms)
                firsts = await pipe.execute()
        except Exception:
            return claimed  # without Redis, no cooldown: better a quick push than none
        waiting = [d.id for d, first in zip(claimed, firsts, strict=True) if not first]
        await outbox.postpone_many(waiting, self.owner, self._clock() + gap)
        return [d for d, first in zip(claimed, firsts, strict=True) if first]

    def _pause_key(self, channel: str) -> str:
        return f"outbox:paused:{self._api.appid}:{channel}"

    async def paused_channels(self) -> list[str]:
        """Channels whose daily quota ran out (45009), shared by every process."""
        try:
            flags = await self._redis.mget([self._pause_key(c) for c in CHANNELS])
        except Exception:
            return []  # without Redis each send finds the quota out for itself
        now = self._clock().timestamp()
        return [c for c, flag in zip(CHANNELS, flags, strict=True) if _paused(flag, now)]

    async def _pause(self, channel: str, until: datetime) -> None:
        log.warning(
            "channel paused: WeChat's daily quota is used up",
            channel=channel,
            until=until.isoformat(),
        )
        try:
            # The end is kept in the value and read against the clock; Redis's own expiry
            # only tidies up (the same moment, unless the clock is a test's).
            end = int(until.timestamp())
            await self._redis.set(self._pause_key(channel), f"{PAUSE_MARK}{end}", exat=end)
        except Exception:
            log.warning("could not record the pause in Redis")

    async def _wait_turn(self, channel: str) -> float:
        """Wait for the channel's shared rate limit; how long that took, in seconds."""
        limit = self._limits.get(channel)
        if limit is None:
            return 0.0
        began = time.monotonic()
        try:
            await limit.wait()
        except Exception:
            log.warning("rate limit unavailable (Redis?); sending unthrottled")
        return time.monotonic() - began

    def _decide(
        self, exc: WeChatError | WeChatUnavailable, channel: Channel, attempts: int
    ) -> tuple[policy.Decision, int | None, str]:
        """What WeChat's refusal or silence means: the decision, its errcode, the reason."""
        if isinstance(exc, WeChatError):
            decision = policy.after_error(
                exc.errcode, attempts=attempts, now=self._clock(), retries=self._retries
            )
            return decision, exc.errcode, decision.reason or exc.errmsg
        decision = policy.after_no_answer(
            guarded=channel.guarded,
            maybe_sent=exc.maybe_sent,
            attempts=attempts,
            now=self._clock(),
            retries=self._retries,
        )
        return decision, None, decision.reason or str(exc)

    async def _send(self, delivery: Claimed) -> outbox.Result:
        waited = await self._wait_turn(delivery.channel)
        if waited > STILL_WANTED_AFTER and self._unwanted is not None:
            # It waited its turn long enough for the notice to be retracted or the
            # person to unsubscribe meanwhile: ask again, for this one alone.
            stop = (await self._unwanted([delivery])).get(delivery.id)
            if stop is not None:
                return outbox.Result(delivery.id, stop[0], error=stop[1])
        msgid: str | None = None
        errcode: int | None = None
        error: str | None = None
        channel = CHANNELS[delivery.channel]
        try:
            msgid = await channel.send(self._api, delivery)
        except (WeChatError, WeChatUnavailable) as exc:
            decision, errcode, error = self._decide(exc, channel, delivery.attempts)
        else:
            decision = policy.SENT_DECISION
        self._decisions[delivery.id] = decision
        self.outcomes[(delivery.channel, decision.state)] += 1
        log.info(
            "delivery",
            delivery=delivery.id,
            channel=delivery.channel,
            state=decision.state,
            errcode=errcode,
            error=error,
            openid=delivery.openid,
        )
        if decision.fall_back and delivery.payload.get("then"):
            return self._fall_back(delivery, error or "")
        return outbox.Result(
            delivery.id,
            decision.state,
            errcode=errcode,
            error=error,
            retry_at=decision.retry_at,
            wechat_msgid=msgid,
        )

    async def _after(self, sent: list[Claimed], results: list[outbox.Result]) -> None:
        """What a batch's answers mean beyond each row: paused channels, people who left,
        consent used up, a notice WeChat refuses, fallbacks to wake up for."""
        now = self._clock()
        woke = False
        halted: set[str] = set()
        for delivery, result in zip(sent, results, strict=True):
            decision = self._decisions.pop(delivery.id, policy.SENT_DECISION)
            if result.errcode is not None:
                await CHANNELS[delivery.channel].refused(delivery, result.errcode, now)
            if decision.pause_channel_until is not None:
                await self._pause(delivery.channel, decision.pause_channel_until)
            if decision.unsubscribed:
                await Resident.filter(appid=delivery.appid, openid=delivery.openid).update(
                    subscribed=False, unsubscribed_at=now
                )
            if decision.halt_source and self._halt is not None and delivery.source not in halted:
                halted.add(delivery.source)
                await self._halt(delivery.source, result.errcode or 0)
            woke = woke or result.follow_up is not None
        if woke:
            await wake(self._redis)

"""From a parsed message to its passive reply: dedupe, per-person lock, one engine step,
and the 5-second budget."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import aiojobs
import structlog
from wechatpy.replies import TextReply

from conversations.engine import Engine, Reply
from conversations.session import SessionSnapshot, session_key
from notifications.receipts import Receipts, is_receipt
from storage import worker_roles
from storage.locks import lock_key
from storage.reply_cache import ReplyCache
from storage.turn_store import Began, TurnClaim, TurnStore
from wechat.messages import (
    Event,
    Inbound,
    MassSendJobFinishEvent,
    SubscribeMsgEvent,
    TemplateSendJobFinishEvent,
    UnknownMessage,
)

log = structlog.get_logger(__name__)

LateSender = Callable[[Inbound, str], Awaitable[object]]

# Any one Redis call on the way in or out; Redis answers in well under a millisecond.
_REDIS_LIMIT = 2.0


def message_key(msg: Inbound) -> str:
    """MsgId for messages; for events (which have none) FromUserName + CreateTime + the
    event and what tells two events of one second apart (menu key, job, template)."""
    if msg.msg_id and not isinstance(msg, Event):
        return msg.msg_id
    if isinstance(msg, UnknownMessage):
        parts = [msg.msg_type, msg.event or ""]
    elif isinstance(msg, Event):
        parts = [msg.name or msg.event, str(getattr(msg, "key", ""))]
        if isinstance(msg, TemplateSendJobFinishEvent | MassSendJobFinishEvent):
            parts.append(msg.job_msg_id)
        if isinstance(msg, SubscribeMsgEvent):
            parts += [f"{i.template_id}/{i.msg_id or i.status}" for i in msg.items]
    else:
        parts = [msg.kind.value]
    return ":".join([msg.openid, str(msg.create_time), *parts])


def render(msg: Inbound, reply: Reply | None) -> bytes:
    if reply is None:
        return b""
    xml = TextReply(source=msg.account, target=msg.openid, content=reply.text).render()
    return str(xml).encode("utf-8")


def _time_up(future: asyncio.Future[bytes | None]) -> None:
    if not future.done():
        future.set_result(None)


@dataclass
class _Attempt:
    # The reply, or None when the budget ran out first.
    future: asyncio.Future[bytes | None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )
    reply: bytes | None = None
    late: bool = False


class TurnRunner:
    def __init__(
        self,
        *,
        engine: Engine,
        receipts: Receipts,
        turns: TurnStore,
        replies: ReplyCache,
        scheduler: aiojobs.Scheduler,
        send_late: LateSender,
        budget: float,
        step_limit: float,
        sorry: str,
        too_fast: str,
    ) -> None:
        self._engine = engine
        self._receipts = receipts
        self._turns = turns
        self._replies = replies
        self._scheduler = scheduler
        self._send_late = send_late
        self._budget = budget
        self._step_limit = step_limit
        self._sorry = sorry
        self._too_fast = too_fast

    async def handle(self, msg: Inbound, *, budget: float | None = None) -> bytes:
        """The reply XML (plain, before encryption); empty means answer "success".
        ``budget`` (default the reply budget): 0 to send the reply as a customer-service
        message whatever happens."""
        deadline = time.monotonic() + (self._budget if budget is None else budget)
        key = self._replies.key(msg.appid, message_key(msg))
        claimed = await self._claim(msg, key, deadline)
        if not isinstance(claimed, tuple):
            return claimed  # a retry's answer, or a refusal
        turn, began = claimed
        attempt = _Attempt()
        try:
            await self._scheduler.spawn(self._run(msg, turn, began, attempt))
        except BaseException:
            await asyncio.shield(self._finish(msg, turn, None, None))
            raise
        # A timer, not wait_for(shield(...)): the same budget at a third of the cost.
        timer = asyncio.get_running_loop().call_later(
            max(deadline - time.monotonic(), 0.0), _time_up, attempt.future
        )
        try:
            xml = await attempt.future
        finally:
            timer.cancel()
        if xml is not None:
            return xml
        if attempt.reply is not None:
            return attempt.reply
        # No awaits between the check above and this flag: _run sees it either way.
        attempt.late = True
        async with asyncio.timeout(_REDIS_LIMIT):
            await self._replies.late(key)
        log.info(
            "step over budget; reply will follow as a customer-service message",
            openid=msg.openid,
        )
        return b""

    async def _claim(
        self, msg: Inbound, key: str, deadline: float
    ) -> tuple[TurnClaim, Began] | bytes:
        """Claim the message and the person's turn; or, for WeChat's retry of a message
        already taken, the first attempt's reply (or the refusal a flood gets)."""
        locks, sessions = lock_key(msg.appid, msg.openid), session_key(msg.appid, msg.openid)
        # What the person sends counts against their budget; menu clicks and WeChat's
        # events (follows, scans, sending reports, and those we do not parse) do not, and
        # are never refused.
        event = isinstance(msg, Event) or (
            isinstance(msg, UnknownMessage) and msg.msg_type == "event"
        )
        budget = None if event else f"rate:{msg.appid}:{msg.openid}"
        while True:
            # Bounded: a Redis that stopped answering must not hold WeChat's request open.
            async with asyncio.timeout(max(deadline - time.monotonic(), 0.05)):
                began, value = await self._turns.begin(key, locks, sessions, budget)
            if began is Began.TOO_FAST:
                # Flooding (a script, a stuck phone): told so, and nothing else is done.
                log.warning("messages too fast; refused", openid=msg.openid)
                return render(msg, Reply(self._too_fast))
            if isinstance(value, TurnClaim):
                return value, began
            # A retry: the first attempt is running or has answered.
            outcome = self._replies.answered(value)
            if outcome is None:
                remaining = max(deadline - time.monotonic(), 0.0)
                async with asyncio.timeout(remaining + _REDIS_LIMIT):
                    outcome = await self._replies.wait(key, remaining)
            if outcome is not None and outcome.silent:
                # The first attempt came first, so its own budget is over, and it has
                # neither answered nor said it would answer late: its process died mid-step
                # and its lease has yet to run out. WeChat hears "success" now, and the
                # message is taken over once the lease is out (WeChat would not retry
                # after "success"; waiting here for the lease would outlast its 5 s).
                await self._scheduler.spawn(self._take_over(msg, key))
                log.warning("first attempt silent past its budget", openid=msg.openid)
                return b""
            if outcome is not None:
                log.info("retry answered from the first attempt", openid=msg.openid)
                if outcome.refused:
                    return render(msg, Reply(self._too_fast))
                return outcome.reply or b""
            # The first attempt's lease ran out (its process died): claim it ourselves.

    async def _take_over(self, msg: Inbound, key: str) -> None:
        """Claim a message whose first attempt went silent once its lease runs out, and
        send its reply as a customer-service message; nothing when that attempt (or a
        retry that claimed it meanwhile) answers after all. Whatever the person sent
        since goes first: their earlier message's lock and lease ran out before it."""
        try:
            async with asyncio.timeout(self._step_limit + _REDIS_LIMIT):
                outcome = await self._replies.wait(key, self._step_limit)
            if outcome is None:
                log.warning("taking over a message whose first attempt died", openid=msg.openid)
                await self.handle(msg, budget=0.0)
            elif outcome.silent:
                log.error("a message stayed claimed past the step limit", openid=msg.openid)
        except Exception:
            log.exception("could not take over a message", openid=msg.openid)

    async def _run(self, msg: Inbound, turn: TurnClaim, began: Began, attempt: _Attempt) -> None:
        sessions: SessionSnapshot | None = None
        finished = False
        try:
            try:
                # A hung database or flow must not hold the person's lock for ever.
                async with asyncio.timeout(self._step_limit):
                    if began is Began.QUEUED:
                        await self._turns.wait(turn)
                    if is_receipt(msg):  # about our sends, not a conversation
                        await self._receipts.record(msg)
                        reply = None
                    else:
                        sessions = SessionSnapshot(turn.session)
                        worker_roles.seen(turn.read_along)
                        reply = await self._engine.step(msg, sessions)
            except Exception:
                log.exception("conversation step failed", openid=msg.openid)
                reply = Reply(self._sorry)
                sessions = None  # keep the session as it was; nothing half-written
            if attempt.late:
                # Sent while the lock is still ours, so it reaches the person before the
                # reply to anything they sent after it.
                if reply is not None:
                    await self._send_late(msg, reply.text)
                await self._finish(msg, turn, sessions, None, late=True)
                finished = True
                return
            xml = render(msg, reply)
            attempt.reply = xml
            await self._finish(msg, turn, sessions, xml)
            finished = True
            if not attempt.future.done():
                attempt.future.set_result(xml)
        finally:
            if not finished:
                # Cancelled (shutting down): give the lock back, leave the session as it was.
                await asyncio.shield(self._finish(msg, turn, None, None))

    async def _finish(
        self,
        msg: Inbound,
        turn: TurnClaim,
        sessions: SessionSnapshot | None,
        xml: bytes | None,
        *,
        late: bool = False,
    ) -> None:
        try:
            async with asyncio.timeout(_REDIS_LIMIT):
                await asyncio.shield(
                    self._turns.finish(
                        turn,
                        session_payload=sessions.payload if sessions else None,
                        loaded_revision=sessions.loaded_revision if sessions else 0,
                        reply=xml,
                        late=late,
                    )
                )
        except Exception:
            # Redis went away mid-turn: the lock lease and message lease run out by
            # themselves, so the person is not stuck; WeChat's retry will be answered.
            log.exception("could not record the end of a step", openid=msg.openid)

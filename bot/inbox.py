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
from conversations.messages import Event, Inbound, UnknownMessage
from conversations.session import TurnSessions, session_key
from storage.locks import lock_key
from storage.replies import DONE, LATE, Outcome, ReplyCache
from storage.turns import Began, Turn, Turns

log = structlog.get_logger(__name__)

LateSender = Callable[[str, str], Awaitable[object]]


def message_key(msg: Inbound) -> str:
    """MsgId for messages; FromUserName + CreateTime + Event for events (which have none)."""
    if msg.msg_id and not isinstance(msg, Event):
        return msg.msg_id
    kind = (
        msg.event
        if isinstance(msg, Event)
        else (msg.msg_type if isinstance(msg, UnknownMessage) else msg.kind.value)
    )
    # Two different menu clicks in one second are two messages; a retry repeats the key.
    key = getattr(msg, "key", "")
    return f"{msg.openid}:{msg.create_time}:{kind}:{key}"


def render(msg: Inbound, reply: Reply | None) -> bytes:
    if reply is None:
        return b""
    xml = TextReply(source=msg.account, target=msg.openid, content=reply.text).render()
    return str(xml).encode("utf-8")


@dataclass
class _Attempt:
    future: asyncio.Future[bytes] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )
    reply: bytes | None = None
    late: bool = False


class Inbox:
    def __init__(
        self,
        *,
        engine: Engine,
        turns: Turns,
        replies: ReplyCache,
        scheduler: aiojobs.Scheduler,
        send_late: LateSender,
        budget: float,
        sorry: str,
    ) -> None:
        self._engine = engine
        self._turns = turns
        self._replies = replies
        self._scheduler = scheduler
        self._send_late = send_late
        self._budget = budget
        self._sorry = sorry

    async def handle(self, msg: Inbound) -> bytes:
        """The reply XML (plain, before encryption); empty means answer "success"."""
        deadline = time.monotonic() + self._budget
        key = self._replies.key(msg.appid, message_key(msg))
        locks, sessions = lock_key(msg.appid, msg.openid), session_key(msg.appid, msg.openid)
        while True:
            # Bounded: a Redis that stopped answering must not hold WeChat's request open.
            async with asyncio.timeout(max(deadline - time.monotonic(), 0.05)):
                began, value = await self._turns.begin(key, locks, sessions)
            if isinstance(value, Turn):
                turn = value
                break
            # A retry: the first attempt is running or has answered.
            if isinstance(value, bytes) and value.startswith(DONE):
                outcome: Outcome | None = Outcome(value[len(DONE) :], late=False)
            elif value == LATE:
                outcome = Outcome(None, late=True)
            else:
                outcome = await self._replies.wait(key, max(deadline - time.monotonic(), 0.0))
            if outcome is not None:
                log.info("retry answered from the first attempt", openid=msg.openid)
                return outcome.reply or b""
            # The first attempt's lease ran out (its process died): claim it ourselves.
        attempt = _Attempt()
        await self._scheduler.spawn(self._run(msg, turn, began, attempt))
        try:
            return await asyncio.wait_for(
                asyncio.shield(attempt.future), max(deadline - time.monotonic(), 0.0)
            )
        except TimeoutError:
            if attempt.reply is not None:
                return attempt.reply
            # No awaits between the check above and this flag: _run sees it either way.
            attempt.late = True
            await self._replies.late(key)
            log.info(
                "step over budget; reply will follow as a customer-service message",
                openid=msg.openid,
            )
            return b""

    async def _run(self, msg: Inbound, turn: Turn, began: Began, attempt: _Attempt) -> None:
        sessions: TurnSessions | None = None
        try:
            if began is Began.QUEUED:
                await self._turns.wait(turn)
            sessions = TurnSessions(turn.session)
            reply = await self._engine.step(msg, sessions)
        except Exception:
            log.exception("conversation step failed", openid=msg.openid)
            reply = Reply(self._sorry)
            sessions = None  # keep the session as it was; nothing half-written
        if attempt.late:
            await self._finish(msg, turn, sessions, None)
            if reply is not None:
                await self._send_late(msg.openid, reply.text)
            return
        xml = render(msg, reply)
        attempt.reply = xml
        await self._finish(msg, turn, sessions, xml)
        if not attempt.future.done():
            attempt.future.set_result(xml)

    async def _finish(
        self, msg: Inbound, turn: Turn, sessions: TurnSessions | None, xml: bytes | None
    ) -> None:
        try:
            await asyncio.shield(
                self._turns.finish(
                    turn,
                    session_payload=sessions.payload if sessions else None,
                    loaded_revision=sessions.loaded_revision if sessions else 0,
                    reply=xml,
                )
            )
        except Exception:
            # Redis went away mid-turn: the lock lease and message lease run out by
            # themselves, so the person is not stuck; WeChat's retry will be answered.
            log.exception("could not record the end of a step", openid=msg.openid)

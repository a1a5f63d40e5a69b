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
from storage.locks import PersonLocks
from storage.replies import ReplyCache

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
        locks: PersonLocks,
        replies: ReplyCache,
        scheduler: aiojobs.Scheduler,
        send_late: LateSender,
        budget: float,
        sorry: str,
    ) -> None:
        self._engine = engine
        self._locks = locks
        self._replies = replies
        self._scheduler = scheduler
        self._send_late = send_late
        self._budget = budget
        self._sorry = sorry

    async def handle(self, msg: Inbound) -> bytes:
        """The reply XML (plain, before encryption); empty means answer "success"."""
        deadline = time.monotonic() + self._budget
        key = self._replies.key(msg.appid, message_key(msg))
        while not await self._replies.claim(key):
            # A retry: the first attempt is running or has answered.
            outcome = await self._replies.wait(key, max(deadline - time.monotonic(), 0.0))
            if outcome is not None:
                log.info("retry answered from the first attempt", openid=msg.openid)
                return outcome.reply or b""
        attempt = _Attempt()
        await self._scheduler.spawn(self._run(msg, key, attempt))
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

    async def _run(self, msg: Inbound, key: str, attempt: _Attempt) -> None:
        try:
            async with self._locks.hold(msg.appid, msg.openid):
                reply = await self._engine.step(msg)
        except Exception:
            log.exception("conversation step failed", openid=msg.openid)
            reply = Reply(self._sorry)
        if attempt.late:
            if reply is not None:
                await self._send_late(msg.openid, reply.text)
            return
        xml = render(msg, reply)
        attempt.reply = xml
        await self._replies.done(key, xml)
        if not attempt.future.done():
            attempt.future.set_result(xml)

"""Replies that missed WeChat's 5-second window go out as customer-service messages,
through the outbox like everything else the service sends on its own."""

from __future__ import annotations

from datetime import datetime

import structlog

from notifications.channels import CHANNELS, Push, Route
from notifications.dispatcher import Dispatcher
from storage import outbox

log = structlog.get_logger(__name__)

# The person has just written: the customer-service window is open.
REPLY_ROUTE = Route((CHANNELS["custom"],), {})


async def send_late_reply(
    dispatcher: Dispatcher, *, appid: str, openid: str, message_key: str, text: str, now: datetime
) -> bool:
    """Queue the reply (once per message, however often WeChat retried it) and send it at
    once. A failure is left to the dispatchers; this never raises."""
    try:
        delivery = await outbox.enqueue(
            source=f"reply:{message_key}",
            appid=appid,
            openid=openid,
            channel=REPLY_ROUTE.first,
            payload=REPLY_ROUTE.payload(Push(text=text)),
            now=now,
        )
        if delivery is None:
            return False  # this message's reply is already queued
        sent = await dispatcher.deliver_now(delivery.id)
    except Exception as exc:
        log.warning("late reply not sent yet", openid=openid, error=str(exc))
        return False
    log.info("late reply sent" if sent else "late reply left to the dispatchers", openid=openid)
    return sent

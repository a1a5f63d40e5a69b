"""Replies that missed WeChat's 5-second window go out as customer-service messages."""

from __future__ import annotations

from typing import Protocol

import structlog

log = structlog.get_logger(__name__)


class TextSender(Protocol):
    async def send_text(self, openid: str, content: str) -> None: ...


async def send_late_reply(api: TextSender, openid: str, text: str) -> bool:
    """Send once (the client retries transient failures itself); log, never raise."""
    try:
        await api.send_text(openid, text)
    except Exception as exc:
        log.warning("late reply not sent", openid=openid, error=str(exc))
        return False
    log.info("late reply sent", openid=openid)
    return True

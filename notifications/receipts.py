"""What WeChat reports back about our own sends (delivery receipts): a template message's
end (TEMPLATESENDJOBFINISH), a mass send's counts (MASSSENDJOBFINISH), and a person's
subscription-notice consent given, withdrawn or used up (subscribe_msg_*). They are
recorded against the outbox; they carry no question for a conversation to answer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from conversations import texts
from storage import outbox
from wechat.errcodes import NO_CONSENT
from wechat.messages import (
    Inbound,
    MassSendJobFinishEvent,
    SubscribeMsgEvent,
    TemplateSendJobFinishEvent,
)

RECEIPTS = (TemplateSendJobFinishEvent, MassSendJobFinishEvent, SubscribeMsgEvent)


def is_receipt(msg: Inbound) -> bool:
    return isinstance(msg, RECEIPTS)


class Receipts:
    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock

    async def record(self, msg: Inbound) -> None:
        """Record one receipt (anything else is ignored)."""
        if isinstance(msg, TemplateSendJobFinishEvent):
            reason = (
                texts.REASON_USER_BLOCKED
                if outbox.template_job_blocked(msg.status)
                else texts.REASON_WECHAT_FAILED.format(status=msg.status)
            )
            await outbox.reconcile_template_job(
                msg.appid, msg.openid, msg.job_msg_id, msg.status, reason
            )
        elif isinstance(msg, MassSendJobFinishEvent):
            await outbox.reconcile_mass_job(
                msg.appid,
                msg.job_msg_id,
                status=msg.status,
                counts=(msg.total_count, msg.filter_count, msg.sent_count, msg.error_count),
                now=self._clock(),
                failed_reason=texts.REASON_MASS_FAILED,
            )
        elif isinstance(msg, SubscribeMsgEvent):
            for item in msg.items:
                status = item.status
                if msg.which == "sent":  # a send's result: only a refusal changes consent
                    status = "reject" if item.error_code == NO_CONSENT else None
                if status:
                    await outbox.record_consent(
                        msg.appid, msg.openid, item.template_id, status, self._clock()
                    )

"""What the dispatcher must know about notices: whether a queued push is still wanted just
before it is sent, and stopping a notice whose template WeChat refuses."""

from __future__ import annotations

from collections.abc import Sequence

import structlog

from conversations import texts
from storage import notices
from storage.models import Notice
from storage.outbox import DEAD, SKIPPED, Claimed

log = structlog.get_logger(__name__)

_PREFIX = "notice:"


def _notice_id(source: str) -> int | None:
    if not source.startswith(_PREFIX):
        return None
    try:
        return int(source.removeprefix(_PREFIX))
    except ValueError:
        return None


async def unwanted(batch: Sequence[Claimed]) -> dict[int, tuple[str, str]]:
    """Checked for a whole claimed batch in two queries (its notices; its people, with
    their subscription to the area): the notice was retracted or stopped, the person
    stopped following, or they unsubscribed from the area."""
    out: dict[int, tuple[str, str]] = {}
    ids = {n for d in batch if (n := _notice_id(d.source)) is not None}
    if ids:
        rows = await Notice.filter(id__in=ids).values("id", "state", "halted_reason")
        stopped = {int(r["id"]) for r in rows if r["state"] == notices.RETRACTED}
        halted = {int(r["id"]) for r in rows if r["halted_reason"] is not None}
        for d in batch:
            n = _notice_id(d.source)
            if n in stopped:
                out[d.id] = (SKIPPED, texts.REASON_RETRACTED)
            elif n in halted:
                out[d.id] = (DEAD, texts.REASON_HALTED)
    topical = [d for d in batch if d.topic and d.id not in out]
    if not topical:
        return out
    groups: dict[tuple[str, str], list[Claimed]] = {}
    for d in topical:  # one account and one area per notice: one group a batch, as a rule
        groups.setdefault((d.appid, str(d.topic)), []).append(d)
    for (appid, topic), members in groups.items():
        known = await notices.followers(appid, sorted({d.openid for d in members}), topic)
        for d in members:
            person = known.get(d.openid)
            if person is None:
                continue  # not a resident we know: the producer vouched for it
            following, asked = person
            if not following:
                out[d.id] = (SKIPPED, texts.REASON_NOT_FOLLOWING)
            elif topic != notices.EMERGENCY and not asked:
                out[d.id] = (SKIPPED, texts.REASON_UNSUBSCRIBED)
    return out


async def halt(source: str, errcode: int) -> None:
    """40037 / 47003: the template or its arguments are wrong, so every other household
    would get the same refusal. Stop the notice and say why where staff look."""
    notice_id = _notice_id(source)
    if notice_id is None:
        return
    stopped = await notices.halt(
        notice_id,
        texts.STAFF_HALTED_BAD_TEMPLATE.format(errcode=errcode),
        texts.REASON_HALTED,
    )
    log.warning("notice halted: WeChat refuses its template", notice=notice_id, stopped=stopped)

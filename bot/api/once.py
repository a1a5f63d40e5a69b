"""Staff actions done once (storage.staff_requests): an ``Idempotency-Key`` header, or
for a ticket's actions without one the same body from the same person a moment later,
gets the first answer again instead of a second action."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta

from aiohttp import web

from bot import keys
from bot.api.auth import member_of
from bot.api.errors import refuse
from bot.api.routes import Handler
from conversations import texts
from storage import staff_requests
from storage.staff_requests import Answer, KeyReused

# What to do once the request's transaction has committed (see after_commit).
_AFTER: web.RequestKey[list[Callable[[], Awaitable[object]]]] = web.RequestKey("after_commit", list)

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
_KEY = re.compile(r"[\x21-\x7e]{1,100}")


def done_once(
    handler: Handler, same_body_is_retry: bool, shown_once: tuple[str, ...] = ()
) -> Handler:
    async def once(request: web.Request) -> web.StreamResponse:
        given = request.headers.get(HEADER)
        if given is not None and not _KEY.fullmatch(given):
            raise refuse(400, texts.STAFF_KEY_BAD, field=HEADER)
        settings = request.app[keys.SETTINGS].staff
        fingerprint = await _fingerprint(request)
        if given is not None:
            key, keep = given, timedelta(hours=settings.idempotency_hours)
        elif same_body_is_retry and settings.repeat_window_seconds:
            # What this person last did to this thing (/tickets/N for /tickets/N/accept):
            # the same again a moment later is a retry; anything done in between (their
            # own next action) makes it a new request, answered as such.
            subject = request.path.rsplit("/", 1)[0]
            key = "last:" + hashlib.sha256(subject.encode()).hexdigest()[:32]
            keep = timedelta(seconds=settings.repeat_window_seconds)
        else:
            return await handler(request)
        member = await member_of(request)  # 401 before anything else is looked at
        first: list[web.StreamResponse] = []
        request[_AFTER] = []

        async def act() -> Answer:
            response = await handler(request)
            first.append(response)
            assert isinstance(response, web.Response), "an action answers with a body"
            return Answer(response.status, response.content_type, _kept(response, shown_once))

        try:
            answer, replayed = await staff_requests.once(
                member.id,
                key,
                fingerprint,
                act,
                now=request.app[keys.CLOCK](),
                keep=keep,
                latest=given is None,
            )
        except KeyReused:
            raise refuse(422, texts.STAFF_KEY_REUSED, field=HEADER) from None
        if not replayed:
            for step in request[_AFTER]:
                await step()
            return first[0]
        return web.Response(
            status=answer.status,
            text=answer.body,
            content_type=answer.content_type,
            headers={REPLAYED: "true"},
        )

    return once


def _kept(response: web.Response, shown_once: tuple[str, ...]) -> str:
    """The answer as kept for a replay: without what is shown only once."""
    body = response.text or ""
    if not shown_once or response.content_type != "application/json":
        return body
    answer = json.loads(body)
    for name in shown_once:
        if name in answer:
            answer[name] = texts.STAFF_SHOWN_ONCE_NOT_KEPT
    return json.dumps(answer, ensure_ascii=False)


async def _fingerprint(request: web.Request) -> str:
    """The request's method, path and body; the body's JSON read with keys in order, so
    the same values sent with other spacing are the same request."""
    raw = await request.read()
    try:
        body = json.dumps(json.loads(raw), sort_keys=True, ensure_ascii=False).encode()
    except (ValueError, UnicodeDecodeError, RecursionError):
        body = raw
    digest = hashlib.sha256(f"{request.method} {request.path_qs}\n".encode())
    digest.update(body)
    return digest.hexdigest()


async def after_commit(request: web.Request, step: Callable[[], Awaitable[object]]) -> None:
    """Do ``step`` once what this request wrote is committed (now, when it is not inside a
    done-once transaction): a worker woken sooner would look before the rows are there."""
    pending = request.get(_AFTER)
    if pending is None:
        await step()
    else:
        pending.append(step)

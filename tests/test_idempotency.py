"""A staff action sent again — a retry after a lost answer, a double click, a client's
automatic retry — is done once: one event in the ticket's timeline, one message to the
resident, and the first answer given again."""

from __future__ import annotations

import asyncio
from typing import Any

from bot import keys
from storage import outbox
from storage.db import use
from storage.models import Delivery, StaffRequest, TicketEvent
from tests.conftest import Desk, DeskFactory, FakeWeChat
from tests.test_notices import FAST, login, token_for
from tests.test_service_desk import FIRST, complaint, desk

__all__ = ["desk"]  # the service desk's fixture: pushes without the per-person pause


async def reply(
    desk: Desk, auth: dict[str, str], number: str, text: str, key: str | None = None
) -> tuple[int, dict[str, Any], dict[str, str]]:
    headers = dict(auth)
    if key is not None:
        headers["Idempotency-Key"] = key
    resp = await desk.client.post(
        f"/api/v1/tickets/{number}/reply", json={"text": text}, headers=headers
    )
    return resp.status, await resp.json(), dict(resp.headers)


async def replies_in_timeline(desk: Desk, number: str) -> int:
    with use(desk.app[keys.DATABASE]):
        return await TicketEvent.filter(ticket__number=number, action="reply").count()


async def pushes_saying(wechat: FakeWeChat, words: str, expected: int) -> int:
    """How many pushes to the resident carry ``words``, once ``expected`` have come (or
    the deadline passed); then whatever else the dispatcher had to send has been sent."""
    texts = await wechat.wait_for_texts(FIRST, 0)
    loop = asyncio.get_running_loop()
    end = loop.time() + 5
    while sum(words in t for t in texts) < expected and loop.time() < end:
        await asyncio.sleep(0.02)
        texts = wechat.texts_to(FIRST)
    return sum(words in t for t in texts)


async def pushes_settled(desk: Desk) -> None:
    """Wait until no push is waiting or being sent."""
    loop = asyncio.get_running_loop()
    end = loop.time() + 5
    while loop.time() < end:
        with use(desk.app[keys.DATABASE]):
            if not await Delivery.filter(state__in=(outbox.PENDING, outbox.SENDING)).exists():
                return
        await asyncio.sleep(0.02)
    raise AssertionError("pushes still waiting after 5 s")


async def accepted(desk: Desk) -> tuple[str, dict[str, str]]:
    number = await complaint(desk)
    township = await login(desk)
    resp = await desk.client.post(f"/api/v1/tickets/{number}/accept", json={}, headers=township)
    assert resp.status == 200
    return number, township


async def test_the_same_idempotency_key_gets_the_first_answer_and_acts_once(
    desk: Desk, wechat: FakeWeChat
) -> None:
    number, township = await accepted(desk)
    first = await reply(desk, township, number, "已派人去看", key="k-1")
    again = await reply(desk, township, number, "已派人去看", key="k-1")
    assert first[0] == again[0] == 200
    assert again[1] == first[1]
    assert again[2].get("Idempotent-Replayed") == "true"
    assert "Idempotent-Replayed" not in first[2]
    assert await replies_in_timeline(desk, number) == 1
    # Hours later (logged in again), the same key is still this reply.
    desk.clock.advance(hours=23)
    township = await token_for(desk, "sangyuan")
    assert (await reply(desk, township, number, "已派人去看", key="k-1"))[0] == 200
    assert await replies_in_timeline(desk, number) == 1
    assert await pushes_saying(wechat, "已派人去看", 1) == 1
    # A new key is a new reply, though the words are the same.
    assert (await reply(desk, township, number, "已派人去看", key="k-2"))[0] == 200
    assert await replies_in_timeline(desk, number) == 2
    assert await pushes_saying(wechat, "已派人去看", 2) == 2


async def test_a_key_sent_with_another_body_is_refused_and_changes_nothing(desk: Desk) -> None:
    number, township = await accepted(desk)
    assert (await reply(desk, township, number, "第一句", key="k-1"))[0] == 200
    status, body, _ = await reply(desk, township, number, "另一句", key="k-1")
    assert status == 422 and body["field"] == "Idempotency-Key"
    for bad in ("", "x" * 101, "有中文", "a b"):
        status, body, _ = await reply(desk, township, number, "第三句", key=bad)
        assert status == 400 and body["field"] == "Idempotency-Key", bad
    assert await replies_in_timeline(desk, number) == 1


async def test_the_same_action_sent_again_at_once_without_a_key_is_done_once(
    desk: Desk, wechat: FakeWeChat
) -> None:
    number, township = await accepted(desk)
    first = await reply(desk, township, number, "马上处理")
    again = await reply(desk, township, number, "马上处理")
    assert first[0] == again[0] == 200 and again[2].get("Idempotent-Replayed") == "true"
    assert await replies_in_timeline(desk, number) == 1
    # Something else done in between makes the same words a new reply.
    assert (await reply(desk, township, number, "请耐心等待"))[0] == 200
    assert (await reply(desk, township, number, "马上处理"))[0] == 200
    assert await replies_in_timeline(desk, number) == 3
    # And a minute later, so is the same again. (Once the pushes so far are recorded: a
    # clock moved past the outbox's 60 s lease with one in flight has it sent again.)
    await pushes_settled(desk)
    desk.clock.advance(seconds=61)
    assert (await reply(desk, township, number, "马上处理"))[0] == 200
    assert await replies_in_timeline(desk, number) == 4
    assert await pushes_saying(wechat, "马上处理", 3) == 3


async def test_the_same_key_sent_twice_at_the_same_moment_acts_once(desk: Desk) -> None:
    number, township = await accepted(desk)
    answers = await asyncio.gather(
        *(reply(desk, township, number, "同时发的", key="same-moment") for _ in range(4))
    )
    assert [a[0] for a in answers] == [200] * 4
    assert sum(a[2].get("Idempotent-Replayed") == "true" for a in answers) == 3
    assert await replies_in_timeline(desk, number) == 1


async def test_a_refused_action_is_not_remembered(desk: Desk) -> None:
    number = await complaint(desk)
    township = await login(desk)
    headers = {**township, "Idempotency-Key": "resolve-1"}
    resp = await desk.client.post(
        f"/api/v1/tickets/{number}/resolve", json={"result": "已清理"}, headers=headers
    )
    assert resp.status == 409  # not accepted yet: nothing done, nothing kept
    await desk.client.post(f"/api/v1/tickets/{number}/accept", json={}, headers=township)
    resp = await desk.client.post(
        f"/api/v1/tickets/{number}/resolve", json={"result": "已清理"}, headers=headers
    )
    assert resp.status == 200 and (await resp.json())["status"] == "resolved"


async def test_an_invite_asked_for_twice_is_two_invites(desk: Desk) -> None:
    """Only a ticket's actions take the same body as a retry: anything else needs a key."""
    county = await login(desk, "county", "county_admin")
    codes = []
    for _ in range(2):
        resp = await desk.client.post("/api/v1/grids/1/invites", json={}, headers=county)
        assert resp.status == 201, await resp.text()
        codes.append((await resp.json())["code"])
    assert codes[0] != codes[1]


async def test_answers_are_forgotten_once_their_keys_can_no_longer_be_retried(
    make_desk: DeskFactory,
) -> None:
    """The kept answers do not pile up: a day on (idempotency_hours), the ticket clock
    drops them, and the key names a new action."""
    desk = await make_desk(outbox=FAST, tickets={"sweep_seconds": 0.1})
    number, township = await accepted(desk)
    assert (await reply(desk, township, number, "第一次", key="k-day"))[0] == 200
    with use(desk.app[keys.DATABASE]):
        assert await StaffRequest.filter(key="k-day").exists()
    desk.clock.advance(hours=24, minutes=1)
    loop = asyncio.get_running_loop()
    end = loop.time() + 10
    with use(desk.app[keys.DATABASE]):
        while await StaffRequest.all().exists():
            assert loop.time() < end, "the kept answers were not forgotten"
            await asyncio.sleep(0.05)
    township = await token_for(desk, "sangyuan")
    again = await reply(desk, township, number, "第一次", key="k-day")
    assert again[0] == 200 and "Idempotent-Replayed" not in again[2]
    assert await replies_in_timeline(desk, number) == 2

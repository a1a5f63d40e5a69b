"""WeChat's retries, the 5-second budget and one person's messages sent at once."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from bot import keys
from storage.db import use
from storage.models import Resident
from tests.conftest import APPID, Desk, DeskFactory, FakeWeChat
from wechat.simulator import Posted

RESIDENT = "oResident000000000000000001"


async def at_consent_step(desk: Desk) -> None:
    """Prove the conversation is at the consent question (and leave it)."""
    reply = await desk.say("2")
    assert reply is not None and reply.startswith("好的，没有记录任何信息。"), reply


async def test_a_retry_gets_the_same_reply_and_is_processed_once(desk: Desk) -> None:
    await desk.say("我的")
    choose = desk.sim.text(RESIDENT, "1")
    first = await desk.send(choose)
    again = await desk.send(choose)
    assert first is not None and first.startswith("个人信息告知")
    assert again == first
    await at_consent_step(desk)


async def test_an_event_retry_is_recognised_by_sender_time_and_event(desk: Desk) -> None:
    follow = desk.sim.event(RESIDENT, "subscribe", created=1_800_000_000)
    replies = [await desk.send(follow) for _ in range(3)]
    assert replies[0] is not None and "吴桥县" in replies[0]
    assert replies.count(replies[0]) == 3
    with use(desk.app[keys.DATABASE]):
        assert await Resident.filter(openid=RESIDENT).count() == 1


async def test_retries_arriving_while_the_first_attempt_runs_get_its_reply(desk: Desk) -> None:
    await desk.say("我的")
    choose = desk.sim.text(RESIDENT, "1")
    async with desk.locks().hold(APPID, RESIDENT):
        # The person's lock is busy, so the first attempt waits in line behind it...
        first = asyncio.create_task(desk.post(choose))
        await desk.wait_in_line(RESIDENT, 2)
        # ...and WeChat's retries reach the service while it does.
        received = desk.received()
        retries = [asyncio.create_task(desk.post(choose)) for _ in range(2)]
        await desk.wait_received(received + 2)
        assert not first.done()
    results = await asyncio.gather(first, *retries)
    assert all(r.status == 200 for r in results)
    assert results[0].text is not None and results[0].text.startswith("个人信息告知")
    assert {r.text for r in results} == {results[0].text}
    await at_consent_step(desk)


async def test_a_slow_step_answers_success_and_the_reply_follows_as_a_message(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    desk = await make_desk(wechat={"reply_budget": 0.3})
    await desk.say("我的")
    choose = desk.sim.text(RESIDENT, "1")
    async with desk.locks().hold(APPID, RESIDENT):
        posted = await desk.post(choose)
        assert (posted.status, posted.body) == (200, b"success")
        assert wechat.texts_to(RESIDENT) == []
        # WeChat retries after its 5 s: the retry must not produce a second reply.
        retry = await desk.post(choose)
        assert (retry.status, retry.body) == (200, b"success")
    texts = await wechat.wait_for_texts(RESIDENT, 1)
    assert len(texts) == 1 and texts[0].startswith("个人信息告知")
    # A later message's turn comes after any the retry could have started, and a late
    # reply is sent before its turn ends: once this is answered, nothing more is coming.
    await at_consent_step(desk)
    assert len(wechat.texts_to(RESIDENT)) == 1


async def test_messages_sent_together_are_handled_in_arrival_order(desk: Desk) -> None:
    words = ["我的", "1", "同意", "2", "3"]
    tasks: list[asyncio.Task[Posted]] = []
    async with desk.locks().hold(APPID, RESIDENT):
        for n, word in enumerate(words):
            tasks.append(asyncio.create_task(desk.post(desk.sim.text(RESIDENT, word))))
            await desk.wait_in_line(RESIDENT, n + 2)  # taken, behind the ones before it
    replies = [(await t).text or "" for t in tasks]
    assert replies[0].startswith("我的信息")
    assert replies[1].startswith("个人信息告知")
    assert replies[2].startswith("您住在哪个乡镇？")
    assert replies[3].startswith("您住在铁城镇的哪个村")
    assert replies[4].startswith("请确认：铁城镇西宋门村。")


async def test_order_holds_across_two_service_processes(make_desk: DeskFactory) -> None:
    a, b = await make_desk(), await make_desk()
    words = ["我的", "1", "同意", "3", "1"]
    tasks: list[asyncio.Task[Posted]] = []
    async with a.locks().hold(APPID, RESIDENT):
        for i, word in enumerate(words):
            desk = a if i % 2 == 0 else b
            tasks.append(asyncio.create_task(desk.post(a.sim.text(RESIDENT, word))))
            await a.wait_in_line(RESIDENT, i + 2)  # one line in Redis for both processes
    replies = [(await t).text or "" for t in tasks]
    assert replies[3].startswith("您住在于集镇的哪个村")
    assert replies[4].startswith("请确认：于集镇于集村。")


async def test_a_crashed_holder_does_not_block_the_person(desk: Desk) -> None:
    redis = desk.app[keys.REDIS]
    # A process died holding the lock: its token is queued but no longer kept alive.
    await redis.rpush(f"lock:{APPID}:{RESIDENT}", "dead-process-token")
    reply = await asyncio.wait_for(desk.say("我的"), 2.0)
    assert reply is not None and reply.startswith("我的信息")


async def test_a_retry_after_the_first_attempt_crashed_is_handled(desk: Desk) -> None:
    choose: dict[str, Any] = desk.sim.text(RESIDENT, "我的")
    # The first attempt claimed the message and died before answering; its lease is short.
    await desk.app[keys.REDIS].set(f"msg:{APPID}:{choose['MsgId']}", b"p", px=300)
    reply = await asyncio.wait_for(desk.send(choose), 3.0)
    assert reply is not None and reply.startswith("我的信息")


async def test_a_crashed_first_attempt_whose_lease_outlasts_the_retry_is_taken_over(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    desk = await make_desk(wechat={"reply_budget": 0.3})
    choose: dict[str, Any] = desk.sim.text(RESIDENT, "我的")
    # The first attempt claimed the message and its process was killed; the retry came at
    # once (nginx passes the request on), so the lease outlasts the retry's own budget.
    await desk.app[keys.REDIS].set(f"msg:{APPID}:{choose['MsgId']}", b"p", px=1000)
    posted = await desk.post(choose)
    assert (posted.status, posted.body) == (200, b"success")
    # Not lost: taken over once the lease ran out, the reply sent as a message.
    texts = await wechat.wait_for_texts(RESIDENT, 1)
    assert len(texts) == 1 and texts[0].startswith("我的信息")
    # WeChat sends it again after all: no second step, no second reply.
    again = await desk.post(choose)
    assert (again.status, again.body) == (200, b"success")
    await asyncio.sleep(0.3)
    assert len(wechat.texts_to(RESIDENT)) == 1


async def test_a_holder_whose_lease_runs_out_stops_blocking(desk: Desk) -> None:
    redis = desk.app[keys.REDIS]
    # A process took the lock and died: its lease is still running for a moment.
    await redis.rpush(f"lock:{APPID}:{RESIDENT}", "crashed-token")
    await redis.set("alive:crashed-token", "1", px=400)
    started = asyncio.get_running_loop().time()
    reply = await asyncio.wait_for(desk.say("我的"), 3.0)
    waited = asyncio.get_running_loop().time() - started
    assert reply is not None and reply.startswith("我的信息")
    assert 0.3 < waited < 2.0


async def test_a_hung_step_is_abandoned_and_the_person_is_not_stuck(
    make_desk: DeskFactory,
) -> None:
    from conversations.flow import Step
    from conversations.flows import FlowRegistry, mine
    from conversations.flows import menu as main_menu

    async def hangs(ctx: Any, msg: Any) -> Any:
        await asyncio.sleep(60)  # a database that stopped answering

    first = mine.FLOW.steps[0]
    stuck = dataclasses.replace(
        mine.FLOW, steps=[Step(first.name, first.ask, hangs), *mine.FLOW.steps[1:]]
    )
    desk = await make_desk(
        flows=FlowRegistry([main_menu.FLOW, stuck]), conversation={"step_limit_seconds": 0.5}
    )
    assert (await desk.say("我的") or "").startswith("我的信息")
    reply = await asyncio.wait_for(desk.say("1"), 3.0)
    assert reply is not None and reply.startswith("抱歉，系统出了点问题")
    # The lock is free again and the conversation is where it was.
    assert (await asyncio.wait_for(desk.say("返回"), 2.0) or "").startswith("请回复数字选择")


async def test_late_replies_reach_the_person_in_order(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    desk = await make_desk(wechat={"reply_budget": 0.3})
    wechat.state.fail("/cgi-bin/message/custom/send", -1, times=1)  # the first send stumbles
    async with desk.locks().hold(APPID, RESIDENT):
        first = asyncio.create_task(desk.post(desk.sim.text(RESIDENT, "我的")))
        await desk.wait_in_line(RESIDENT, 2)
        second = asyncio.create_task(desk.post(desk.sim.text(RESIDENT, "1")))
        await desk.wait_in_line(RESIDENT, 3)
        assert (await first).body == b"success" and (await second).body == b"success"
    texts = await wechat.wait_for_texts(RESIDENT, 2)
    assert texts[0].startswith("我的信息") and texts[1].startswith("个人信息告知")


async def test_a_late_reply_wechat_keeps_refusing_is_kept_and_sent_later(
    make_desk: DeskFactory, wechat: FakeWeChat
) -> None:
    from storage.models import Delivery

    desk = await make_desk(
        wechat={"reply_budget": 0.3},
        outbox={"poll_seconds": 0.1, "backoff_base_seconds": 0.3, "backoff_cap_seconds": 0.5},
    )
    wechat.state.fail("/cgi-bin/message/custom/send", -1, times=4)  # busier than a moment
    async with desk.locks().hold(APPID, RESIDENT):
        # Its reply budget runs out while it waits for the lock: WeChat hears "success".
        assert (await desk.post(desk.sim.text(RESIDENT, "我的"))).body == b"success"
    texts = await wechat.wait_for_texts(RESIDENT, 1, timeout=10)
    assert len(texts) == 1 and texts[0].startswith("我的信息")
    with use(desk.app[keys.DATABASE]):
        # The phone shows it as WeChat answers; the row is written just after.
        for _ in range(100):
            (row,) = await Delivery.filter(openid=RESIDENT)
            if row.state != "sending":
                break
            await asyncio.sleep(0.02)
    assert row.source.startswith("reply:") and row.state == "sent" and row.attempts == 5

"""Signing in is slowed, never locked: a name's wrong passwords make each further try for
it wait longer (429 with a truthful Retry-After), except from the addresses its owner
last signed in from; each address may try only so many sign-ins; X-Forwarded-For is
believed only from a trusted proxy; county admins see the failed sign-ins, which never
hold the password."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

import pytest
import structlog
from aiohttp import ClientResponse

from bot import keys, logs
from storage.db import use
from storage.models import FailedLogin
from tests.conftest import Desk, DeskFactory
from tests.test_notices import PASSWORD, login

BEHIND_NGINX = {"trusted_proxies": ["127.0.0.1"]}  # the test client's peer is 127.0.0.1
WRONG = "not-the-password-77"
# A first wait far longer than a wrong password takes to check on a busy machine.
SLOW = {"login_delay_seconds": 60}


async def sign_in(
    desk: Desk, username: str, password: str = WRONG, address: str | None = None
) -> ClientResponse:
    headers = {"X-Forwarded-For": address} if address else {}
    return await desk.client.post(
        "/api/v1/auth/login", json={"username": username, "password": password}, headers=headers
    )


async def told_to_wait(resp: ClientResponse) -> int:
    """The seconds a 429 says to wait, checked to be the same in the header and body."""
    assert resp.status == 429, await resp.text()
    seconds = int(resp.headers["Retry-After"])
    assert (await resp.json())["retry_after"] == seconds
    return seconds


async def test_guesses_from_elsewhere_never_slow_the_owner_at_their_usual_address(
    make_desk: DeskFactory,
) -> None:
    desk = await make_desk(http=BEHIND_NGINX, staff=SLOW)
    await login(desk, "sangyuan")  # the account, and a first sign-in from nginx itself
    assert (await sign_in(desk, "sangyuan", PASSWORD, "10.1.2.3")).status == 200  # her desk
    statuses = [(await sign_in(desk, "sangyuan", address="203.0.113.9")).status for _ in range(8)]
    assert statuses == [401] * 3 + [429] * 5
    # Still slowed for anyone else, even with the right password...
    assert (await sign_in(desk, "sangyuan", PASSWORD, "198.51.100.4")).status == 429
    # ...but not at her own desk, and there her sign-in is not held up at all.
    resp = await sign_in(desk, "sangyuan", PASSWORD, "10.1.2.3")
    assert resp.status == 200, await resp.text()
    assert (await sign_in(desk, "sangyuan", PASSWORD, "10.1.2.3")).status == 200
    # Her own desk has a count of its own: her own typos there slow only her there.
    here = [(await sign_in(desk, "sangyuan", address="10.1.2.3")).status for _ in range(4)]
    assert here == [401] * 3 + [429]
    assert (await sign_in(desk, "sangyuan", PASSWORD, "127.0.0.1")).status == 200


async def test_the_wait_grows_with_each_failure_and_retry_after_is_the_truth(
    make_desk: DeskFactory,
) -> None:
    # Tens of seconds: a wrong password takes a moment to check on a busy machine, and the
    # wait runs from when the try was counted.
    desk = await make_desk(staff={"login_delay_seconds": 10, "login_delay_cap_seconds": 80})
    await login(desk, "sangyuan")
    address = "198.51.100.7"  # not trusted: the peer, 127.0.0.1, counts
    for _ in range(3):
        assert (await sign_in(desk, "sangyuan", address=address)).status == 401
    waits = []
    for _ in range(5):
        resp = await sign_in(desk, "sangyuan", PASSWORD, address)
        seconds = await told_to_wait(resp)
        assert (await resp.json())["error"] == f"这个用户名登录失败太多，请 {seconds} 秒后再试"
        waits.append(seconds)
        # Truthful: a little short of it is still too soon, and it says what is left...
        desk.clock.advance(seconds=seconds - 3)
        assert 1 <= await told_to_wait(await sign_in(desk, "sangyuan", PASSWORD, address)) <= 3
        # ...and once it has passed a try is let through.
        desk.clock.advance(seconds=3)
        assert (await sign_in(desk, "sangyuan", address=address)).status == 401
    # Doubling, up to the cap (a second less when the clock ticked past one on the way).
    assert all(w in (due, due - 1) for w, due in zip(waits, [10, 20, 40, 80, 80], strict=True))
    # The right password once the wait is over clears the count.
    desk.clock.advance(seconds=80)
    assert (await sign_in(desk, "sangyuan", PASSWORD, address)).status == 200
    assert (await sign_in(desk, "sangyuan", address=address)).status == 401


async def test_a_burst_of_guesses_sent_at_once_gets_the_free_tries_and_no_more(
    make_desk: DeskFactory,
) -> None:
    desk = await make_desk(staff=SLOW)
    await login(desk)
    statuses = await asyncio.gather(*(sign_in(desk, "sangyuan") for _ in range(30)))
    assert sorted(r.status for r in statuses) == [401] * 3 + [429] * 27
    assert all(50 < int(r.headers["Retry-After"]) <= 60 for r in statuses if r.status == 429)


async def test_an_address_trying_too_many_sign_ins_waits_and_is_told_how_long(
    make_desk: DeskFactory,
) -> None:
    # One a minute after a burst of three.
    desk = await make_desk(staff={"logins_per_minute_per_address": 1, "login_address_burst": 3})
    await login(desk, "sangyuan")  # spends one
    for name in ("guess-a", "guess-b"):
        assert (await sign_in(desk, name)).status == 401
    resp = await sign_in(desk, "sangyuan", PASSWORD)
    seconds = await told_to_wait(resp)
    assert 50 < seconds <= 60  # less the moments the three tries took
    assert (await resp.json())["error"] == f"从这里登录的尝试太多，请 {seconds} 秒后再试"
    # No proxy is trusted: a made-up X-Forwarded-For is no way round it.
    assert await told_to_wait(await sign_in(desk, "sangyuan", PASSWORD, "198.51.100.7")) > 50
    desk.clock.advance(seconds=seconds - 3)
    assert await told_to_wait(await sign_in(desk, "sangyuan", PASSWORD)) <= 3
    desk.clock.advance(seconds=3)
    assert (await sign_in(desk, "sangyuan", PASSWORD)).status == 200
    with use(desk.app[keys.DATABASE]):
        # Only the tries that were made are on record, each from the peer's address.
        rows = await FailedLogin.all().order_by("id")
    assert [(r.username, r.address, r.reason) for r in rows] == [
        ("guess-a", "127.0.0.1", "unknown_name"),
        ("guess-b", "127.0.0.1", "unknown_name"),
    ]


async def test_x_forwarded_for_names_the_caller_only_behind_a_trusted_proxy(
    make_desk: DeskFactory,
) -> None:
    limits = {"logins_per_minute_per_address": 1, "login_address_burst": 2}
    desk = await make_desk(http=BEHIND_NGINX, staff=limits)
    for _ in range(2):
        assert (await sign_in(desk, "guess", address="198.51.100.7")).status == 401
    assert (await sign_in(desk, "guess", address="198.51.100.7")).status == 429
    # A different caller behind the same proxy has a budget of its own...
    assert (await sign_in(desk, "other", address="198.51.100.8")).status == 401
    # ...and what a caller writes in the header itself is left of what nginx appends:
    # the right-most address that is not a trusted proxy's is the caller.
    forged = "192.0.2.1, 198.51.100.7"
    assert (await sign_in(desk, "other", address=forged)).status == 429
    chained = "198.51.100.9, 127.0.0.1"  # through a second proxy of ours
    assert (await sign_in(desk, "other", address=chained)).status == 401
    with use(desk.app[keys.DATABASE]):
        seen = [r.address for r in await FailedLogin.all().order_by("id")]
    assert seen == ["198.51.100.7", "198.51.100.7", "198.51.100.8", "198.51.100.9"]


async def test_county_admins_see_failed_sign_ins_and_never_the_password(
    make_desk: DeskFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    desk = await make_desk(http=BEHIND_NGINX, staff=SLOW)
    county = await login(desk, "county", "county_admin")
    sangyuan = await login(desk, "sangyuan")
    secret = "my-Secret-Pa55word"
    logs.configure("debug", json_lines=True)
    try:
        for _ in range(4):
            await sign_in(desk, "sangyuan", secret, "203.0.113.9")
        await sign_in(desk, "nobody", secret, "203.0.113.9")
        await sign_in(desk, "x" * 80, secret, "203.0.113.9")
    finally:
        logging.getLogger().handlers.clear()
        structlog.reset_defaults()
    captured = capsys.readouterr()
    assert "staff login refused" in captured.err
    assert secret not in captured.err + captured.out
    with use(desk.app[keys.DATABASE]):
        stored: list[dict[str, Any]] = await FailedLogin.all().values()
    assert len(stored) == 6 and secret not in repr(stored)

    resp = await desk.client.get("/api/v1/auth/failures", headers=county)
    assert resp.status == 200, await resp.text()
    page = await resp.json()
    shown = [(f["username"], f["address"], f["reason"]) for f in page["failures"]]
    assert shown == [
        ("x" * 64, "203.0.113.9", "unknown_name"),
        ("nobody", "203.0.113.9", "unknown_name"),
        ("sangyuan", "203.0.113.9", "slowed"),
        *[("sangyuan", "203.0.113.9", "wrong_password")] * 3,
    ]
    assert page["next"] is None
    resp = await desk.client.get(
        "/api/v1/auth/failures", params={"username": "sangyuan", "limit": "2"}, headers=county
    )
    page = await resp.json()
    assert [f["reason"] for f in page["failures"]] == ["slowed", "wrong_password"]
    resp = await desk.client.get(
        "/api/v1/auth/failures",
        params={"username": "sangyuan", "before": page["next"]},
        headers=county,
    )
    assert [f["reason"] for f in (await resp.json())["failures"]] == ["wrong_password"] * 2
    today = desk.clock().date().isoformat()
    resp = await desk.client.get("/api/v1/auth/failures", params={"since": today}, headers=county)
    assert len((await resp.json())["failures"]) == 6
    tomorrow = (desk.clock() + timedelta(days=1)).date().isoformat()
    resp = await desk.client.get(
        "/api/v1/auth/failures", params={"since": tomorrow}, headers=county
    )
    assert (await resp.json())["failures"] == []
    # Township staff may not look.
    assert (await desk.client.get("/api/v1/auth/failures", headers=sangyuan)).status == 403


async def test_failed_sign_ins_are_kept_ninety_days(make_desk: DeskFactory) -> None:
    desk = await make_desk(tickets={"sweep_seconds": 0.1})
    await login(desk, "county", "county_admin")
    assert (await sign_in(desk, "sangyuan")).status == 401
    desk.clock.advance(days=89)
    county = await login(desk, "county2", "county_admin")
    resp = await desk.client.get("/api/v1/auth/failures", headers=county)
    assert [f["username"] for f in (await resp.json())["failures"]] == ["sangyuan"]
    desk.clock.advance(days=1, minutes=1)
    county = await login(desk, "county3", "county_admin")
    loop = asyncio.get_running_loop()
    end = loop.time() + 10
    while (await (await desk.client.get("/api/v1/auth/failures", headers=county)).json())[
        "failures"
    ]:
        assert loop.time() < end, "failed sign-ins older than 90 days are still kept"
        await asyncio.sleep(0.05)

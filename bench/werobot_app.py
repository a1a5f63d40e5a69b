"""WeRoBot 1.13 answering the same words whoever asks, for bench/webhook.py.

    gunicorn -w 1 -b 127.0.0.1:PORT bench.werobot_app:app   # BENCH_* from the env

The synchronous framework most WeChat bots start from: signature check, decrypt, parse,
reply and encrypt under one gunicorn worker; no session (WeRoBot's is deprecated).
"""

from __future__ import annotations

import logging
import os
from typing import Any

from werobot import WeRoBot


def create_robot() -> Any:
    env = os.environ
    robot = WeRoBot(
        token=env["BENCH_TOKEN"],
        encoding_aes_key=env["BENCH_AES_KEY"],
        app_id=env["BENCH_APPID"],
        enable_session=False,
        logger=logging.getLogger("werobot-bench"),
    )
    words = env["BENCH_REPLY"]

    @robot.text  # type: ignore[untyped-decorator]
    def menu(message: Any) -> str:
        return words

    return robot


app = create_robot().wsgi if "BENCH_TOKEN" in os.environ else None

"""The benchmark's stateless reference: what any WeChat handler must do, and no more.

    python -m bench.stateless PORT        # TOKEN, AES_KEY, APPID and REPLY from the env

aiohttp and wechatpy: check the signature, decrypt, parse, answer the same words
whoever asks, encrypt. No state at all (no dedupe, no lock, no session): not part of
the service, only a measure of what its step costs over this floor (bench/webhook.py).
"""

from __future__ import annotations

import os
import sys

from aiohttp import web
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.replies import TextReply
from wechatpy.utils import check_signature

HOST = "127.0.0.1"


def create_app(token: str, aes_key: str, appid: str, words: str) -> web.Application:
    crypto = WeChatCrypto(token, aes_key, appid)

    async def answer(request: web.Request) -> web.Response:
        q = request.query
        try:
            check_signature(token, q["signature"], q["timestamp"], q["nonce"])
            xml = crypto.decrypt_message(
                await request.read(), q["msg_signature"], q["timestamp"], q["nonce"]
            )
        except (KeyError, InvalidSignatureException):
            return web.Response(status=403, text="bad signature\n")
        msg = parse_message(xml)
        reply = TextReply(message=msg, content=words).render()
        body = crypto.encrypt_message(reply, q["nonce"], q["timestamp"])
        return web.Response(text=body, content_type="application/xml")

    async def healthz(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/wechat", answer)
    app.router.add_get("/healthz", healthz)
    return app


def main() -> None:
    env = os.environ
    app = create_app(
        env["BENCH_TOKEN"], env["BENCH_AES_KEY"], env["BENCH_APPID"], env["BENCH_REPLY"]
    )
    web.run_app(app, host=HOST, port=int(sys.argv[1]), print=None, access_log=None)


if __name__ == "__main__":
    main()

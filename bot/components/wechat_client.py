"""The HTTP client session and WeChat's API client on it (the local sandbox's stand-in
when the sandbox is on)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from bot import keys
from bot.settings import required
from wechat.client import WeChatAPI


async def wechat(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    wx = settings.wechat
    # Enough connections for every send the dispatcher has in flight at once.
    connector = aiohttp.TCPConnector(limit=max(100, settings.outbox.concurrency + 20))
    async with aiohttp.ClientSession(connector=connector) as http:
        app[keys.HTTP] = http
        app[keys.WECHAT] = WeChatAPI(
            http,
            app[keys.REDIS],
            appid=wx.appid,
            secret=required(wx.secret, "wechat.secret"),
            base_url=settings.wechat_api_base_url,
            timeout=wx.api_timeout,
            attempts=wx.api_attempts,
        )
        yield

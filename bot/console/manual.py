"""帮助: the help page in plain Chinese (texts.CONSOLE_HELP), with the screenshots the
browser tests take (docs/screenshots, refreshed with TOWNSHIP_SCREENSHOTS=1)."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from bot.console.pages import refused_page, render
from bot.console.visits import signed_in
from conversations import texts

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
_SHOWN = frozenset(image for _, _, image in texts.CONSOLE_HELP if image)


async def page(request: web.Request) -> web.Response:
    visit = await signed_in(request)
    sections = [
        (title, paragraphs, image if (SCREENSHOTS / image).is_file() else "")
        for title, paragraphs, image in texts.CONSOLE_HELP
    ]
    return render(request, "help.html", visit, sections=sections)


async def screenshot(request: web.Request) -> web.StreamResponse:
    visit = await signed_in(request)
    name = request.match_info["name"]
    path = SCREENSHOTS / name
    if name not in _SHOWN or not path.is_file():
        raise await refused_page(request, 404, texts.CONSOLE["not_found"], visit)
    return web.FileResponse(path, headers={"Cache-Control": "private, max-age=3600"})

"""常用语: reply templates, over bot.desk.reply_templates. Everyone picks from them on a
ticket's page; county admins add, edit and retire them here."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from multidict import MultiDictProxy

from bot import keys
from bot.console.pages import render
from bot.console.visits import Visit, form_of, signed_in
from bot.desk import reply_templates as desk
from bot.desk.reading import read
from bot.desk.refused import Refused
from bot.desk.reply_templates import TemplateDraft, TemplateQuery
from conversations import texts


async def page(request: web.Request) -> web.Response:
    return await _page(request, await signed_in(request))


async def _page(
    request: web.Request,
    visit: Visit,
    *,
    said: str = "",
    error: str = "",
    typed: dict[str, Any] | None = None,
    editing: int | None = None,
    status: int = 200,
) -> web.Response:
    retired = request.query.get("retired") == "true" and visit.member.role == "county_admin"
    found = await desk.listed(visit.member, TemplateQuery(retired="true" if retired else "false"))
    return render(
        request,
        "phrases.html",
        visit,
        status=status,
        a=texts.CONSOLE_ADMIN,
        found=found.templates,
        retired=retired,
        said=said,
        error=error,
        typed=typed or {},
        editing=editing,
        may_change=visit.member.role == "county_admin",
    )


def _draft(form: MultiDictProxy[str]) -> dict[str, Any]:
    return {
        "title": form.get("title", ""),
        "text": form.get("text", ""),
        "kinds": form.getall("kinds", []),
    }


async def add(request: web.Request) -> web.Response:
    visit = await signed_in(request)
    given = _draft(await form_of(request, visit))
    try:
        await desk.add(visit.member, read(TemplateDraft, given), request.app[keys.CLOCK]())
    except Refused as refused:
        if refused.status == 403:
            raise
        return await _page(
            request, visit, error=refused.message, typed=given, status=refused.status
        )
    return await _page(request, visit, said=texts.CONSOLE_ADMIN["template_added"])


async def change(request: web.Request) -> web.Response:
    visit = await signed_in(request)
    form = await form_of(request, visit)
    given = _draft(form)
    ref = request.match_info["id"]
    number = int(ref) if ref.isdigit() and len(ref) < 10 else 0
    now = request.app[keys.CLOCK]()
    try:
        if request.match_info["action"] == "retire":
            await desk.retire(visit.member, number, now)
            return await _page(request, visit, said=texts.CONSOLE_ADMIN["template_retired_done"])
        if request.match_info["action"] != "edit":
            raise Refused(404, texts.CONSOLE["not_found"])
        await desk.edit(visit.member, number, read(TemplateDraft, given), now)
    except Refused as refused:
        if refused.status in (403, 404):
            raise
        return await _page(
            request,
            visit,
            error=refused.message,
            typed=given,
            editing=number,
            status=refused.status,
        )
    return await _page(request, visit, said=texts.CONSOLE_ADMIN["template_saved"])

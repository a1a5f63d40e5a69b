"""工单详情: everything about one ticket, and a form for each action the person may take
on it now. An action refused by the rules is said on the page in a plain sentence."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot import keys
from bot.console.pages import formed, refused_page, render
from bot.console.visits import Visit, form_of, signed_in
from bot.desk import follow_ups as follow_up_desk
from bot.desk import reply_templates as phrases
from bot.desk import supervision as orders
from bot.desk import tickets as desk
from bot.desk.fields import ID_MAX
from bot.desk.refused import Refused
from bot.desk.reply_templates import TemplateQuery
from bot.desk.ticket_shapes import BODIES, TicketGone
from bot.work import work
from conversations import texts
from notifications.dispatcher import wake
from storage import follow_ups, supervision

# The fields each action's form has, as the body's names (bot.desk.ticket_shapes).
_NUMBERS = frozenset({"days"})
# The fields a reply template (常用语) may fill.
_WORDS = frozenset({"reason", "text", "result"})
# What the page says was done (its own actions, and the 督办 and 回访 forms').
_DONE = frozenset(BODIES) | {supervision.ISSUE, follow_ups.EVENT}


async def show(request: web.Request) -> web.Response:
    visit = await signed_in(request)
    done = request.query.get("done", "")
    said = texts.CONSOLE["done"].format(action=texts.TICKET_ACTIONS[done]) if done in _DONE else ""
    return await ticket_page(request, visit, messages=(said,) if said else ())


async def ticket_page(
    request: web.Request,
    visit: Visit,
    *,
    messages: tuple[str, ...] = (),
    error: str = "",
    status: int = 200,
    typed: dict[str, str] | None = None,
) -> web.Response:
    """The ticket page (with a refusal's sentence and what was typed, after a form)."""
    number = request.match_info["number"]
    try:
        row = await desk.find(visit.member, number)
    except Refused:
        raise await refused_page(request, 404, texts.CONSOLE["ticket_not_found"], visit) from None
    app = request.app
    ticket = await desk.detail(visit.member, row, app[keys.CLOCK](), app[keys.DEADLINES])
    actions = desk.actions_for(visit.member, row)
    offered = await phrases.listed(visit.member, TemplateQuery(kind=row.kind))
    return render(
        request,
        "ticket.html",
        visit,
        status=status,
        t=ticket,
        actions=actions,
        whole=desk.may_act(visit.member, row),
        messages=messages,
        error=error,
        typed=typed or {},
        choices=await desk.choices(visit.member) if "assign" in actions else None,
        deadline_names=texts.CONSOLE_DEADLINE_STATE,
        ratings=texts.RATINGS,
        actors=texts.TICKET_ACTORS,
        photos=[a for a in ticket.attachments if a.kind == "image"],
        voices=[a for a in ticket.attachments if a.kind == "voice"],
        phrases=offered.templates,
        s=texts.CONSOLE_SUPERVISION,
        may_supervise=orders.may_issue(visit.member, row),
        may_follow_up=follow_up_desk.may_follow_up(visit.member, row),
        answer_days=app[keys.SETTINGS].supervision.answer_days,
        methods=texts.FOLLOW_UP_METHODS,
    )


async def act(request: web.Request) -> web.Response:
    visit = await signed_in(request)
    form = await form_of(request, visit)
    number, action = request.match_info["number"], request.match_info["action"]
    fields = BODIES[action].model_fields if action in BODIES else {}
    body: dict[str, Any] = {}
    picked = await _picked(visit, form.get("template", ""))
    for name in fields:
        value = form.get(name, "")
        if name in _WORDS and not value.strip() and picked:  # no script: the pick itself
            value = picked
        if name in _NUMBERS:
            body[name] = int(value) if value.strip().isdigit() and len(value) < 6 else value
        elif value.strip() or name in ("reason", "text", "result", "unit"):
            body[name] = value
    app = request.app
    try:
        done = await desk.act(visit.member, number, action, formed(body), work(app))
    except Refused as refused:
        if refused.status == 404:
            raise await refused_page(
                request, 404, texts.CONSOLE["ticket_not_found"], visit
            ) from None
        typed = {k: str(v) for k, v in body.items()}
        return await ticket_page(
            request, visit, error=refused.message, status=refused.status, typed=typed
        )
    await wake(app[keys.REDIS])
    if isinstance(done, TicketGone):  # out of their reach now (a handler who returned it)
        raise web.HTTPSeeOther(f"/console/tickets?gone={action}")
    raise web.HTTPSeeOther(f"/console/tickets/{number}?done={action}")


async def _picked(visit: Visit, chosen: str) -> str:
    """The words of the reply template picked, if one was (and still is offered)."""
    if not chosen.isdigit() or len(chosen) > 9:
        return ""
    offered = await phrases.listed(visit.member, TemplateQuery())
    return next((t.text for t in offered.templates if t.id == int(chosen)), "")


async def file(request: web.Request) -> web.Response:
    """A photo or voice note of a ticket the person may see; anything else is the same
    404 page."""
    visit = await signed_in(request)
    try:
        file_id = int(request.match_info["file"])
        if not 0 < file_id <= ID_MAX:
            raise ValueError(file_id)
        content, kind = await desk.stored_file(
            visit.member, request.match_info["number"], file_id, request.app[keys.MEDIA_STORE]
        )
    except (Refused, ValueError, OverflowError):
        raise await refused_page(request, 404, texts.CONSOLE["not_found"], visit) from None
    download = request.query.get("download") == "1"
    headers = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}
    if download or not kind.startswith("image/"):
        headers["Content-Disposition"] = f'attachment; filename="{file_id}"'
    return web.Response(body=content, content_type=kind, headers=headers)

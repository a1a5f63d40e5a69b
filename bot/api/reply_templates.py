"""Reply templates (常用语) over JSON (bot.desk.reply_templates does the work)."""

from __future__ import annotations

import structlog
from aiohttp import web

from bot import keys
from bot.api.auth import caller
from bot.api.inputs import read_body, read_path, read_query
from bot.api.responses import respond
from bot.api.routes import Operation, roles
from bot.desk import reply_templates as templates
from bot.desk.reply_templates import Template, TemplateDraft, TemplateQuery, TemplateRef, Templates
from conversations import texts

log = structlog.get_logger(__name__)


def _ref(request: web.Request) -> int:
    return read_path(request, TemplateRef, texts.STAFF_TEMPLATE_NOT_FOUND).id


async def listed(request: web.Request) -> web.Response:
    member = await caller(request)
    return respond(await templates.listed(member, read_query(request, TemplateQuery)))


async def add(request: web.Request) -> web.Response:
    member = await caller(request)
    draft = await read_body(request, TemplateDraft)
    made = await templates.add(member, draft, request.app[keys.CLOCK]())
    log.info("reply template added", staff=member.username, template=made.id)
    return respond(made, status=201)


async def edit(request: web.Request) -> web.Response:
    member = await caller(request)
    ref = _ref(request)
    draft = await read_body(request, TemplateDraft)
    edited = await templates.edit(member, ref, draft, request.app[keys.CLOCK]())
    log.info("reply template edited", staff=member.username, template=ref)
    return respond(edited)


async def retire(request: web.Request) -> web.Response:
    member = await caller(request)
    ref = _ref(request)
    retired = await templates.retire(member, ref, request.app[keys.CLOCK]())
    log.info("reply template retired", staff=member.username, template=ref)
    return respond(retired)


_ADMIN = roles("county_admin")
OPERATIONS = [
    Operation(
        "GET", "/reply-templates", listed,
        "Reply templates (常用语) to pick from, for one kind of ticket or all", Templates,
        query=TemplateQuery, refusals=(403,),
        description="Any staff member; retired ones (retired=true) for county admins only.",
    ),
    Operation(
        "POST", "/reply-templates", add, "A new reply template", Template, status=201,
        body=TemplateDraft, refusals=(403,), description=_ADMIN,
    ),
    Operation(
        "PUT", "/reply-templates/{id}", edit,
        "A reply template's title, words and kinds, all of them", Template,
        body=TemplateDraft, params=TemplateRef, refusals=(403,), description=_ADMIN,
    ),
    Operation(
        "POST", "/reply-templates/{id}/retire", retire,
        "Retire a reply template: offered no more", Template,
        params=TemplateRef, refusals=(403,), description=_ADMIN,
    ),
]  # fmt: skip

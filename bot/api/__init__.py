"""The staff API: JSON under /api/v1, bearer tokens, an OpenAPI document."""

from __future__ import annotations

from aiohttp import web

from bot.api import auth, catalog, grids, me, notices, openapi, tickets

PREFIX = "/api/v1"


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_get(f"{PREFIX}/openapi.json", openapi.document)
    r.add_post(f"{PREFIX}/auth/login", auth.login)
    r.add_post(f"{PREFIX}/auth/logout", auth.logout)
    r.add_get(f"{PREFIX}/notices", notices.list_notices)
    r.add_post(f"{PREFIX}/notices", notices.create)
    r.add_get(f"{PREFIX}/notices/{{id}}", notices.show)
    r.add_post(f"{PREFIX}/notices/{{id}}/publish", notices.publish)
    r.add_post(f"{PREFIX}/notices/{{id}}/retract", notices.retract)
    r.add_post(f"{PREFIX}/notices/{{id}}/resend", notices.resend)
    r.add_get(f"{PREFIX}/notices/{{id}}/report", notices.report)
    r.add_get(f"{PREFIX}/tickets", tickets.list_tickets)
    r.add_get(f"{PREFIX}/tickets/{{number}}", tickets.show)
    r.add_post(f"{PREFIX}/tickets/{{number}}/{{action}}", tickets.act)
    r.add_get(f"{PREFIX}/catalog", catalog.list_items)
    r.add_get(f"{PREFIX}/catalog/{{code}}", catalog.show)
    r.add_patch(f"{PREFIX}/catalog/{{code}}", catalog.edit)
    r.add_get(f"{PREFIX}/units", catalog.units)
    r.add_get(f"{PREFIX}/grids", grids.list_grids)
    r.add_post(f"{PREFIX}/grids", grids.create)
    r.add_post(f"{PREFIX}/grids/{{id}}/invites", grids.invite)
    r.add_get(f"{PREFIX}/grids/{{id}}/workers", grids.list_workers)
    r.add_post(f"{PREFIX}/grids/{{id}}/workers/{{worker}}/unbind", grids.unbind)
    r.add_get(f"{PREFIX}/tickets/{{number}}/attachments/{{file}}", tickets.attachment)
    r.add_get(f"{PREFIX}/staff/me", me.show)
    r.add_post(f"{PREFIX}/staff/me/wechat", me.wechat_code)
    r.add_put(f"{PREFIX}/staff/me/duty", me.duty)
    r.add_get(f"{PREFIX}/grids/{{id}}/visits", grids.list_visits)

"""The staff API described for its callers: GET /api/v1/openapi.json (OpenAPI 3.1)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.api.replies import respond
from conversations import texts
from storage.notices import COUNTED_STATES, SCOPES
from storage.staff import ROLES


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_ERRORS = {
    "400": _json(_ref("Error"), "Bad input: which field and why; nothing was changed."),
    "401": _json(_ref("Error"), "No valid bearer token."),
    "403": _json(_ref("Error"), "Not allowed for this role or outside this jurisdiction."),
    "404": _json(_ref("Error"), "No such notice within the caller's jurisdiction."),
    "409": _json(_ref("Error"), "Not possible in the notice's present state."),
}


def _op(summary: str, ok: dict[str, Any], *codes: str, body: str | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": summary,
        "responses": {**ok, **{c: _ERRORS[c] for c in codes}},
    }
    if body:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(body)}},
        }
    return op


_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "township-desk staff API",
        "version": "1",
        "description": (
            "For staff of the township service centres and county departments. Log in for "
            "a bearer token and send it as `Authorization: Bearer <token>`. Staff act only "
            'within their jurisdiction; errors are JSON `{"error": ...}` in plain Chinese.'
        ),
    },
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearer": []}],
    "paths": {
        "/auth/login": {
            "post": {
                **_op(
                    "Log in: a bearer token for the staff API",
                    {"200": _json(_ref("Token"), "Logged in.")},
                    "400",
                    "401",
                    body="Login",
                ),
                "security": [],
            }
        },
        "/auth/logout": {
            "post": _op("End this token", {"200": _json({"type": "object"}, "Logged out.")}, "401")
        },
        "/notices": {
            "get": {
                **_op(
                    "Notices within the caller's jurisdiction, newest first",
                    {"200": _json(_ref("NoticeList"), "A page of notices.")},
                    "400",
                    "401",
                ),
                "parameters": [
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 100}},
                    {"name": "before", "in": "query", "schema": {"type": "integer"}},
                ],
            },
            "post": _op(
                "Draft a notice",
                {"201": _json(_ref("Notice"), "The draft.")},
                "400",
                "401",
                "403",
                body="NewNotice",
            ),
        },
        "/notices/{id}": {
            "get": {
                **_op(
                    "A notice with its delivery counts and failures",
                    {"200": _json(_ref("Notice"), "The notice.")},
                    "401",
                    "404",
                ),
                "parameters": _ID,
            }
        },
        "/notices/{id}/publish": {
            "post": {
                **_op(
                    "Publish a draft and send it to every household in scope that asked "
                    "for its area (everyone in scope for 应急预警); at its scheduled time "
                    "if it has one",
                    {"200": _json(_ref("Notice"), "Published.")},
                    "401",
                    "403",
                    "404",
                    "409",
                ),
                "parameters": _ID,
            }
        },
        "/notices/{id}/retract": {
            "post": {
                **_op(
                    "Retract a published notice: what has not been sent yet is not sent",
                    {"200": _json(_ref("Notice"), "Retracted.")},
                    "401",
                    "403",
                    "404",
                    "409",
                ),
                "parameters": _ID,
            }
        },
        "/notices/{id}/resend": {
            "post": {
                **_op(
                    "Send the dead and unknown deliveries again (after fixing the cause)",
                    {"200": _json(_ref("Notice"), "Queued again.")},
                    "401",
                    "403",
                    "404",
                    "409",
                ),
                "parameters": _ID,
            }
        },
        "/notices/{id}/report": {
            "get": {
                **_op(
                    "The delivery report: households reached by channel, and why the rest were not",
                    {"200": _json(_ref("Report"), "The report.")},
                    "401",
                    "404",
                ),
                "parameters": _ID,
            }
        },
    },
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error"],
                "properties": {"error": {"type": "string"}, "field": {"type": "string"}},
            },
            "Login": {
                "type": "object",
                "required": ["username", "password"],
                "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
            },
            "Token": {
                "type": "object",
                "properties": {
                    "token": {"type": "string"},
                    "token_type": {"const": "Bearer"},
                    "expires_at": {"type": "string", "format": "date-time"},
                },
            },
            "NewNotice": {
                "type": "object",
                "required": ["title", "body", "area", "scope"],
                "additionalProperties": False,
                "properties": {
                    "title": {"type": "string", "minLength": 1, "maxLength": 64},
                    "body": {"type": "string", "minLength": 1, "maxLength": 5000},
                    "area": {
                        "enum": list(texts.NOTICE_AREAS),
                        "description": "; ".join(
                            f"{k}: {v}" for k, v in texts.NOTICE_AREAS.items()
                        ),
                    },
                    "scope": {"enum": list(SCOPES)},
                    "township": {
                        "type": "string",
                        "description": "Name or code; for township and village scope",
                    },
                    "village": {
                        "type": "string",
                        "description": "Name or code within the township; village scope only",
                    },
                    "link": {"type": "string", "format": "uri"},
                    "scheduled_at": {
                        "type": "string",
                        "format": "date-time",
                        "description": "Send at this time; Beijing time when no offset is given",
                    },
                },
            },
            "NoticeSummary": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "title": {"type": "string"},
                    "area": {"type": "string"},
                    "area_name": {"type": "string"},
                    "scope": {"enum": list(SCOPES)},
                    "township": {"type": ["string", "null"]},
                    "village": {"type": ["string", "null"]},
                    "state": {"enum": ["draft", "published", "retracted"]},
                    "scheduled_at": {"type": ["string", "null"], "format": "date-time"},
                    "published_at": {"type": ["string", "null"], "format": "date-time"},
                    "retracted_at": {"type": ["string", "null"], "format": "date-time"},
                },
            },
            "NoticeList": {
                "type": "object",
                "properties": {"notices": {"type": "array", "items": _ref("NoticeSummary")}},
            },
            "Notice": {
                "allOf": [
                    _ref("NoticeSummary"),
                    {
                        "type": "object",
                        "properties": {
                            "body": {"type": "string"},
                            "link": {"type": ["string", "null"]},
                            "halted_reason": {
                                "type": ["string", "null"],
                                "description": "Why sending stopped for everyone, if it did",
                            },
                            "fanout": {
                                "type": "object",
                                "properties": {"done": {"type": "boolean"}},
                            },
                            "deliveries": {
                                "type": "object",
                                "description": (
                                    "Pushes by state. failed: waiting to be tried again; "
                                    "dead: given up (resendable); unknown: WeChat's answer "
                                    "was lost, check before resending; skipped: not sent "
                                    "on purpose (unfollowed, unsubscribed, retracted)"
                                ),
                                "properties": {s: {"type": "integer"} for s in COUNTED_STATES},
                            },
                            "failures": {"type": "array", "items": _ref("Failure")},
                        },
                    },
                ]
            },
            "Failure": {
                "type": "object",
                "properties": {
                    "delivery": {"type": "integer"},
                    "openid": {"type": "string", "description": "Shortened"},
                    "channel": {"enum": ["template", "subscribe", "custom", "mass"]},
                    "state": {"enum": ["failed", "dead", "unknown", "skipped"]},
                    "reason": {"type": ["string", "null"]},
                    "errcode": {"type": ["integer", "null"]},
                    "attempts": {"type": "integer"},
                },
            },
            "Report": {
                "allOf": [
                    _ref("NoticeSummary"),
                    {
                        "type": "object",
                        "properties": {
                            "households": {"type": "integer"},
                            "reached": {
                                "type": "object",
                                "additionalProperties": {"type": "integer"},
                                "description": "Households reached, by channel",
                            },
                            "reached_total": {"type": "integer"},
                            "not_reached": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "properties": {
                                        "state": {"type": "string"},
                                        "reason": {"type": ["string", "null"]},
                                        "count": {"type": "integer"},
                                    },
                                },
                            },
                            "waiting": {"type": "integer"},
                            "mass_sends": {
                                "type": "array",
                                "description": "Each mass send and what WeChat reported of it",
                                "items": {
                                    "type": "object",
                                    "properties": {
                                        "msg_id": {"type": "string"},
                                        "households": {"type": "integer"},
                                        "status": {"type": ["string", "null"]},
                                        "sent": {"type": ["integer", "null"]},
                                        "filtered": {"type": ["integer", "null"]},
                                        "errors": {"type": ["integer", "null"]},
                                    },
                                },
                            },
                        },
                    },
                ]
            },
            "Role": {"enum": list(ROLES)},
        },
    },
}


async def document(request: web.Request) -> web.Response:
    return respond(DOCUMENT)

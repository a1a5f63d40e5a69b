"""The staff API described for its callers: GET /api/v1/openapi.json (OpenAPI 3.1)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.api.replies import respond
from bot.api.tickets import ACTION_FIELDS
from conversations import texts
from storage.notices import COUNTED_STATES, SCOPES
from storage.staff import ROLES
from storage.tickets import KINDS, STATUSES


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_ERRORS = {
    "400": _json(_ref("Error"), "Bad input: which field and why; nothing was changed."),
    "401": _json(_ref("Error"), "No valid bearer token."),
    "403": _json(_ref("Error"), "Not allowed for this role or outside this jurisdiction."),
    "404": _json(_ref("Error"), "Nothing by that name within the caller's jurisdiction."),
    "409": _json(_ref("Error"), "Not possible in its present state."),
    "429": _json(
        _ref("Error"),
        "Too many requests from this account (or failed logins): wait retry_after seconds.",
    ),
}


def _op(
    summary: str, ok: dict[str, Any], *codes: str, body: str | None = None, limited: bool = True
) -> dict[str, Any]:
    """An operation; one that needs a login (401) is within the account's request budget
    (429) unless ``limited`` is False."""
    if "401" in codes and limited:
        codes = (*codes, "429")
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
            'within their jurisdiction; errors are JSON `{"error": ...}` in plain Chinese. '
            "Each account may make `[staff] requests_per_second` requests a second on "
            "average, in bursts of up to `request_burst`; beyond that the answer is 429 "
            'with a `Retry-After` header and `{"error": ..., "retry_after": seconds}`.'
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
            "post": _op(
                "End this token (never refused for the account's request budget)",
                {"200": _json({"type": "object"}, "Logged out.")},
                "401",
                limited=False,
            )
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
                "properties": {
                    "error": {"type": "string"},
                    "field": {"type": "string"},
                    "retry_after": {"type": "integer", "description": "Seconds (429 only)"},
                },
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


# Tickets and the catalog ------------------------------------------------------------------

_NUMBER = [
    {
        "name": "number",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": r"^\d{8}-\d{4}$"},
        "description": "受理编号, e.g. 20261127-0042",
    }
]
_FIELD_SCHEMAS: dict[str, dict[str, Any]] = {
    "days": {"type": "integer", "minimum": 1, "maximum": 60, "description": "working days"},
    "unit": {"type": "string", "description": "A responsible unit's name (GET /units)"},
    "handler": {"type": "string", "description": "A department handler of that unit"},
}
_TICKET_FILTERS = [
    {"name": name, "in": "query", "schema": schema, "description": about}
    for name, schema, about in (
        ("status", {"type": "string"}, "Comma-separated statuses; 'open' = not yet done"),
        ("kind", {"enum": list(KINDS)}, ""),
        ("township", {"type": "string"}, ""),
        ("village", {"type": "string"}, ""),
        ("unit", {"type": "string"}, ""),
        ("overdue", {"enum": ["true", "false"]}, "Open and past its deadline (督办)"),
        ("text", {"type": "string"}, "In the title, the words, or the number"),
        ("from", {"type": "string", "format": "date"}, "Made on or after (Beijing)"),
        ("to", {"type": "string", "format": "date"}, "Made on or before (Beijing)"),
        ("limit", {"type": "integer", "maximum": 100}, ""),
        ("before", {"type": "string"}, "The previous page's `next`"),
    )
]
_ACTION_ABOUT = {
    "accept": "受理 (首问负责: records who); starts the time limit in working days",
    "reject": "不予受理, with the reason the resident is told",
    "assign": "Route to a responsible unit (and optionally one of its handlers)",
    "return": "退单: a department hands it back to the township with a reason",
    "request-extension": "延期: ask for more working days, with a reason",
    "approve-extension": "A supervisor approves the waiting extension; the resident is told",
    "reply": "A reply the resident receives",
    "resolve": "办结, with the result the resident receives and is asked to rate",
    "reopen": "重办: back to work, with a reason, flagged for the supervisor",
}
TICKET_PATHS: dict[str, Any] = {
    "/tickets": {
        "get": {
            **_op(
                "Tickets within the caller's jurisdiction, newest first; contacts masked",
                {"200": _json(_ref("TicketList"), "A page of tickets.")},
                "400",
                "401",
            ),
            "parameters": _TICKET_FILTERS,
        }
    },
    "/tickets/{number}": {
        "get": {
            **_op(
                "A ticket with its timeline, attachments and rating; the phone number shown "
                "whole (and the view audited) only to those handling it",
                {"200": _json(_ref("Ticket"), "The ticket.")},
                "401",
                "404",
            ),
            "parameters": _NUMBER,
        }
    },
    **{
        f"/tickets/{{number}}/{action}": {
            "post": {
                **_op(
                    f"{texts.TICKET_ACTIONS[action]}: {_ACTION_ABOUT[action]}",
                    {"200": _json(_ref("Ticket"), "The ticket as it is now.")},
                    "400",
                    "401",
                    "403",
                    "404",
                    "409",
                ),
                "parameters": _NUMBER,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "additionalProperties": False,
                                "required": [f for f, needed in fields if needed],
                                "properties": {
                                    f: _FIELD_SCHEMAS.get(f, {"type": "string", "maxLength": 500})
                                    for f, _ in fields
                                },
                            }
                        }
                    },
                },
            }
        }
        for action, fields in ACTION_FIELDS.items()
    },
    "/catalog": {
        "get": _op(
            "The service catalog, each item in the catalog file's shape",
            {"200": _json({"type": "object"}, "Every item, retired ones too.")},
            "401",
        )
    },
    "/catalog/{code}": {
        "get": _op("One catalog item", {"200": _json({"type": "object"}, "The item.")}, "404"),
        "patch": _op(
            "Correct an item (county admins): any of the file's fields, or active",
            {"200": _json({"type": "object"}, "The item as it is now.")},
            "400",
            "401",
            "403",
            "404",
        ),
    },
    "/units": {
        "get": _op(
            "Responsible units (责任单位), for assign",
            {"200": _json({"type": "object"}, "Their names.")},
            "401",
        )
    },
}
TICKET_SCHEMAS: dict[str, Any] = {
    "TicketSummary": {
        "type": "object",
        "properties": {
            "number": {"type": "string"},
            "kind": {"enum": list(KINDS)},
            "status": {"enum": list(STATUSES)},
            "status_name": {"type": "string"},
            "title": {"type": "string"},
            "township": {"type": "string"},
            "village": {"type": ["string", "null"]},
            "unit": {"type": ["string", "null"]},
            "created_at": {"type": "string", "format": "date-time"},
            "due_on": {"type": ["string", "null"], "format": "date"},
            "overdue": {"type": "boolean"},
            "flagged": {"type": "boolean", "description": "For the supervisor (重办)"},
            "contact": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "phone": {"type": "string"}},
            },
        },
    },
    "TicketList": {
        "type": "object",
        "properties": {
            "tickets": {"type": "array", "items": _ref("TicketSummary")},
            "next": {"type": ["string", "null"], "description": "Pass as before= for more"},
        },
    },
    "Ticket": {
        "allOf": [
            _ref("TicketSummary"),
            {
                "type": "object",
                "properties": {
                    "content": {"type": "string"},
                    "answers": {"type": "array", "items": {"type": "object"}},
                    "location": {"type": ["object", "null"]},
                    "timeline": {"type": "array", "items": {"type": "object"}},
                    "attachments": {"type": "array", "items": {"type": "object"}},
                    "rating": {"type": ["object", "null"]},
                    "extension": {"type": ["object", "null"]},
                },
            },
        ]
    },
}
_GRID_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
GRID_PATHS: dict[str, Any] = {
    "/tickets/{number}/attachments/{file}": {
        "get": {
            **_op(
                "A report's photo or voice note as fetched from WeChat (see attachments[].file)",
                {"200": {"description": "The file, with its content type."}},
                "401",
                "404",
            ),
            "parameters": [
                *_NUMBER,
                {"name": "file", "in": "path", "required": True, "schema": {"type": "integer"}},
            ],
        }
    },
    "/grids": {
        "get": {
            **_op(
                "Grids (网格) within the caller's jurisdiction",
                {"200": _json({"type": "object"}, "The grids.")},
                "401",
            ),
            "parameters": [{"name": "township", "in": "query", "schema": {"type": "string"}}],
        },
        "post": _op(
            "Create a grid: code, name, township, optional village, latitude, longitude, "
            "place (where a report 就在网格里 is put)",
            {"201": _json({"type": "object"}, "The grid.")},
            "400",
            "401",
            "403",
            "409",
        ),
    },
    "/grids/{id}/invites": {
        "post": {
            **_op(
                "A one-time binding code for a grid worker, valid 72 hours: they send "
                "“绑定 <code>” or scan a QR code made with `scene`",
                {"201": _json({"type": "object"}, "code, scene, expires_at.")},
                "401",
                "403",
                "404",
            ),
            "parameters": _GRID_ID,
        }
    },
    "/grids/{id}/visits": {
        "get": {
            **_op(
                "The grid's visit ledger (走访台账): names and health for the township's own "
                "staff only (each view audited), masked for county-wide readers",
                {"200": _json({"type": "object"}, "The visits, newest first.")},
                "401",
                "404",
            ),
            "parameters": _GRID_ID,
        }
    },
    "/grids/{id}/workers": {
        "get": {
            **_op(
                "The grid's workers (openids shortened)",
                {"200": _json({"type": "object"}, "The workers.")},
                "401",
                "404",
            ),
            "parameters": _GRID_ID,
        }
    },
    "/grids/{id}/workers/{worker}/unbind": {
        "post": {
            **_op(
                "Unbind a worker: an ordinary resident again at once",
                {"200": _json({"type": "object"}, "Unbound.")},
                "401",
                "403",
                "404",
            ),
            "parameters": [
                *_GRID_ID,
                {"name": "worker", "in": "path", "required": True, "schema": {"type": "integer"}},
            ],
        }
    },
}
DOCUMENT["paths"].update(TICKET_PATHS)
DOCUMENT["paths"].update(GRID_PATHS)
DOCUMENT["paths"].update(
    {
        "/staff/me": {
            "get": _op(
                "Who the caller is: role, jurisdiction, WeChat linked, on duty",
                {"200": _json({"type": "object"}, "The account.")},
                "401",
            )
        },
        "/staff/me/wechat": {
            "post": _op(
                "A code (30 minutes) to send as “绑定 <code>” from the caller's own WeChat, "
                "so urgent grid reports reach them there",
                {"201": _json({"type": "object"}, "code, expires_at.")},
                "401",
            )
        },
        "/staff/me/duty": {
            "put": _op(
                "Go on or off duty (值班): township staff on duty hear of urgent reports",
                {"200": _json({"type": "object"}, "The account.")},
                "400",
                "401",
                "403",
            )
        },
    }
)
DOCUMENT["components"]["schemas"].update(TICKET_SCHEMAS)


async def document(request: web.Request) -> web.Response:
    return respond(DOCUMENT)

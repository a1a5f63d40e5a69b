"""The staff API described for its callers, GET /api/v1/openapi.json (OpenAPI 3.1),
generated from the operations table and the shapes the handlers validate with."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import (
    GenerateJsonSchema,
    JsonSchemaMode,
    JsonSchemaValue,
    models_json_schema,
)

from bot import keys
from bot.api.responses import respond
from bot.api.routes import Handler, Operation, Variant, shape_of
from bot.desk.fields import NO_NUL
from bot.settings import Settings

REF = "#/components/schemas/{model}"
DESCRIPTION = (
    "For staff of the township service centres and county departments. Log in for "
    "a bearer token and send it as `Authorization: Bearer <token>`. Staff act only "
    'within their jurisdiction; errors are JSON `{"error": ...}` in plain Chinese, with '
    '`"field"` naming the field when one is wrong. '
    "Each account may make `[staff] requests_per_second` requests a second on "
    "average, in bursts of up to `request_burst`; beyond that the answer is 429 "
    'with a `Retry-After` header and `{"error": ..., "retry_after": seconds}`.'
)
REFUSALS = {
    400: "Bad input: which field and why; nothing was changed.",
    401: "No valid bearer token.",
    403: "Not allowed for this role or outside this jurisdiction.",
    404: "Nothing by that name within the caller's jurisdiction.",
    409: "Not possible in its present state.",
    422: "The Idempotency-Key was used a moment ago for a different request.",
    429: "Too many requests from this account (or sign-ins for this name or from this "
    "address): wait retry_after seconds, also sent as the Retry-After header.",
    503: "A store (the database or Redis) is away or too slow: try again after retry_after "
    "seconds.",
}


IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Any string of your choosing, new for each action (a UUID): the same "
    "action sent again with the same key within `[staff] idempotency_hours` is not done "
    "again, and gets the first answer, marked `Idempotent-Replayed: true`. Without a key, "
    "a ticket's action with the same body from the same account within "
    "`repeat_window_seconds` counts as sent again.",
    "schema": {"type": "string", "pattern": "^[!-~]{1,100}$"},
}


class Refusal(BaseModel):
    """Every refusal: one plain sentence, and the field it is about when there is one."""

    error: str
    field: str | None = None
    retry_after: int | None = None  # seconds, 429 and 503 only
    ticket_status: str | None = None  # 409 on a ticket: where it stands now
    order_state: str | None = None  # 409 on a 督办单: where it stands now


class _Titled(GenerateJsonSchema):
    """Schemas without pydantic's generated titles (the names say it already)."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False

    def str_schema(self, schema: Any) -> JsonSchemaValue:
        """No text the API takes may hold NUL (neither database stores it): said of every
        string that has no pattern of its own."""
        made = super().str_schema(schema)
        if self.mode == "validation":
            made.setdefault("pattern", NO_NUL)
        return made

    def default_schema(self, schema: Any) -> JsonSchemaValue:
        """A field left out when not given says no default (None is not one of its values)."""
        if schema.get("default", ...) is None:
            return self.generate_inner(schema["schema"])
        return super().default_schema(schema)


def handler(operations: Sequence[Operation]) -> Handler:
    """GET /openapi.json for one app (the document follows its settings' limits)."""
    made: dict[int, dict[str, Any]] = {}

    async def document_handler(request: web.Request) -> web.Response:
        settings = request.app[keys.SETTINGS]
        if id(settings) not in made:
            made.clear()
            made[id(settings)] = document(operations, settings)
        return respond(made[id(settings)])

    return document_handler


def document(operations: Sequence[Operation], settings: Settings) -> dict[str, Any]:
    shapes: list[tuple[type[BaseModel], JsonSchemaMode]] = [(Refusal, "validation")]
    for op in operations:
        if op.body is not None:
            shapes.append((shape_of(op.body, settings), "validation"))
        shapes.extend((v.body, "validation") for v in op.variants.values())
        for part in (op.query, op.params):
            if part is not None:
                shapes.append((part, "validation"))
        if op.answer is not None:
            shapes.append((op.answer, "serialization"))
    refs, defs = models_json_schema(
        list(dict.fromkeys(shapes)), ref_template=REF, schema_generator=_Titled
    )
    schemas: dict[str, Any] = defs.get("$defs", {})

    def inline(shape: type[BaseModel], mode: JsonSchemaMode) -> dict[str, Any]:
        ref = refs[(shape, mode)]["$ref"]
        return copy.deepcopy(schemas[ref.rsplit("/", 1)[-1]])

    parts = {part for op in operations for part in (op.query, op.params) if part is not None}

    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        variants: list[tuple[str, Variant | None]] = [*op.variants.items()] or [("", None)]
        for name, variant in variants:
            path = op.path.replace("{action}", name) if name else op.path
            body = variant.body if variant else op.body
            summary = variant.summary if variant else op.summary
            about = variant.description if variant else op.description
            answer = refs[(op.answer, "serialization")] if op.answer else None
            item = _operation(op, summary, about, inline, answer)
            if body is not None:
                item["requestBody"] = {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": inline(shape_of(body, settings), "validation")
                        }
                    },
                }
            paths.setdefault(path, {})[op.method.lower()] = item
    for part in parts:  # parameters are listed with their operations, not as schemas
        schemas.pop(refs[(part, "validation")]["$ref"].rsplit("/", 1)[-1], None)
    return {
        "openapi": "3.1.0",
        "info": {"title": "township-desk staff API", "version": "1", "description": DESCRIPTION},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": schemas,
        },
    }


def _operation(
    op: Operation,
    summary: str,
    description: str,
    inline: Any,
    answer: dict[str, Any] | None,
) -> dict[str, Any]:
    codes = {*op.refusals, 503}  # any operation, when a store fails it
    if op.body is not None or op.variants or op.query is not None:
        codes.add(400)
    if op.params is not None:
        codes.add(404)
    if op.login:
        codes.add(401)
        if op.budget:
            codes.add(429)
    changes = op.login and op.method in ("POST", "PUT", "PATCH", "DELETE")
    if changes:
        codes |= {400, 422}
    responses: dict[str, Any] = {str(op.status): _success(op, answer)}
    for code in sorted(codes):
        responses[str(code)] = _refusal(code)
    item: dict[str, Any] = {"summary": summary, "responses": responses}
    if description:
        item["description"] = description
    if not op.login:
        item["security"] = []
    parameters = [
        *_parameters(op.params, "path", inline),
        *_parameters(op.query, "query", inline),
        *([IDEMPOTENCY_KEY] if changes else []),
    ]
    if parameters:
        item["parameters"] = parameters
    return item


def _success(op: Operation, answer: dict[str, Any] | None) -> dict[str, Any]:
    if op.file:
        return {
            "description": "The file, to save under the name its Content-Disposition gives.",
            "headers": {
                "Content-Disposition": {
                    "description": "attachment, with the Chinese file name as filename* "
                    "(RFC 6266, RFC 5987) and an ASCII stand-in as filename",
                    "schema": {"type": "string"},
                }
            },
            "content": {op.file.split(";")[0]: {"schema": {"type": "string", "format": "binary"}}},
        }
    if op.answer is None or answer is None:
        return {"description": "The file, with its content type."}
    about = (op.answer.__doc__ or "").strip().splitlines()
    return {
        "description": about[0] if about else "Done.",
        "content": {"application/json": {"schema": answer}},
    }


def _refusal(code: int) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": REFUSALS[code],
        "content": {"application/json": {"schema": {"$ref": REF.format(model="Refusal")}}},
    }
    if code in (429, 503):
        answer["headers"] = {
            "Retry-After": {
                "description": "Seconds to wait (also in the body as retry_after)",
                "schema": {"type": "integer"},
            }
        }
    return answer


def _parameters(
    shape: type[BaseModel] | None, where: Literal["path", "query"], inline: Any
) -> list[dict[str, Any]]:
    if shape is None:
        return []
    schema = inline(shape, "validation")
    required = set(schema.get("required", ()))
    found = []
    for name, prop in schema.get("properties", {}).items():
        about = prop.pop("description", None)
        prop.pop("default", None) if prop.get("default") is None else None
        # Left out is how a query string says "none"; it has no null.
        kinds = [k for k in prop.pop("anyOf", []) if k != {"type": "null"}]
        if len(kinds) == 1:
            prop.update(kinds[0])
        elif kinds:
            prop["anyOf"] = kinds
        param: dict[str, Any] = {
            "name": name,
            "in": where,
            "required": where == "path" or name in required,
            "schema": prop,
        }
        if about:
            param["description"] = about
        found.append(param)
    return found

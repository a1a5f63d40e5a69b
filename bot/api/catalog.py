"""The service catalog for staff: read it, and (county admins) correct an item."""

from __future__ import annotations

from typing import Annotated, Any

import structlog
from aiohttp import web
from pydantic import ConfigDict, Field, ValidationError, create_model
from pydantic.fields import FieldInfo

from bot import keys
from bot.api.auth import caller
from bot.api.errors import refuse
from bot.api.inputs import read_body, read_path
from bot.api.responses import respond
from bot.api.routes import Operation, roles
from bot.desk.fields import WHOLE, Answer, QueryShape, Shape
from conversations import texts
from storage import catalog
from storage.models import ServiceItem, Unit

log = structlog.get_logger(__name__)

EDITORS = ("county_admin",)
# A code by the catalog file's own rule.
CODE: str = catalog.ItemSpec.model_json_schema()["properties"]["code"]["pattern"]


class ItemCode(QueryShape):
    code: Annotated[str, Field(pattern=CODE)]


class Item(catalog.ItemSpec):
    """A catalog item in the catalog file's shape, and whether residents see it."""

    model_config = ConfigDict(strict=False)

    active: bool


class Items(Answer):
    """Every item, retired ones too."""

    items: list[Item]


class Units(Answer):
    """The responsible units' names (责任单位), for assign."""

    units: list[str]


def _checked(spec: FieldInfo) -> Any:
    """A field's type with the checks the file declares for it, without its default."""
    checks = [*spec.metadata, WHOLE] if spec.annotation is int else spec.metadata
    if not checks:
        return spec.annotation
    return Annotated[(spec.annotation, *checks)]


# A correction: any of the file's fields but the code, each checked as the file's is, and
# whether residents see it.
_EDITABLE: dict[str, Any] = {
    name: (_checked(spec), None)
    for name, spec in catalog.ItemSpec.model_fields.items()
    if name != "code"
}
ItemEdit = create_model("ItemEdit", __base__=Shape, **_EDITABLE, active=(bool, None))


def _words(error: ValidationError) -> tuple[str, str]:
    """The catalog file's own words for a bad value, without the line number."""
    problem = catalog.problems(0, error)[0]
    if problem.field == "active":  # not a field of the file: the staff API's own words
        return texts.STAFF_FIELD_BAD.format(field="active", why=texts.STAFF_WHY_BOOL), "active"
    words = (
        texts.CATALOG_PROBLEMS[problem.kind]
        .format(line=0, field=problem.field, detail=problem.detail)
        .removeprefix("第0行")
    )
    return words, problem.field


def _item(row: ServiceItem) -> Item:
    return Item.model_validate(catalog.as_spec(row))


async def list_items(request: web.Request) -> web.Response:
    await caller(request)
    items = await ServiceItem.all().select_related("unit").order_by("id")
    return respond(Items(items=[_item(i) for i in items]))


async def show(request: web.Request) -> web.Response:
    await caller(request)
    code = read_path(request, ItemCode, texts.STAFF_ITEM_NOT_FOUND).code
    item = await catalog.get(code)
    if item is None:
        raise refuse(404, texts.STAFF_ITEM_NOT_FOUND)
    return respond(_item(item))


async def edit(request: web.Request) -> web.Response:
    member = await caller(request, *EDITORS)
    code = read_path(request, ItemCode, texts.STAFF_ITEM_NOT_FOUND).code
    if await catalog.get(code) is None:  # before the body: the rest only the item can tell
        raise refuse(404, texts.STAFF_ITEM_NOT_FOUND)
    given = await read_body(request, ItemEdit, _words)
    changes = given.model_dump(exclude_unset=True)
    active: bool | None = changes.pop("active", None)
    try:
        item = await catalog.update(code, changes, request.app[keys.CLOCK](), active=active)
    except ValidationError as exc:  # what only the whole item can tell (repeated keys)
        words, field = _words(exc)
        raise refuse(400, words, field=field) from None
    if item is None:
        raise refuse(404, texts.STAFF_ITEM_NOT_FOUND)
    log.info("catalog item edited", item=code, staff=member.username, fields=sorted(changes))
    return respond(_item(item))


async def units(request: web.Request) -> web.Response:
    await caller(request)
    return respond(Units(units=[u.name for u in await Unit.all().order_by("id")]))


OPERATIONS = [
    Operation(
        "GET", "/catalog", list_items, "The service catalog, each item in the catalog file's shape",
        Items,
    ),
    Operation("GET", "/catalog/{code}", show, "One catalog item", Item, params=ItemCode),
    Operation(
        "PATCH", "/catalog/{code}", edit,
        "Correct an item (county admins): any of the file's fields, or active", Item,
        body=ItemEdit, params=ItemCode, refusals=(403,), description=roles(*EDITORS),
    ),
    Operation("GET", "/units", units, "Responsible units (责任单位), for assign", Units),
]  # fmt: skip

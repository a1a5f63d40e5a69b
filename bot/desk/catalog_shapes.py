"""What staff send and get about the service catalog: an item in the catalog file's own
shape, a correction checked as a file line is, and the file's words for a bad value;
declared once for the API (its document too) and the console."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, ValidationError, create_model
from pydantic.fields import FieldInfo

from bot.desk.fields import WHOLE, Answer, QueryShape, Shape, maybe_words
from conversations import texts
from storage import catalog

_FILE: dict[str, Any] = catalog.ItemSpec.model_json_schema()["properties"]
# A code by the catalog file's own rule.
CODE: str = _FILE["code"]["pattern"]
# The file's limits, for a form to say them before it is sent: the longest text of each
# field (of each entry, for a list), and the time limit's range in working days.
LONGEST: dict[str, int] = {
    name: int(spec.get("maxLength") or spec.get("items", {}).get("maxLength"))
    for name, spec in _FILE.items()
    if spec.get("maxLength") or spec.get("items", {}).get("maxLength")
}
TIME_LIMIT: tuple[int, int] = (
    _FILE["time_limit_days"]["minimum"],
    _FILE["time_limit_days"]["maximum"],
)
SEARCH_MAX = 100


class ItemCode(QueryShape):
    code: Annotated[str, Field(pattern=CODE)]


class Item(catalog.ItemSpec):
    """A catalog item in the catalog file's shape, and whether residents see it."""

    model_config = ConfigDict(strict=False)

    active: bool


class CatalogQuery(QueryShape):
    """Browsing the catalog: by the words people use, or by area."""

    q: Annotated[str | None, maybe_words(SEARCH_MAX)] = None
    area: Literal[catalog.AREAS] | None = None  # type: ignore[valid-type]


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


def edit_words(error: ValidationError) -> tuple[str, str]:
    """The catalog file's own words for a bad value, without the line number, and the
    field it is about."""
    problem = catalog.problems(0, error)[0]
    if problem.field == "active":  # not a field of the file: the staff API's own words
        return texts.STAFF_FIELD_BAD.format(field="active", why=texts.STAFF_WHY_BOOL), "active"
    words = (
        texts.CATALOG_PROBLEMS[problem.kind]
        .format(line=0, field=problem.field, detail=problem.detail)
        .removeprefix("第0行")
    )
    return words, problem.field

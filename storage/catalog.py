"""The service catalog (公共服务事项目录清单): read and checked from its data file, loaded
whole or not at all, edited item by item, and searched the way residents ask."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from tortoise.transactions import in_transaction

from storage.models import ServiceItem, Unit

DEMO_CATALOG = "catalog.jsonl"

AREAS = (
    "社会保障",
    "社会救助",
    "医疗卫生",
    "教育",
    "就业",
    "文化",
    "农业农村",
    "宅基地与土地",
    "计划生育",
    "法律服务",
    "优抚安置",
    "残疾人服务",
    "户籍证件",
    "民政服务",
)
QUESTION_TYPES = ("text", "number", "date", "single", "multi", "photo")

Short = Annotated[str, Field(min_length=1, max_length=64)]
Line = Annotated[str, Field(min_length=1, max_length=200)]


class QuestionSpec(BaseModel):
    """One thing to ask when applying (like an Open311 service attribute)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    key: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
    text: Annotated[str, Field(min_length=1, max_length=60)]
    type: Literal["text", "number", "date", "single", "multi", "photo"]
    required: bool = True
    choices: list[Annotated[str, Field(min_length=1, max_length=20)]] | None = None
    min: int | None = None
    max: int | None = None

    @model_validator(mode="after")
    def _choices_fit_type(self) -> QuestionSpec:
        if self.type in ("single", "multi"):
            if not self.choices or not 2 <= len(self.choices) <= 9:
                raise ValueError("choices: 2 to 9 needed")
            if len(set(self.choices)) != len(self.choices):
                raise ValueError("choices: repeated")
        elif self.choices is not None:
            raise ValueError("choices: only for single or multi")
        if (self.min is not None or self.max is not None) and self.type != "number":
            raise ValueError("min/max: only for number")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min/max: min above max")
        return self


class ItemSpec(BaseModel):
    """One catalog line, as the file must give it."""

    model_config = ConfigDict(extra="forbid", strict=True)

    code: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,32}$")]
    name: Short
    area: Literal[AREAS]  # type: ignore[valid-type]
    aliases: list[Annotated[str, Field(min_length=1, max_length=20)]] = Field(
        default_factory=list, max_length=12
    )
    summary: Annotated[str, Field(min_length=1, max_length=300)]
    eligibility: Annotated[str, Field(min_length=1, max_length=300)]
    materials: list[Line] = Field(min_length=1, max_length=20)
    steps: list[Line] = Field(min_length=1, max_length=12)
    time_limit_days: Annotated[int, Field(ge=1, le=365)]
    unit: Short
    where: Annotated[str, Field(min_length=1, max_length=100)]
    proxy: bool
    home_visit: bool
    questions: list[QuestionSpec] = Field(default_factory=list, max_length=12)

    @model_validator(mode="after")
    def _question_keys_unique(self) -> ItemSpec:
        keys = [q.key for q in self.questions]
        if len(set(keys)) != len(keys):
            raise ValueError("questions: repeated key")
        return self


@dataclass(frozen=True)
class Problem:
    """Why one line of a catalog file cannot be loaded. ``kind`` is a stable word the
    caller turns into a sentence; ``field`` is where in the line, ``detail`` the rest."""

    line: int
    kind: str  # json | not_object | missing | unknown_field | bad_value | duplicate | empty
    field: str = ""
    detail: str = ""


class CatalogRejected(ValueError):
    """A catalog file with at least one bad line; nothing of it was loaded."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = list(problems)


def _where(loc: Iterable[Any]) -> str:
    return ".".join(str(part) for part in loc)


def problems(line: int, error: ValidationError) -> list[Problem]:
    found = []
    for e in error.errors(include_url=False):
        field = _where(e["loc"])
        if e["type"] == "missing":
            found.append(Problem(line, "missing", field))
        elif e["type"] == "extra_forbidden":
            found.append(Problem(line, "unknown_field", field))
        else:
            detail = str(e["msg"]).removeprefix("Value error, ")
            if e["type"] == "literal_error" and field == "area":
                detail = "、".join(AREAS)
            found.append(Problem(line, "bad_value", field, detail))
    return found


def parse(text: str) -> list[ItemSpec]:
    """Every item of a JSON Lines catalog, or CatalogRejected naming every bad line."""
    items: list[ItemSpec] = []
    bad: list[Problem] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            bad.append(Problem(number, "json", detail=exc.msg))
            continue
        if not isinstance(data, dict):
            bad.append(Problem(number, "not_object"))
            continue
        try:
            item = ItemSpec.model_validate(data)
        except ValidationError as exc:
            bad.extend(problems(number, exc))
            continue
        if item.code in seen:
            bad.append(Problem(number, "duplicate", "code", f"{seen[item.code]}"))
            continue
        seen[item.code] = number
        items.append(item)
    if not items and not bad:
        bad.append(Problem(0, "empty"))
    if bad:
        raise CatalogRejected(bad)
    return items


def demo_text() -> str:
    return resources.files("storage").joinpath("data", DEMO_CATALOG).read_text("utf-8")


@dataclass(frozen=True)
class Loaded:
    added: int
    updated: int
    retired: int


def _fields(spec: ItemSpec, unit: Unit, now: datetime) -> dict[str, Any]:
    return {
        "name": spec.name,
        "area": spec.area,
        "aliases": spec.aliases,
        "summary": spec.summary,
        "eligibility": spec.eligibility,
        "materials": spec.materials,
        "steps": spec.steps,
        "time_limit_days": spec.time_limit_days,
        "unit": unit,
        "place": spec.where,
        "proxy": spec.proxy,
        "home_visit": spec.home_visit,
        "questions": [q.model_dump(exclude_none=True) for q in spec.questions],
        "active": True,
        "updated_at": now,
    }


async def load(items: Sequence[ItemSpec], now: datetime) -> Loaded:
    """Make the catalog what ``items`` say, in one transaction. Items missing from the file
    are retired (hidden from residents), not deleted: tickets still point at them."""
    added = updated = 0
    async with in_transaction():
        units: dict[str, Unit] = {u.name: u for u in await Unit.all()}
        existing = {i.code: i for i in await ServiceItem.all()}
        for spec in items:
            unit = units.get(spec.unit)
            if unit is None:
                unit = units[spec.unit] = await Unit.create(name=spec.unit)
            fields = _fields(spec, unit, now)
            row = existing.get(spec.code)
            if row is None:
                await ServiceItem.create(code=spec.code, **fields)
                added += 1
            else:
                await ServiceItem.filter(id=row.id).update(**fields)
                updated += 1
        codes = [spec.code for spec in items]
        retired = await ServiceItem.filter(active=True).exclude(code__in=codes).update(active=False)
    return Loaded(added, updated, retired)


async def load_demo_if_empty(now: datetime) -> bool:
    if await ServiceItem.exists():
        return False
    await load(parse(demo_text()), now)
    return True


# Reading and editing ----------------------------------------------------------------


async def get(code: str) -> ServiceItem | None:
    return await ServiceItem.get_or_none(code=code).select_related("unit")


async def by_id(item_id: int) -> ServiceItem | None:
    return await ServiceItem.get_or_none(id=item_id, active=True).select_related("unit")


async def active_items() -> list[ServiceItem]:
    return await ServiceItem.filter(active=True).order_by("id")


async def areas() -> list[str]:
    """The areas that have at least one item, in the catalog's own order."""
    present: set[str] = {
        str(a) for a in await ServiceItem.filter(active=True).values_list("area", flat=True)
    }
    return [a for a in AREAS if a in present]


async def in_area(area: str) -> list[ServiceItem]:
    return await ServiceItem.filter(active=True, area=area).order_by("id")


def as_spec(item: ServiceItem) -> dict[str, Any]:
    """An item in the file's own shape (what the staff API shows and accepts)."""
    return {
        "code": item.code,
        "name": item.name,
        "area": item.area,
        "aliases": item.aliases,
        "summary": item.summary,
        "eligibility": item.eligibility,
        "materials": item.materials,
        "steps": item.steps,
        "time_limit_days": item.time_limit_days,
        "unit": item.unit.name,
        "where": item.place,
        "proxy": item.proxy,
        "home_visit": item.home_visit,
        "questions": item.questions,
        "active": item.active,
    }


async def update(
    code: str, changes: dict[str, Any], now: datetime, *, active: bool | None = None
) -> ServiceItem | None:
    """Apply ``changes`` (fields of the file's shape) to one item, checked exactly as a
    file line is, and retire or restore it (``active``). None when there is no such item;
    ValidationError when the result would be a bad line."""
    item = await get(code)
    if item is None:
        return None
    merged = {**as_spec(item), **changes, "code": code}
    merged.pop("active")
    spec = ItemSpec.model_validate(merged)
    async with in_transaction():
        unit = await Unit.get_or_none(name=spec.unit) or await Unit.create(name=spec.unit)
        fields = _fields(spec, unit, now)
        fields["active"] = item.active if active is None else active
        await ServiceItem.filter(id=item.id).update(**fields)
    return await get(code)

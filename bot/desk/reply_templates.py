"""Reply templates (常用语): replies staff pick instead of typing, each for every kind of
ticket or only the kinds it names. Any staff member reads them; county admins add, edit
and retire them, and only they see the retired ones. Every change is an audit row."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from bot.desk.fields import (
    DIGITS,
    SMALL_ID_MAX,
    STRIP,
    Answer,
    QueryShape,
    Shape,
    Why,
    column_max,
    words,
)
from bot.desk.refused import Refused, only
from conversations import texts
from storage import audit
from storage.models import ReplyTemplate
from storage.staff import StaffMember
from storage.tickets import KINDS

_KINDS_WHY = Why(texts.STAFF_WHY_KINDS.format(choices="、".join(KINDS)))
TITLE_MAX = column_max(ReplyTemplate, "title")
TEXT_MAX = column_max(ReplyTemplate, "text")


class TemplateDraft(Shape):
    title: Annotated[str, words(TITLE_MAX), STRIP, Field(description="A few words to pick by")]
    text: Annotated[str, words(TEXT_MAX), STRIP, Field(description="The reply itself")]
    kinds: Annotated[
        list[Literal[KINDS]],  # type: ignore[valid-type]
        Field(
            default_factory=list,
            max_length=len(KINDS) * 2,
            description="Ticket kinds it is for; empty: every kind",
        ),
        _KINDS_WHY,
    ]


class TemplateQuery(QueryShape):
    kind: Annotated[
        Literal[KINDS] | None,  # type: ignore[valid-type]
        Field(description="Only those for this kind of ticket (and those for every kind)"),
        _KINDS_WHY,
    ] = None
    retired: Annotated[
        Literal["true", "false"],
        Field(description="true: retired ones too (county admins only)"),
        Why(texts.STAFF_WHY_BOOL),
    ] = "false"


class TemplateRef(QueryShape):
    id: Annotated[int, Field(ge=1, le=SMALL_ID_MAX), DIGITS]


class Template(Answer):
    id: int
    title: str
    text: str
    kinds: list[str] = Field(description="Empty: every kind of ticket")
    kind_names: list[str]
    active: bool
    updated_by: str | None
    updated_at: datetime


class Templates(Answer):
    """Reply templates, oldest first."""

    templates: list[Template]


def _shown(row: ReplyTemplate) -> Template:
    return Template(
        id=row.id,
        title=row.title,
        text=row.text,
        kinds=list(row.kinds),
        kind_names=[texts.TICKET_KINDS.get(k, k) for k in row.kinds],
        active=row.active,
        updated_by=row.updated_by.username if row.updated_by else None,
        updated_at=row.updated_at,
    )


def _kinds(given: list[str]) -> list[str]:
    """The kinds named, once each, in KINDS's order."""
    return [k for k in KINDS if k in given]


async def listed(member: StaffMember, query: TemplateQuery) -> Templates:
    """The templates to offer: for one kind of ticket, those for it and those for every
    kind. Retired ones only when a county admin asks for them."""
    retired = query.retired == "true"
    if retired:
        only(member.role, "county_admin")
    rows = ReplyTemplate.all() if retired else ReplyTemplate.filter(active=True)
    found = await rows.select_related("updated_by").order_by("id")
    if query.kind is not None:
        found = [r for r in found if not r.kinds or query.kind in r.kinds]
    return Templates(templates=[_shown(r) for r in found])


async def _template(ref: int) -> ReplyTemplate:
    row = await ReplyTemplate.get_or_none(id=ref).select_related("updated_by")
    if row is None:
        raise Refused(404, texts.STAFF_TEMPLATE_NOT_FOUND)
    return row


def _detail(row: ReplyTemplate) -> str:
    return f"{row.id} {row.title}"


async def add(member: StaffMember, draft: TemplateDraft, now: datetime) -> Template:
    only(member.role, "county_admin")
    row = await ReplyTemplate.create(
        title=draft.title,
        text=draft.text,
        kinds=_kinds(draft.kinds),
        created_by_id=member.id,
        created_at=now,
        updated_by_id=member.id,
        updated_at=now,
    )
    await audit.record(member.id, audit.TEMPLATE_ADDED, now, _detail(row))
    return _shown(await _template(row.id))


async def edit(member: StaffMember, ref: int, draft: TemplateDraft, now: datetime) -> Template:
    """The template's title, words and kinds become ``draft``'s (a retired one stays
    retired)."""
    only(member.role, "county_admin")
    row = await _template(ref)
    await ReplyTemplate.filter(id=row.id).update(
        title=draft.title,
        text=draft.text,
        kinds=_kinds(draft.kinds),
        updated_by_id=member.id,
        updated_at=now,
    )
    await audit.record(member.id, audit.TEMPLATE_EDITED, now, _detail(row))
    return _shown(await _template(row.id))


async def retire(member: StaffMember, ref: int, now: datetime) -> Template:
    """Offered no more (kept, for the replies already sent with it)."""
    only(member.role, "county_admin")
    row = await _template(ref)
    if row.active:
        await ReplyTemplate.filter(id=row.id).update(
            active=False, updated_by_id=member.id, updated_at=now
        )
        await audit.record(member.id, audit.TEMPLATE_RETIRED, now, _detail(row))
    return _shown(await _template(row.id))

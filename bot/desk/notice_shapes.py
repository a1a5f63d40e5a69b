"""What staff send and get about notices (政务公开): a draft in its three scopes, the
list's query, the notice as shown and its delivery report, declared once for the API (its
document too) and the console."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Annotated, Any, Literal, cast

from pydantic import Field, RootModel, create_model

from bot.desk.fields import (
    DIGITS,
    ID_MAX,
    STRIP,
    URL,
    Answer,
    QueryShape,
    Says,
    Shape,
    Why,
    words,
)
from bot.settings import Settings
from conversations import texts

# What a draft says ---------------------------------------------------------------------

# An area by its key or by the name people see.
AREA_CHOICES = (*texts.NOTICE_AREAS, *texts.NOTICE_AREAS.values())
AREA_KEYS = {name: key for key, name in texts.NOTICE_AREAS.items()}
_UNKNOWN_AREA = texts.STAFF_UNKNOWN_AREA.format(
    areas="、".join(f"{k}（{v}）" for k, v in texts.NOTICE_AREAS.items())
)
# ISO 8601 as people write it: seconds, fractions and the offset may be left out.
TIME = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})?$"
)
PLACE_MAX = 32  # a township's or village's name or code
_SCOPE = Says(texts.STAFF_UNKNOWN_SCOPE, missing=True)


def _not_for(field: str, why: str) -> Says:
    return Says(texts.STAFF_FIELD_BAD.format(field=field, why=why))


class NoticeDraft(Shape):
    """What every draft says, whatever its scope (title and body limits: [notices])."""

    title: Annotated[str, words(64), STRIP]
    body: Annotated[str, words(5000), STRIP]
    area: Annotated[
        Literal[AREA_CHOICES],  # type: ignore[valid-type]
        Field(description="; ".join(f"{k}: {v}" for k, v in texts.NOTICE_AREAS.items())),
        Says(_UNKNOWN_AREA),
    ]
    link: Annotated[str | None, Field(max_length=500, pattern=URL), Says(texts.STAFF_NOT_URL)] = (
        None
    )
    scheduled_at: Annotated[
        str | None,
        Field(
            pattern=TIME,
            description="Send at this time (within a year); Beijing time when no offset is given",
        ),
        Why(texts.STAFF_WHY_TIME),
    ] = None
    scope: str
    township: str | None = None
    village: str | None = None


class CountyNotice(NoticeDraft):
    scope: Annotated[Literal["county"], _SCOPE]
    township: Annotated[None, _not_for("township", texts.STAFF_WHY_NOT_FOR_COUNTY)] = None
    village: Annotated[None, _not_for("village", texts.STAFF_WHY_NOT_FOR_COUNTY)] = None


class TownshipNotice(NoticeDraft):
    scope: Annotated[Literal["township"], _SCOPE]
    township: Annotated[
        str, words(PLACE_MAX), STRIP, Field(description="The township's name or code")
    ]
    village: Annotated[None, _not_for("village", texts.STAFF_WHY_NOT_FOR_TOWNSHIP)] = None


class VillageNotice(NoticeDraft):
    scope: Annotated[Literal["village"], _SCOPE]
    township: Annotated[
        str, words(PLACE_MAX), STRIP, Field(description="The township's name or code")
    ]
    village: Annotated[
        str,
        words(PLACE_MAX),
        STRIP,
        Field(description="The village's (community's) name or code within the township"),
    ]


class NewNotice(
    RootModel[
        Annotated[CountyNotice | TownshipNotice | VillageNotice, Field(discriminator="scope")]
    ]
):
    """A draft: its scope says which of township and village it names."""


@functools.cache
def new_notice(title_max: int, body_max: int) -> type[NewNotice]:
    """A draft's shape under this deployment's [notices] limits."""
    if (title_max, body_max) == (64, 5000):
        return NewNotice
    limited = {
        "title": (Annotated[str, words(title_max), STRIP], ...),
        "body": (Annotated[str, words(body_max), STRIP], ...),
    }
    members: list[Any] = [
        create_model(kind.__name__, __base__=kind, **limited)  # type: ignore[call-overload]
        for kind in (CountyNotice, TownshipNotice, VillageNotice)
    ]
    union: Any = Annotated[members[0] | members[1] | members[2], Field(discriminator="scope")]
    shape: Any = create_model("NewNotice", __base__=RootModel[union], __doc__=NewNotice.__doc__)
    return cast(type[NewNotice], shape)


def draft_shape(settings: Settings) -> type[NewNotice]:
    """A draft's shape under ``settings``: what the API reads and the console's form too."""
    return new_notice(settings.notices.title_max, settings.notices.body_max)


class NoticeQuery(QueryShape):
    limit: Annotated[int, Field(ge=1, le=100), DIGITS, Why(texts.STAFF_WHY_COUNT)] = 20
    before: Annotated[
        Annotated[int, Field(ge=1, le=ID_MAX), DIGITS] | None,
        Field(description="Only notices with a smaller id (the next page)"),
        Why(texts.STAFF_WHY_WHOLE),
    ] = None


class NoticeRef(QueryShape):
    id: Annotated[int, Field(ge=1, le=ID_MAX), DIGITS]


# What staff are shown ------------------------------------------------------------------------


class NoticeSummary(Answer):
    """A notice in a list."""

    id: int
    title: str
    area: str
    area_name: str
    scope: Literal["county", "township", "village"]
    township: str | None
    village: str | None
    state: Literal["draft", "published", "retracted"]
    scheduled_at: datetime | None
    published_at: datetime | None
    retracted_at: datetime | None


class NoticeList(Answer):
    """A page of notices, newest first."""

    notices: list[NoticeSummary]


class Fanout(Answer):
    done: bool


class Failure(Answer):
    delivery: int
    openid: str = Field(description="Shortened")
    channel: str
    state: Literal["failed", "dead", "unknown", "skipped"]
    reason: str | None
    errcode: int | None
    attempts: int


class DeliveryCounts(Answer):
    """Pushes by state. failed: waiting to be tried again; dead: given up (resendable);
    unknown: WeChat's answer was lost, check before resending; skipped: not sent on
    purpose (unfollowed, unsubscribed, retracted)."""

    pending: int = 0
    sent: int = 0
    failed: int = 0
    dead: int = 0
    unknown: int = 0
    skipped: int = 0


class Notice(NoticeSummary):
    """The notice, with its delivery counts and failures."""

    body: str
    link: str | None
    created_at: datetime | None
    halted_reason: str | None = Field(description="Why sending stopped for everyone, if it did")
    fanout: Fanout
    deliveries: DeliveryCounts
    failures: list[Failure]


class NotReached(Answer):
    state: str
    reason: str | None
    count: int


class MassSend(Answer):
    """A mass send and what WeChat reported of it."""

    msg_id: str
    households: int
    status: str | None
    sent: int | None
    filtered: int | None
    errors: int | None


class Bucket(Answer):
    start: datetime
    sent: int


class SentOverTime(Answer):
    """Deliveries sent over time, for a chart: how many in each bucket of
    ``bucket_seconds`` from its start (Beijing time), empty buckets included, from the
    first send to the last."""

    bucket_seconds: int
    buckets: list[Bucket]


class Report(NoticeSummary):
    """The delivery report: households reached by channel, and why the rest were not."""

    households: int
    reached: dict[str, int] = Field(description="Households reached, by channel")
    reached_total: int
    not_reached: list[NotReached]
    waiting: int
    mass_sends: list[MassSend]
    over_time: SentOverTime

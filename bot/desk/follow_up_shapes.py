"""What staff send and get about 回访 (follow-ups after 办结), declared once for the API
(its document too) and the console."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from bot.desk.fields import STRIP_MAYBE, WHOLE, Answer, Shape, Why, maybe_words
from bot.desk.supervision_shapes import WORDS_MAX
from conversations import texts
from storage import follow_ups
from storage.clock import BEIJING
from storage.models import FollowUp

_SCALE = "、".join(f"{score} {name}" for score, name in sorted(texts.RATINGS.items()))


class FollowUpBody(Shape):
    method: Annotated[
        Literal[follow_ups.METHODS],  # type: ignore[valid-type]
        Field(description="How the person was reached: phone 电话, visit 上门, wechat 微信"),
        Why(texts.STAFF_WHY_CHOICES.format(choices="、".join(follow_ups.METHODS))),
    ]
    solved: Annotated[
        bool,
        Field(description="Whether the matter is solved; false reopens the ticket (重办)"),
        Why(texts.STAFF_WHY_BOOL),
    ]
    satisfaction: Annotated[
        Annotated[int, Field(ge=1, le=5), WHOLE] | None,
        Field(
            description="The person's satisfaction, as a rating: " + _SCALE + ". Ignored "
            "when the resident rated the ticket in WeChat: their own rating is stored"
        ),
        Why(texts.STAFF_WHY_SATISFACTION),
    ] = None
    note: Annotated[str | None, maybe_words(WORDS_MAX), STRIP_MAYBE] = None


class FollowUpShown(Answer):
    """A 回访 as recorded."""

    at: datetime
    staff: str
    method: str
    method_name: str
    solved: bool
    satisfaction: int | None
    satisfaction_name: str | None
    note: str


def follow_up_shown(f: FollowUp) -> FollowUpShown:
    """A follow-up as shown; its staff member fetched with it."""
    return FollowUpShown(
        at=f.at.astimezone(BEIJING),
        staff=f.staff.username,
        method=f.method,
        method_name=texts.FOLLOW_UP_METHODS.get(f.method, f.method),
        solved=f.solved,
        satisfaction=f.satisfaction,
        satisfaction_name=(
            texts.RATINGS.get(f.satisfaction) if f.satisfaction is not None else None
        ),
        note=f.note,
    )

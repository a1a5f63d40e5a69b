"""How a flow is declared: steps with a prompt, what they accept, and a small handler.

Step names and flow ids are ``StrEnum`` members declared once (a flow module's ``Steps``,
conversations.flows.ids.FlowId): mypy rejects a misspelt one, and a flow checks at
construction that its steps and the names it uses agree. Their values are what sessions
store, so they never change once shipped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeAlias

from conversations import texts
from wechat.messages import Inbound, Kind

if TYPE_CHECKING:
    from conversations.services import Services


@dataclass(frozen=True)
class Choice:
    """A numbered option. ``key`` is stored; ``label`` is shown and may be said."""

    key: str
    label: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Question:
    """What a step shows: some words and, optionally, numbered choices under them."""

    text: str
    choices: tuple[Choice, ...] = ()
    # Said under the choices; flows get a reminder of how to answer, the menu its own.
    hint: str | None = texts.CHOICE_HINT

    def render(self) -> str:
        if not self.choices:
            return self.text
        lines = [self.text, *(f"{i}. {c.label}" for i, c in enumerate(self.choices, 1))]
        if self.hint:
            lines.append(self.hint)
        return "\n".join(lines)


# Outcomes of handling one answer ---------------------------------------------------


@dataclass(frozen=True)
class Next:
    """Move on to ``step`` (with ``data`` merged in), saying ``note`` before its question."""

    step: StrEnum
    data: Mapping[str, Any] = field(default_factory=dict)
    note: str | None = None


@dataclass(frozen=True)
class Invalid:
    """The answer cannot be used: say why and ask the same question again."""

    reason: str


@dataclass(frozen=True)
class Finish:
    """The flow is done: say ``text`` and show the main menu under it when ``menu``."""

    text: str
    menu: bool = True


@dataclass(frozen=True)
class StartFlow:
    """Hand over to another flow, saying ``note`` first: at its first step, or at ``step``
    with ``data`` already known (a ticket chosen on one screen, rated on the next)."""

    flow: StrEnum
    note: str | None = None
    step: StrEnum | None = None
    data: Mapping[str, Any] = field(default_factory=dict)


Outcome: TypeAlias = Next | Invalid | Finish | StartFlow


@dataclass
class StepContext:
    """What a step function sees: the person, their answers so far, and the services."""

    appid: str
    openid: str
    data: dict[str, Any]
    services: Services
    # The flow being run, to read a step name back from the data (``flow.named``).
    flow: Flow


Ask: TypeAlias = Callable[[StepContext], Awaitable[Question]]
Handle: TypeAlias = Callable[[StepContext, Inbound], Awaitable[Outcome]]


@dataclass(frozen=True)
class Step:
    name: StrEnum
    ask: Ask
    handle: Handle
    accepts: frozenset[Kind] = frozenset({Kind.TEXT})


@dataclass(frozen=True)
class Flow:
    """A declared conversation. Bump ``version`` whenever steps or stored data change shape:
    sessions saved under another version are cleared with an apology, never misread."""

    id: StrEnum
    version: int
    steps: Sequence[Step]
    help: str | None = None
    # Holds what the person has sent so far (photos, answers): a greeting or thanks
    # mid-way gets the question again, not the menu.
    hold: bool = False

    def __post_init__(self) -> None:
        """Every step named once, and every name of a set the flow uses is one of its steps,
        so a ``Next`` to any of those names lands (shared steps bring their set along)."""
        names = [step.name for step in self.steps]
        if not names or len(set(names)) != len(names):
            raise ValueError(f"flow {self.id!r}: steps must be named, each once: {names}")
        for kind in {type(name) for name in names}:
            missing = [member for member in kind if member not in names]
            if missing:
                raise ValueError(f"flow {self.id!r} has no step for {missing}")

    @property
    def first(self) -> Step:
        return self.steps[0]

    def step(self, name: str | None) -> Step | None:
        for step in self.steps:
            if step.name == name:
                return step
        return None

    def named(self, value: str) -> StrEnum:
        """The step name a stored string stands for (a step kept in the flow's data)."""
        step = self.step(value)
        if step is None:
            raise LookupError(f"no step {value!r} in flow {self.id!r}")
        return step.name


# Reading a choice ------------------------------------------------------------------

_CN_DIGITS = {
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_NUMBER = re.compile(
    r"^(?:第)?\s*(\d{1,3}|[一二两三四五六七八九十]{1,3})\s*(?:个|项|号|条)?[.、．:：]?$"
)
_NEGATIONS = ("不", "别", "没", "未", "勿", "甭", "莫")
_NOISE = re.compile(r"[\s，。,.!！?？、：:“”\"'；;]+")


def normalise(text: str) -> str:
    """Full-width to half-width, no spaces or punctuation: what a person means."""
    return _NOISE.sub("", unicodedata.normalize("NFKC", text)).strip()


def _chinese_number(word: str) -> int | None:
    if word == "十":
        return 10
    if len(word) == 1:
        return _CN_DIGITS.get(word)
    if len(word) == 2 and word[0] == "十":
        tail = _CN_DIGITS.get(word[1])
        return None if tail is None else 10 + tail
    if len(word) == 2 and word[1] == "十":
        head = _CN_DIGITS.get(word[0])
        return None if head is None else head * 10
    if len(word) == 3 and word[1] == "十":
        head, tail = _CN_DIGITS.get(word[0]), _CN_DIGITS.get(word[2])
        return None if head is None or tail is None else head * 10 + tail
    return None


def read_number(text: str) -> int | None:
    """ "3", "３", "3.", "三", "第三个" -> 3; anything else -> None."""
    match = _NUMBER.match(unicodedata.normalize("NFKC", text).strip())
    if not match:
        return None
    word = match.group(1)
    return int(word) if word.isdecimal() else _chinese_number(word)


def pick_exact(text: str, choices: Sequence[Choice]) -> Choice | None:
    """The choice a reply names outright: its number, its label or an alias."""
    number = read_number(text)
    if number is not None:
        return choices[number - 1] if 1 <= number <= len(choices) else None
    said = normalise(text)
    for choice in choices:
        if said and said in (normalise(choice.label), *map(normalise, choice.aliases)):
            return choice
    return None


def pick(text: str, choices: Sequence[Choice]) -> Choice | None:
    """The choice a reply means: its number, its label or an alias, or words that name
    exactly one choice."""
    exact = pick_exact(text, choices)
    said = normalise(text)
    if exact is not None or read_number(text) is not None or not said:
        return exact
    # "我要办事" names 办事; a label inside the words, or the words inside a label. Not
    # when the words deny it: "不太满意" is not 满意, "先别提交" is not 提交.
    hits = [
        c
        for c in choices
        if any(
            (len(n) >= 2 and (n in said or (len(said) >= 2 and said in n)))
            and not any(word in said and word not in n for word in _NEGATIONS)
            for n in (normalise(c.label), *map(normalise, c.aliases))
        )
    ]
    return hits[0] if len(hits) == 1 else None


def invalid_choice(count: int) -> Invalid:
    pick_one = texts.PICK_THE_ONLY if count == 1 else texts.PICK_A_NUMBER.format(count=count)
    return Invalid(texts.NOT_UNDERSTOOD + pick_one)

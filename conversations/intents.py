"""What a message means: one decision for the main menu and for words said mid-flow.

People rarely pick "2" from a menu: they say "我要投诉", "村里路灯坏了好几天了",
"我的事办得咋样了", "不想收通知了", typed with one finger or spoken. The decision reads
the words as the usual ones (dialect, slips, voice's fillers: texts.SAID_AS, FILLERS),
finds a 受理编号, then the patterns of texts (INTENT_*, STORY_*) in a fixed order, with
negation read in one place (texts.NEGATION: "不想收通知" is 退订, "不是投诉" no complaint),
and the catalog's names (conversations.finder). A complaint told as a story keeps its
words; a service named inside a complaint is asked about, not guessed.

Everything here is plain computation on compiled patterns: no I/O, a few microseconds a
message (bench/intents.py)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from conversations import answers, finder, texts


class Intent(StrEnum):
    SERVICE = "service"
    FEEDBACK = "feedback"
    PROGRESS = "progress"
    NOTICES = "notices"
    SUBSCRIPTION = "subscription"
    MINE = "mine"
    HUMAN = "human"
    HELP = "help"
    GREETING = "greeting"
    THANKS = "thanks"
    EITHER = "either"  # two meanings fit: asked in one numbered question
    UNKNOWN = "unknown"


# Details of a meaning.
STOP = "stop"  # subscription: stop pushes
START = "start"  # subscription: receive some
MINE_PARTS = ("phone", "village", "name", "delete")
KINDS = ("complaint", "suggestion", "help", "home")  # texts.FEEDBACK_KINDS' keys


@dataclass(frozen=True)
class Meaning:
    """What a message means and what it already says."""

    intent: Intent
    # A feedback kind, a part of 我的, STOP or START, or a 受理编号.
    detail: str = ""
    # The person's own words, when they are already a complaint's (or a suggestion's…).
    story: str = ""
    # The feedback kind was guessed from a story: to be confirmed.
    guessed: bool = False
    category: str = ""
    # Catalog items named (ids, best first), and the word they were named with.
    items: tuple[int, ...] = ()
    named: str = ""
    # Said outright with a word of its own, not read from a story or a catalog name:
    # only these take a person out of a flow.
    explicit: bool = False
    options: tuple[Meaning, ...] = ()

    def to_data(self) -> dict[str, Any]:
        """The meaning as session data (a question asked about it, answered next time)."""
        return {
            "intent": str(self.intent),
            "detail": self.detail,
            "story": self.story,
            "guessed": self.guessed,
            "category": self.category,
            "items": list(self.items),
            "named": self.named,
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Meaning:
        return cls(
            intent=Intent(str(data["intent"])),
            detail=str(data.get("detail", "")),
            story=str(data.get("story", "")),
            guessed=bool(data.get("guessed")),
            category=str(data.get("category", "")),
            items=tuple(int(i) for i in data.get("items", [])),
            named=str(data.get("named", "")),
            explicit=True,
        )


UNKNOWN = Meaning(Intent.UNKNOWN)

_NOISE = re.compile(r"[\s，。,.!！?？、：:“”\"'；;~～…—\-（）()【】\[\]]+")
_STORY_EDGE = re.compile(r"^[\s，。,.!！?？、：:~～…]+|[\s，。,.!！?？、：:~～…]+$")


def _alternation(words: Sequence[str]) -> re.Pattern[str]:
    return re.compile("|".join(map(re.escape, sorted(words, key=len, reverse=True))))


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    negated: bool


class Reader:
    """The decision, its patterns compiled once. One per service (conversations.services)."""

    def __init__(self) -> None:
        self._said_as = _alternation(list(texts.SAID_AS))
        self._fillers = _alternation(texts.FILLERS)
        self._leading = re.compile(rf"^(?:(?:{self._fillers.pattern})[\s，。,.!！?？、：:~～…]*)+")
        self._negation = re.compile(texts.NEGATION)
        self._turn = re.compile(texts.NEGATION_ENDS)
        p = re.compile
        self._human = p(texts.INTENT_HUMAN)
        self._help = p(texts.INTENT_HELP)
        self._greeting = p(texts.INTENT_GREETING)
        self._greeting_rest = p(texts.GREETING_REST)
        self._thanks = p(texts.INTENT_THANKS)
        self._stop = p(texts.INTENT_STOP)
        self._push = p(texts.INTENT_PUSH)
        self._subscribe = p(texts.INTENT_SUBSCRIBE)
        self._notices = p(texts.INTENT_NOTICES)
        self._progress = p(texts.INTENT_PROGRESS)
        self._kinds = (
            ("home", p(texts.INTENT_HOME_VISIT)),
            ("help", p(texts.INTENT_HELP_REQUEST)),
            ("suggestion", p(texts.INTENT_SUGGESTION)),
            ("complaint", p(texts.INTENT_COMPLAINT)),
            ("", p(texts.INTENT_RAISE)),  # 反映: the kind from the story
        )
        self._problem = p(texts.STORY_PROBLEM)
        self._story_help = p(texts.STORY_HELP)
        self._story_home = p(texts.STORY_HOME)
        self._story_suggestion = p(texts.STORY_SUGGESTION)
        self._not_content = p(texts.STORY_NOT_CONTENT)
        self._categories = {
            kind: [(name, p(pattern)) for name, pattern in by.items()]
            for kind, by in texts.STORY_CATEGORIES.items()
        }
        self._mine = p(texts.INTENT_MINE)
        self._mine_parts = (
            ("delete", p(texts.INTENT_MINE_DELETE)),
            ("phone", p(texts.INTENT_MINE_PHONE)),
            ("village", p(texts.INTENT_MINE_VILLAGE)),
            ("name", p(texts.INTENT_MINE_NAME)),
        )
        self._service = p(texts.INTENT_SERVICE)
        self._incident = [(key, p(words)) for key, words in texts.GRID_CATEGORY_WORDS.items()]
        self._urgent = p(texts.GRID_URGENT_WORDS)
        self._calm = p(texts.GRID_CALM_WORDS)
        self._catalog: finder.Index[Any] | None = None
        self._catalog_key: tuple[Any, ...] = ()

    # Reading the words -----------------------------------------------------------

    def plain(self, text: str) -> str:
        """The words as the usual ones: no punctuation, fillers, dialect or slips."""
        said = _NOISE.sub("", unicodedata.normalize("NFKC", text)).lower()
        said = self._said_as.sub(lambda m: texts.SAID_AS[m.group()], said)
        return self._fillers.sub("", said)

    def story_words(self, text: str) -> str:
        """What the person said, to keep as a request's content: as said, less voice's
        fillers in front and the punctuation at either end (its own punctuation kept:
        no NFKC, which makes "，" a ",")."""
        said = text.strip()
        said = self._leading.sub("", said)
        return _STORY_EDGE.sub("", said)

    def _hits(
        self,
        pattern: re.Pattern[str],
        said: str,
        negations: list[re.Match[str]],
        reach: int = texts.NEGATION_REACH,
    ) -> list[_Hit]:
        found = []
        for m in pattern.finditer(said):
            negated = any(
                n.end() <= m.start()
                and m.start() - n.end() < reach
                and not self._turn.search(said, n.end(), m.start())
                for n in negations
            )
            found.append(_Hit(m.start(), m.end(), negated))
        return found

    def index(self, items: Sequence[finder.Named]) -> finder.Index[Any]:
        """The catalog's names, normalised once for as long as the catalog is the same."""
        key = tuple((i.name, tuple(i.aliases)) for i in items)
        if self._catalog is None or key != self._catalog_key:
            self._catalog = finder.Index(items)
            self._catalog_key = key
        return self._catalog

    # The decision ----------------------------------------------------------------

    def read(self, text: str, items: Sequence[finder.Named] = ()) -> Meaning:
        """What ``text`` means; ``items`` is the service catalog. Words longer than any
        answer a step keeps are never said outright: mid-flow they are the step's (which
        asks for them shorter), not a way out of it."""
        # Read no further than that: the time a message takes stays bounded (a 2,000
        # character one took 10-40 ms read whole; its story is too long to keep anyway).
        meaning = self._decide(text[: answers.TEXT_MAX + 1], items)
        if len(text.strip()) <= answers.TEXT_MAX:
            return meaning
        story = self.story_words(text) if meaning.story else ""  # whole, to be found too long
        return replace(meaning, explicit=False, story=story)

    def _decide(self, text: str, items: Sequence[finder.Named]) -> Meaning:
        said = self.plain(text)
        if not said:
            return self._small_talk(text) or UNKNOWN
        number = answers.number_in(text)
        if number is not None:
            return Meaning(Intent.PROGRESS, detail=number, explicit=True)
        negations = list(self._negation.finditer(said))

        def positive(pattern: re.Pattern[str]) -> list[_Hit]:
            return [h for h in self._hits(pattern, said, negations) if not h.negated]

        # Not wanting: "不是通知的事" is no wish to stop them.
        unwanted = [n for n in negations if n.group() != "不是"]

        def negated(pattern: re.Pattern[str]) -> list[_Hit]:
            reach = texts.NEGATION_REACH_PUSH
            return [h for h in self._hits(pattern, said, unwanted, reach) if h.negated]

        if positive(self._human):
            return Meaning(Intent.HUMAN, explicit=True)
        if positive(self._stop) or negated(self._push) or negated(self._subscribe):
            return Meaning(Intent.SUBSCRIPTION, detail=STOP, explicit=True)
        if positive(self._subscribe) and ("订阅" in said or positive(self._push)):
            return Meaning(Intent.SUBSCRIPTION, detail=START, explicit=True)
        for part, pattern in self._mine_parts:
            if positive(pattern):
                return Meaning(Intent.MINE, detail=part, explicit=True)
        catalog = self.index(items) if items else None
        named = catalog.named_in(said) if catalog else []
        if positive(self._progress):
            return Meaning(
                Intent.PROGRESS,
                items=tuple(i.id for i, _ in named),
                named=named[0][1] if named else "",
                explicit=True,
            )
        if self._mine.search(said):
            return Meaning(Intent.MINE, explicit=True)
        feedback = self._feedback(text, said, positive, named)
        if feedback is not None:
            return feedback
        if positive(self._notices) and not named:
            return Meaning(Intent.NOTICES, explicit=True)
        if named:
            return self._named(text, said, named, positive)
        if positive(self._service):
            if positive(self._problem):
                return self._story(text, said, "", positive, explicit=False)
            found = catalog.find(said) if catalog else []
            return Meaning(Intent.SERVICE, items=tuple(i.id for i in found), explicit=True)
        if positive(self._problem) or positive(self._story_help) or positive(self._story_home):
            return self._story(text, said, "", positive, explicit=False)
        small = self._small_talk(text)
        if small is not None:
            return small
        if positive(self._help):
            return Meaning(Intent.HELP, explicit=True)
        if positive(self._story_suggestion) and len(said) >= 6:
            return self._story(text, said, "", positive, explicit=False)
        found = catalog.find(said) if catalog else []
        if found:
            return Meaning(Intent.SERVICE, items=tuple(i.id for i in found))
        return UNKNOWN

    def _small_talk(self, text: str) -> Meaning | None:
        """A greeting or thanks, and nothing else (read before voice's fillers go: 喂)."""
        said = _NOISE.sub("", unicodedata.normalize("NFKC", text)).lower()
        greeted = self._greeting.sub("", said)
        thanked = self._thanks.sub("", greeted)
        if thanked == said or self._greeting_rest.sub("", thanked):
            return None
        if greeted != said and thanked == greeted:
            return Meaning(Intent.GREETING)
        return Meaning(Intent.THANKS)

    def _feedback(
        self, text: str, said: str, positive: Any, named: list[tuple[Any, str]]
    ) -> Meaning | None:
        """反映问题 said outright, with its kind when one is said."""
        stated: str | None = None
        for kind, pattern in self._kinds:
            if positive(pattern):
                stated = kind
                break
        if stated is None:
            return None
        if stated == "help" and positive(self._help) and not positive(self._problem):
            return Meaning(Intent.HELP, explicit=True)  # "帮帮我，我不会用"
        return self._story(text, said, stated, positive, explicit=True)

    def _story(self, text: str, said: str, kind: str, positive: Any, *, explicit: bool) -> Meaning:
        """A request to raise a problem, with its words kept when it tells one."""
        rest = said
        for _, pattern in self._kinds:
            rest = pattern.sub("", rest)
        rest = self._not_content.sub("", rest)
        guessed = not kind
        if guessed:
            kind = self._guess(said, positive)
        category = self.category(kind, said)
        if len(rest) < 3:  # "我要投诉": nothing told yet
            return Meaning(
                Intent.FEEDBACK,
                detail="" if guessed else kind,
                category=category,
                explicit=explicit,
            )
        return Meaning(
            Intent.FEEDBACK,
            detail=kind,
            story=self.story_words(text),
            guessed=guessed,
            category=category,
            explicit=explicit,
        )

    def _guess(self, said: str, positive: Any) -> str:
        if positive(self._story_home):
            return "home"
        if positive(self._story_help) and not positive(self._problem):
            return "help"
        if positive(self._story_suggestion) and not positive(self._problem):
            return "suggestion"
        if positive(self._story_help):
            return "help"
        return "complaint"

    def incident(self, text: str) -> tuple[str | None, bool]:
        """A grid report's words: its category (a texts.GRID_CATEGORIES key) when they fit
        exactly one, else None (to be asked); and whether they say it is urgent."""
        said = self.plain(text)
        fits = [key for key, pattern in self._incident if pattern.search(said)]
        urgent = bool(self._urgent.search(said)) and not self._calm.search(said)
        return (fits[0] if len(fits) == 1 else None), urgent

    def category(self, kind: str, said: str) -> str:
        """The category of ``kind`` (texts.FEEDBACK_CATEGORIES) the words fit best."""
        for name, pattern in self._categories.get(kind, []):
            if pattern.search(said):
                return name
        return texts.FEEDBACK_CATEGORIES[kind][-1] if kind else ""

    def _named(self, text: str, said: str, named: list[tuple[Any, str]], positive: Any) -> Meaning:
        """A catalog item named: its guide, unless the words complain about it too."""
        service = Meaning(
            Intent.SERVICE,
            items=tuple(i.id for i, _ in named),
            named=named[0][1],
            explicit=True,
        )
        word = named[0][1]
        at = said.find(word)
        outside = [h for h in positive(self._problem) if h.end <= at or h.start >= at + len(word)]
        if not outside:
            return service
        story = self._story(text, said, "", positive, explicit=False)
        return Meaning(Intent.EITHER, named=word, options=(story, service))

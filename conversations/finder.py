"""Finding catalog items from the way people ask: "我想办低保", "残疾人补贴怎么申请".

First the words that name an item outright (its name or an everyday alias inside what
was said); failing that, how much of what was said (fillers like 我想/怎么/申请 removed)
appears in order in an item's name or alias, so 残疾人补贴 finds both 困难残疾人生活补贴
and 重度残疾人护理补贴 and lets the person choose."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Generic, Protocol, TypeVar

from rapidfuzz.distance import LCSseq

from conversations.flow import normalise

# Said around what people want, never part of it; longest first so 怎么办 goes before 办.
_FILLERS = sorted(
    (
        "我想要",
        "我想",
        "我要",
        "想要",
        "想",
        "请问",
        "你好",
        "您好",
        "咨询",
        "了解",
        "怎么样",
        "怎么办",
        "怎么",
        "怎样",
        "如何",
        "咋",
        "能不能",
        "可不可以",
        "可以",
        "在哪里",
        "在哪儿",
        "在哪",
        "去哪",
        "哪里",
        "需要",
        "要什么",
        "什么",
        "哪些",
        "材料",
        "手续",
        "流程",
        "条件",
        "申请",
        "申领",
        "办理",
        "领取",
        "要办",
        "办",
        "一下",
        "的",
        "了",
        "吗",
        "呢",
        "啊",
        "呀",
        "吧",
        "给我",
        "帮我",
        "我家",
        "我",
    ),
    key=len,
    reverse=True,
)
ENOUGH = 0.75  # share of what was said that must appear, in order, in a name
MOST = 8


class Named(Protocol):
    name: str
    aliases: list[str]


T = TypeVar("T", bound=Named)


def core(text: str) -> str:
    said = normalise(text)
    for word in _FILLERS:
        said = said.replace(word, "")
    return said


class Index(Generic[T]):
    """The items with their names and aliases normalised once, for many searches."""

    def __init__(self, items: Sequence[T]) -> None:
        self.items = list(items)
        self._names = [
            [n for n in map(normalise, (item.name, *item.aliases)) if n] for item in self.items
        ]

    def named_in(self, said: str) -> list[tuple[T, str]]:
        """Items whose name or alias (two characters or more) is inside ``said`` (already
        normalised), the longest named first, each with the word that named it."""
        named: list[tuple[int, int, T, str]] = []
        for order, (item, names) in enumerate(zip(self.items, self._names, strict=True)):
            inside = [n for n in names if len(n) >= 2 and n in said]
            if inside:
                word = max(inside, key=len)
                named.append((-len(word), order, item, word))
        named.sort(key=lambda hit: hit[:2])
        return [(item, word) for _, _, item, word in named[:MOST]]

    def find(self, text: str) -> list[T]:
        """The items ``text`` most likely means, best first; empty when none fits."""
        said = normalise(text)
        if len(said) < 2:
            return []
        named = self.named_in(said)
        if named:
            return [item for item, _ in named]
        wanted = core(text)
        if len(wanted) < 2:
            return []
        scored: list[tuple[float, int, int, T]] = []
        for order, (item, names) in enumerate(zip(self.items, self._names, strict=True)):
            best = 0.0
            shortest = 99
            for n in names:
                share = LCSseq.similarity(wanted, n) / len(wanted)
                if share > best or (share == best and len(n) < shortest):
                    best, shortest = share, len(n)
            if best >= ENOUGH:
                scored.append((-best, shortest, order, item))
        scored.sort(key=lambda hit: hit[:3])
        return [item for *_, item in scored[:MOST]]


def find(text: str, items: Sequence[T]) -> list[T]:
    """The items ``text`` most likely means, best first; empty when none fits."""
    return Index(items).find(text)

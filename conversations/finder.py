"""Finding catalog items from the way people ask: "我想办低保", "残疾人补贴怎么申请".

First the words that name an item outright (its name or an everyday alias inside what
was said); failing that, how much of what was said (fillers like 我想/怎么/申请 removed)
appears in order in an item's name or alias, so 残疾人补贴 finds both 困难残疾人生活补贴
and 重度残疾人护理补贴 and lets the person choose."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Generic, Protocol, TypeVar

from rapidfuzz import process
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
        # Each name or alias of two characters or more, and the items it names.
        self._by_name: dict[str, list[int]] = {}
        for order, names in enumerate(self._names):
            for n in names:
                if len(n) >= 2 and order not in self._by_name.setdefault(n, []):
                    self._by_name[n].append(order)
        self._longest = max(map(len, self._by_name), default=0)
        # Every name in one list for the fuzzy search, with the item each belongs to.
        self._flat = [n for names in self._names for n in names]
        self._owner = [order for order, names in enumerate(self._names) for _ in names]

    def named_in(self, said: str) -> list[tuple[T, str]]:
        """Items whose name or alias (two characters or more) is inside ``said`` (already
        normalised), the longest named first, each with the word that named it."""
        words: dict[int, str] = {}
        for start in range(len(said) - 1):
            for end in range(start + 2, min(len(said), start + self._longest) + 1):
                word = said[start:end]
                for order in self._by_name.get(word, ()):
                    if len(word) > len(words.get(order, "")):
                        words[order] = word
        named = sorted(words.items(), key=lambda hit: (-len(hit[1]), hit[0]))
        return [(self.items[order], word) for order, word in named[:MOST]]

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
        # Each item's best share over its names, the shortest name on a tie.
        enough = math.ceil(ENOUGH * len(wanted) - 1e-9)
        best: dict[int, tuple[float, int]] = {}
        for name, common, at in process.extract(
            wanted, self._flat, scorer=LCSseq.similarity, limit=None, score_cutoff=enough
        ):
            order = self._owner[at]
            share = common / len(wanted)
            if order not in best or (-share, len(name)) < best[order]:
                best[order] = (-share, len(name))
        scored = sorted((*rank, order) for order, rank in best.items())
        return [self.items[order] for *_, order in scored[:MOST]]


def find(text: str, items: Sequence[T]) -> list[T]:
    """The items ``text`` most likely means, best first; empty when none fits."""
    return Index(items).find(text)

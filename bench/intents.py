#!/usr/bin/env python3
"""Intent benchmark: what a message means, decided for every phrasing of the phrase table
(tests/intent_phrases.py), timed per message, beside the menu's reading before the
decision (a menu item's name inside the words, then the catalog search) on the same words.

    python -m bench.intents [--rounds 50]

The decision runs on the hot path of every message said at the main menu, so its time
per message is the figure: median and 99th percentile over every phrasing in every round,
against a target of 0.2 ms median. The catalog is the demo one, held in memory as the
service holds it between messages. Accuracy is the share of phrasings whose destination
is the table's, for the decision and for the old reading. The last line is the summary.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable

from conversations import finder, texts
from conversations.flow import normalise, pick
from conversations.flows import menu
from conversations.intents import Reader
from tests.intent_phrases import PHRASES, Item, catalog, destination, matches

TARGET_MEDIAN_MS = 0.2

_OLD_ITEMS = {
    "service": "办事",
    "feedback": "反映问题",
    "progress": "查进度",
    "notices": "政策通知",
    "mine": "我的",
}
_OLD_WORDS = {
    **{normalise(w): "问候" for w in texts.GREETINGS},
    **{normalise(w): "感谢" for w in texts.THANKS},
    **{normalise(w): "帮助" for w in texts.CMD_HELP},
    **{normalise(w): "人工" for w in texts.CMD_HUMAN},
}


def old_reading(text: str, items: list[Item]) -> str:
    """Where the menu sent words before the decision: its commands and small talk said
    exactly, an item's name inside the words, else the catalog search."""
    said = normalise(text)
    if said in _OLD_WORDS:
        return _OLD_WORDS[said]
    choice = pick(text, menu.CHOICES)
    if choice is not None:
        return _OLD_ITEMS[choice.key]
    hits = finder.find(text, items)
    if len(hits) == 1:
        return f"办事:{hits[0].name}"
    return "办事" if hits else "不明白"


def timed(run: Callable[[str], str], rounds: int) -> tuple[list[float], float]:
    """Milliseconds per message over every phrasing and round, and the accuracy."""
    right = sum(matches(run(said), wanted) for said, wanted in PHRASES)
    times: list[float] = []
    gc.disable()
    try:
        for _ in range(rounds):
            for said, _ in PHRASES:
                start = time.perf_counter_ns()
                run(said)
                times.append((time.perf_counter_ns() - start) / 1e6)
    finally:
        gc.enable()
    return times, right / len(PHRASES)


def p99(times: list[float]) -> float:
    return statistics.quantiles(times, n=100)[98]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=50, help="passes over the table")
    args = parser.parse_args()
    items = catalog()
    names = {i.id: i.name for i in items}
    started = time.perf_counter()
    reader = Reader()  # the patterns compiled, as at start-up
    reader.read("", items)
    reader.index(items)  # and the catalog's names, as on the first message
    ready_ms = (time.perf_counter() - started) * 1000

    def decide(text: str) -> str:
        return destination(reader.read(text, items), names)

    def before(text: str) -> str:
        return old_reading(text, items)

    new, accuracy = timed(decide, args.rounds)
    old, old_accuracy = timed(before, args.rounds)
    median = statistics.median(new)
    verdict = "PASS" if median < TARGET_MEDIAN_MS else "FAIL"
    print(
        f"intents ({len(PHRASES)} phrasings x {args.rounds}): accuracy {accuracy:.1%}, "
        f"decision median {median:.3f} ms p99 {p99(new):.3f} ms | "
        f"old menu reading accuracy {old_accuracy:.1%}, median {statistics.median(old):.3f} ms "
        f"p99 {p99(old):.3f} ms | ready in {ready_ms:.0f} ms "
        f"(target median < {TARGET_MEDIAN_MS} ms: {verdict})"
    )


if __name__ == "__main__":
    main()

"""The intent decision over the phrase table (tests/intent_phrases.py): where each
everyday phrasing goes. Prints the table's accuracy; fails when it drops below FLOOR
(raise FLOOR when words added raise the accuracy: it must never go down)."""

from __future__ import annotations

from conversations import texts
from conversations.intents import Intent, Reader
from tests.intent_phrases import KINDS, PHRASES, PLAIN, catalog, destination, matches

FLOOR = 0.987


def test_the_phrase_table_reaches_its_floor() -> None:
    reader = Reader()
    items = catalog()
    names = {i.id: i.name for i in items}
    misses = []
    for said, wanted in PHRASES:
        got = destination(reader.read(said, items), names)
        if not matches(got, wanted):
            misses.append(f"  {said!r}: {got} (want {wanted})")
    accuracy = 1 - len(misses) / len(PHRASES)
    print(f"\nintent table: {len(PHRASES)} phrasings, accuracy {accuracy:.1%}")
    print("\n".join(misses))
    assert len(PHRASES) >= 300
    assert accuracy >= FLOOR, "\n".join(misses)


def test_the_table_has_each_phrasing_once_and_only_known_destinations() -> None:
    said = [s for s, _ in PHRASES]
    assert len(said) == len(set(said))
    known = {*KINDS.values(), *PLAIN.values(), "办事", "查进度", "订阅", "退订", "我的"}
    for _, wanted in PHRASES:
        head = wanted.split(":")[0].removesuffix("+原话")
        assert head in known, wanted


def test_a_story_keeps_the_words_as_said_less_voice_fillers() -> None:
    meaning = Reader().read("嗯，那个，村里路灯坏了好几天了。", catalog())
    assert meaning.story == "村里路灯坏了好几天了"
    assert meaning.guessed and meaning.detail == "complaint"
    assert meaning.category in texts.FEEDBACK_CATEGORIES["complaint"]


def test_a_service_named_in_a_complaint_offers_both() -> None:
    meaning = Reader().read("低保评的不公平", catalog())
    assert meaning.intent is Intent.EITHER and meaning.named == "低保"
    complaint, service = meaning.options
    assert complaint.intent is Intent.FEEDBACK and complaint.story == "低保评的不公平"
    assert service.intent is Intent.SERVICE and service.items

"""The card-quality rules of ``check --strict``: each one fires on a bad card, not on a good one, and can be silenced."""

from __future__ import annotations

from pathlib import Path

import pytest

from redeck.lint import RULES, lint_cards
from redeck.load import load_text


def card_file(*cards: str, source: str = "source: S\n") -> str:
    return "deck: D\n" + source + "cards:\n" + "".join(cards)


def basic(front: str, back: str, card_id: str = "good-card", extra: str = "") -> str:
    text = f"  - id: {card_id}\n    front: '{front}'\n    back: '{back}'\n"
    return text + (f"    extra: '{extra}'\n" if extra else "")


def rules_fired(text: str) -> list[str]:
    cards, problems = load_text(text, Path("cards/t.yaml"))
    assert problems == []
    return [p.rule for p in lint_cards(cards)]


GOOD = basic("What is a good card?", "A card with 1 fact")

CASES = {
    "missing-source": (card_file(GOOD, source=""), card_file(GOOD)),
    "long-answer": (card_file(basic("What is good?", "word " * 45)), card_file(basic("What is good?", "word " * 39))),
    "long-list": (
        card_file("  - id: good-list\n    front: What is good?\n    back: |\n      - a\n      - b\n      - c\n      - d\n"),
        card_file("  - id: good-list\n    front: What is good?\n    back: |\n      - a\n      - b\n      - c\n"),
    ),
    "yes-no-question": (card_file(basic("Is this good?", "It is")), card_file(basic("Which card is good?", "This"))),
    "question-mark": (card_file(basic("Why is this good", "It is")), card_file(basic("Name the good card:", "This"))),
    "number-without-unit": (
        card_file(basic("What is the good batch?", "300")),
        card_file(basic("What is the good batch?", "300 tokens per chip, \\(2 \\cdot 150\\), 1, 2 or 4 GPUs, in 2025")),
    ),
    "cloze-deletions": (
        card_file("  - id: good-cloze\n    cloze: 'good {{c1::a}} {{c2::b}} {{c3::c}} {{c4::d}}'\n"),
        card_file("  - id: good-cloze\n    cloze: 'good {{c1::a}} {{c2::b}} {{c3::c}} {{c1::d}}'\n"),
    ),
    "id-words": (
        card_file(basic("What is a good card?", "One fact", card_id="zebra-17")),
        card_file(basic("How many parameters has LLaMA 3 8B?", "8e9 weights", card_id="tx-llama3-params")),
    ),
    "duplicate-front": (
        card_file(GOOD, basic("what is  a GOOD card?", "Another fact", card_id="good-card-two")),
        card_file(GOOD, basic("What is a bad card?", "Another fact", card_id="bad-card")),
    ),
}


def test_every_rule_is_tested_and_documented():
    assert set(CASES) == set(RULES)
    assert all(doc and not doc.endswith(":") for doc in RULES.values())


@pytest.mark.parametrize("rule", sorted(CASES))
def test_rule_fires_on_a_bad_card(rule):
    assert rules_fired(CASES[rule][0]) == [rule]


@pytest.mark.parametrize("rule", sorted(CASES))
def test_rule_is_quiet_on_a_good_card(rule):
    assert rules_fired(CASES[rule][1]) == []


@pytest.mark.parametrize("rule", sorted(CASES))
def test_a_card_can_silence_a_rule(rule):
    bad = CASES[rule][0]
    silenced = bad.rstrip("\n") + f"\n    lint: [{rule}]\n"
    assert rules_fired(silenced) == []


def test_warnings_point_at_the_offending_field():
    cards, _ = load_text(card_file(basic("Is this good?", "It is")), Path("cards/t.yaml"))
    (problem,) = lint_cards(cards)
    assert str(problem) == (
        "cards/t.yaml:5:12: warning: yes/no question; ask for the fact itself (what, which, why, how) [yes-no-question]"
    )

"""The card-quality rules of ``check --strict``: each one fires on a bad card, not on a good one, and can be silenced."""

from __future__ import annotations

from pathlib import Path

import pytest

from redeck.build import check_tree
from redeck.compile import front_keys
from redeck.lint import RULES, duplicate_fronts, lint_cards
from redeck.load import load_text
from redeck.model import Position


def card_file(*cards: str, source: str = "source: S\n") -> str:
    return "deck: D\n" + source + "cards:\n" + "".join(cards)


def basic(front: str, back: str, card_id: str = "good-card", extra: str = "") -> str:
    text = f"  - id: {card_id}\n    front: '{front}'\n    back: '{back}'\n"
    return text + (f"    extra: '{extra}'\n" if extra else "")


def rules_fired(text: str) -> list[str]:
    cards, problems = load_text(text, Path("cards/t.yaml"))
    assert problems == []
    fronts = [(key, Position("cards/t.yaml", line, col), silenced) for key, line, col, silenced in front_keys(cards)]
    return [p.rule for p in [*lint_cards(cards), *duplicate_fronts(fronts)]]


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
    "long-extra": (
        card_file(basic("What is good?", "One fact", extra="why " * 76)),
        card_file(basic("What is good?", "One fact", extra="why " * 75)),
    ),
    "long-source": (
        card_file(GOOD, source="source: " + "S" * 161 + "\n"),
        card_file(GOOD, source="source: " + "S" * 160 + "\n"),
    ),
    "research-notes": (
        card_file(GOOD, source="source: Raft paper, section 5.4 (read via a mirror)\n"),
        card_file(GOOD, source="source: Bahdanau et al., Neural Machine Translation by Jointly Learning to Align, section 3\n"),
    ),
    "document-context": (
        card_file(basic("What bandwidth does the book give for ICI?", "4.5e10 B/s", card_id="ici-bandwidth")),
        card_file(basic("What is the one-way ICI bandwidth of a TPU v5e link?", "4.5e10 B/s", card_id="ici-bandwidth")),
    ),
    "long-inline-math": (
        card_file(basic("What is the cost?", "\\(" + "a + " * 16 + "b\\)", card_id="cost-sum")),
        card_file(basic("What is the cost?", "\\[" + "a + " * 16 + "b\\] or \\(" + "a + " * 14 + "b\\)", card_id="cost-sum")),
    ),
    "mixed-notation": (
        card_file(basic("What is clipped?", "The ratio ρ_t, to \\(1 \\pm \\epsilon\\)", card_id="clipped-ratio")),
        card_file(
            basic("What is clipped?", "The ratio \\(\\rho_t\\) in `ppo_clip`, to \\(1 \\pm \\epsilon\\)", card_id="clipped-ratio")
        ),
    ),
    "cloze-arithmetic": (
        card_file(
            "  - id: attention-cloze\n    cloze: 'Of \\(34\\,sbh\\), attention {{c1::\\(11\\,sbh\\)}}, MLP {{c2::19 sbh}}, norms {{c3::4 sbh}}'\n"
        ),
        card_file(
            "  - id: attention-cloze\n    cloze: 'Of 34 sbh bytes, attention stores {{c1::11 sbh}} on 8 chips and 2 hosts'\n"
        ),
    ),
    "script": (
        card_file(basic("What is good?", '<img src=x onerror="alert(1)">')),
        card_file(basic("What is good?", "<b>bold</b>, on time")),
    ),
    "todo": (
        card_file(basic("TODO What is the question?", "An answer", card_id="question")),
        card_file(basic("What is the question?", "An answer", card_id="question")),
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
    silenced = bad.rstrip("\n") + f"\n    lint: {{{rule}: the reason}}\n"
    assert rules_fired(silenced) == []


def test_silencing_without_a_reason_is_a_warning_of_its_own():
    silenced = CASES["todo"][0].rstrip("\n") + "\n    lint: [todo]\n"
    assert rules_fired(silenced) == ["lint-reason"]


def test_an_empty_reason_is_an_error(tree):
    tree.write("t.yaml", CASES["todo"][0].rstrip("\n") + "\n    lint: {todo: ''}\n")
    assert tree.problems() == [(7, 18, "empty-field")]


def test_scripts_are_flagged_without_strict_and_do_not_fail_check(tree):
    tree.write("t.yaml", CASES["script"][0])
    result = check_tree(tree.cards)
    assert [p.rule for p in result.warnings] == ["script"] and not result.errors


def test_warnings_point_at_the_offending_field():
    cards, _ = load_text(card_file(basic("Is this good?", "It is")), Path("cards/t.yaml"))
    (problem,) = lint_cards(cards)
    assert str(problem) == (
        "cards/t.yaml:5:12: warning: yes/no question; ask for the fact itself (what, which, why, how) [yes-no-question]"
    )

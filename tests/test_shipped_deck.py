"""The deck we ship: every card file passes the strict check and the whole deck imports into Anki."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import import_package
from redeck.build import build, check_tree

CARDS = Path(__file__).resolve().parents[1] / "cards"


def test_shipped_cards_pass_the_strict_check():
    result = check_tree(CARDS, strict=True)
    assert [str(p) for p in result.problems] == []
    assert result.cards > 1000


def test_shipped_deck_imports_every_card_into_its_deck(tmp_path, collection):
    cards = tmp_path / "cards"
    shutil.copytree(CARDS, cards)
    result = build(cards, tmp_path / "deck.apkg")
    assert result.ok
    log = import_package(collection, result.output)
    assert len(log.new) == result.notes and not log.updated and not log.duplicate
    assert collection.card_count() == result.cards
    top_decks = {name.split("::")[1] for name in collection.decks.all_names() if name.count("::") >= 1}
    assert top_decks == {"Systems", "Stack", "Accelerators", "Scaling"}


def test_the_committed_lock_matches_the_cards(tmp_path):
    """Building a fresh clone must not restamp anything: the lock in git is current."""
    cards = tmp_path / "cards"
    shutil.copytree(CARDS, cards)
    result = build(cards, tmp_path / "deck.apkg")
    assert result.changed == []
    assert (cards / "redeck.lock").read_bytes() == (CARDS / "redeck.lock").read_bytes()

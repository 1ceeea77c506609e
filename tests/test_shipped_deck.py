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
    # Cards retired from the deck arrive too, as tombstones in the last deck (an import cannot leave them out).
    retired = collection.find_notes("tag:retired")
    assert len(log.new) == result.notes + len(retired) and not log.updated and not log.duplicate
    assert {collection.decks.name(collection.get_card(cid).did) for cid in collection.find_cards("tag:retired")} == {
        "Research Engineering::Retired"
    }
    assert collection.card_count() == result.cards + len(collection.find_cards("tag:retired"))
    units = sorted(name for name in collection.decks.all_names() if name.startswith("Research Engineering::"))
    assert units[0] == "Research Engineering::010 Rooflines" and units[-1] == "Research Engineering::Retired"
    assert all(name.split("::")[1][:3].isdigit() for name in units[:-1])
    assert all(collection.decks.by_name(name)["desc"] for name in units), "every deck explains itself"


def test_the_committed_lock_matches_the_cards(tmp_path):
    """Building a fresh clone must not restamp anything: the lock in git is current."""
    cards = tmp_path / "cards"
    shutil.copytree(CARDS, cards)
    result = build(cards, tmp_path / "deck.apkg")
    assert result.changed == []
    assert (cards / "redeck.lock").read_bytes() == (CARDS / "redeck.lock").read_bytes()

"""The study order: what cards/redeck.yaml says is what Anki serves, with its defaults and with the shipped preset."""

from __future__ import annotations

import pytest
from anki.scheduler_pb2 import QueuedCards

from conftest import NOW, import_package
from redeck.build import build, check_tree
from redeck.package import PRESET_ID

DECK_FILE = """\
deck: RE
description: Start with **Rooflines**; about 9 days at 2 new cards a day.
new-per-day: 2
units:
  - accelerators/rooflines.yaml
  - systems/foundations.yaml
  - accelerators/collectives.yaml
  - systems/replication.yaml
"""

UNITS = {  # file: (deck, [card ids]); the numbers in the deck names are the study order
    "accelerators/rooflines.yaml": ("RE::01 Rooflines", ["roof-a", "roof-b", "roof-c"]),
    "systems/foundations.yaml": ("RE::02 Foundations", ["found-a", "found-b"]),
    "accelerators/collectives.yaml": ("RE::03 Collectives", ["coll-a", "coll-b", "coll-c"]),
    "systems/replication.yaml": ("RE::04 Replication", ["repl-a", "repl-b"]),
}
STUDY_ORDER = [card_id for _deck, ids in UNITS.values() for card_id in ids]


def unit_file(deck: str, ids: list[str], description: str = "") -> str:
    cards = "".join(f"  - id: {card_id}\n    front: What is {card_id}?\n    back: The {card_id} fact.\n" for card_id in ids)
    about = f"description: {description}\n" if description else ""
    return f"deck: {deck}\n{about}source: test\ncards:\n{cards}"


@pytest.fixture
def ordered(tree):
    tree.write("redeck.yaml", DECK_FILE)
    for name, (deck, ids) in UNITS.items():
        tree.write(name, unit_file(deck, ids, f"The {deck.split(' ', 1)[1]} unit; it assumes the units before it."))
    return tree


def served(col, limit: int = 100) -> list[str]:
    """The new cards the v3 scheduler serves from the top deck, in order, with the daily limit raised."""
    top = col.decks.id("RE")
    col.decks.select(top)
    for deck in col.decks.all_names_and_ids():
        conf = col.decks.config_dict_for_deck_id(deck.id)
        conf["new"]["perDay"] = limit
        col.decks.save(conf)
    queued = [q for q in col.sched.get_queued_cards(fetch_limit=limit).cards if q.queue == QueuedCards.NEW]
    return [col.get_card(q.card.id).note().fields[0].removeprefix("What is ").removesuffix("?") for q in queued]


@pytest.mark.parametrize("presets", [False, True], ids=["anki-defaults", "presets-imported"])
def test_a_new_learner_gets_the_study_order(ordered, collection, presets):
    # Path order would put accelerators/collectives first; the deck file's order wins.
    result = ordered.build()
    import_package(collection, result.output, with_deck_configs=presets)
    assert served(collection) == STUDY_ORDER
    conf = collection.decks.config_dict_for_deck_id(collection.decks.id("RE::03 Collectives"))
    if presets:
        assert conf["id"] == PRESET_ID and conf["name"] == "RE (redeck)"
        assert conf["new"]["bury"] is True and conf["newGatherPriority"] == 1
    else:
        assert conf["id"] == 1  # Anki's Default preset: gather order "Deck", siblings not buried


def test_the_preset_arrives_with_its_daily_limit(ordered, collection):
    import_package(collection, ordered.build().output, with_deck_configs=True)
    conf = collection.decks.config_dict_for_deck_id(collection.decks.id("RE"))
    assert conf["id"] == PRESET_ID and conf["new"]["perDay"] == 2


def test_every_deck_explains_itself(ordered, collection):
    import_package(collection, ordered.build().output)
    top = collection.decks.by_name("RE")
    assert top["desc"] == "Start with <strong>Rooflines</strong>; about 9 days at 2 new cards a day."
    for deck, _ids in UNITS.values():
        assert "assumes the units before it" in collection.decks.by_name(deck)["desc"]


def test_new_siblings_are_buried_by_the_preset(tree, collection):
    tree.write("redeck.yaml", "deck: RE\nunits: [a.yaml]\n")
    tree.write("a.yaml", "deck: RE::01 A\nsource: s\ncards:\n  - id: pair\n    front: What is pair?\n    back: Pair.\n"
               "    reverse: true\n  - id: after\n    front: What is after?\n    back: After.\n")  # fmt: skip
    import_package(collection, tree.build().output, with_deck_configs=True)
    top = collection.decks.id("RE")
    collection.decks.select(top)
    queued = [collection.get_card(q.card.id) for q in collection.sched.get_queued_cards(fetch_limit=10).cards]
    assert [(card.note().fields[0], card.ord) for card in queued] == [("What is pair?", 0), ("What is after?", 0)]


def problems_of(tree) -> list[tuple[str, int, int, str]]:
    return [(p.path.removeprefix(str(tree.cards) + "/"), p.line, p.col, p.rule) for p in check_tree(tree.cards).problems]


def test_a_card_file_left_out_of_the_order_is_an_error(ordered):
    ordered.write("systems/extra.yaml", unit_file("RE::05 Extra", ["extra-a"]))
    assert problems_of(ordered) == [("systems/extra.yaml", 1, 1, "order")]
    assert not build(ordered.cards, ordered.output, now=NOW).ok


def test_a_unit_that_is_missing_or_listed_twice_is_an_error_at_its_line(ordered):
    ordered.write("redeck.yaml", DECK_FILE + "  - systems/gone.yaml\n  - systems/replication.yaml\n")
    assert problems_of(ordered) == [("redeck.yaml", 9, 5, "order"), ("redeck.yaml", 10, 5, "order")]


def test_decks_that_do_not_sort_in_study_order_are_an_error(ordered):
    deck, ids = UNITS["systems/foundations.yaml"]
    ordered.write("systems/foundations.yaml", unit_file("RE::00 Foundations", ids))
    (problem,) = check_tree(ordered.cards).problems
    assert (problem.rule, problem.line, problem.col) == ("order", 1, 7)
    assert "'RE::00 Foundations' sorts before 'RE::01 Rooflines'" in problem.message


def test_a_deck_outside_the_top_deck_is_an_error(ordered):
    ordered.write("systems/replication.yaml", unit_file("Elsewhere::04 Replication", UNITS["systems/replication.yaml"][1]))
    assert [p.rule for p in check_tree(ordered.cards).problems] == ["order"]


def test_a_deck_described_twice_differently_is_an_error(ordered):
    ordered.write("redeck.yaml", DECK_FILE + "  - systems/more.yaml\n")
    ordered.write("systems/more.yaml", unit_file("RE::04 Replication", ["repl-c"], "Another description."))
    assert [p.rule for p in check_tree(ordered.cards).problems] == ["deck"]


def test_a_retired_id_cannot_be_used_again(ordered):
    ordered.write("redeck.yaml", DECK_FILE + "retired:\n  coll-b: superseded by coll-c\n")
    (problem,) = check_tree(ordered.cards).problems
    assert problem.rule == "retired-id" and "superseded by coll-c" in problem.message


def test_the_glossary_finds_a_term_used_before_the_card_that_teaches_it(ordered):
    ordered.write("redeck.yaml", DECK_FILE + "glossary:\n  ICI: coll-a\n  HBM: no-such-card\n")
    ordered.write("accelerators/rooflines.yaml", unit_file("RE::01 Rooflines", ["roof-a"]).replace(
        "The roof-a fact.", "Bounded by ICI bandwidth."))  # fmt: skip
    relaxed = check_tree(ordered.cards)
    assert [p.rule for p in relaxed.problems] == ["glossary"]
    strict = [
        (p.rule, p.level) for p in check_tree(ordered.cards, strict=True).problems if p.rule in ("glossary", "prerequisite")
    ]
    assert sorted(strict) == [("glossary", "error"), ("prerequisite", "warning")]


@pytest.mark.parametrize(("text", "found"), [("Two clusters meet.", True), ("Many switches.", True), ("A switchboard.", False),
                                             ("A clustered index.", False), ("One cluster.", True)])  # fmt: skip
def test_the_glossary_finds_a_term_in_its_plural_too(ordered, text, found):
    ordered.write("redeck.yaml", DECK_FILE + "glossary:\n  cluster: coll-a\n  switch: coll-a\n")
    ordered.write("accelerators/rooflines.yaml", unit_file("RE::01 Rooflines", ["roof-a"]).replace("The roof-a fact.", text))
    warned = [p for p in check_tree(ordered.cards, strict=True).problems if p.rule == "prerequisite"]
    assert bool(warned) == found, warned


def test_sync_moves_a_reviewed_collection_to_the_new_layout_with_history(ordered, tmp_path, monkeypatch):
    """A learner who studied the old deck names gets the new ones, their history kept, and the preset."""
    from anki.collection import Collection
    from click.testing import CliRunner

    from redeck.cli import cli

    (ordered.cards / "redeck.yaml").unlink()  # the old layout: no study order, decks named by topic
    for name, (deck, ids) in UNITS.items():
        ordered.write(name, unit_file(deck.replace("RE::0", "RE::Topic "), ids))
    ordered.build()
    col_path = tmp_path / "collection.anki2"
    col = Collection(str(col_path))
    import_package(col, ordered.output)
    (reviewed,) = col.find_cards("Front:*roof-a*")
    card = col.get_card(reviewed)
    card.start_timer()
    col.sched.answerCard(card, 3)
    col.close()

    ordered.write("redeck.yaml", DECK_FILE)
    for name, (deck, ids) in UNITS.items():
        ordered.write(name, unit_file(deck, ids, f"The {deck.split(' ', 1)[1]} unit; it assumes the units before it."))
    monkeypatch.chdir(ordered.root)
    result = CliRunner().invoke(cli, ["sync", "--collection", str(col_path), "-o", str(ordered.output)])
    assert result.exit_code == 0, result.output
    assert result.stdout.count("move ") == len(STUDY_ORDER)
    col = Collection(str(col_path))
    try:
        assert {col.decks.name(col.get_card(cid).did) for cid in col.find_cards("")} == {deck for deck, _ids in UNITS.values()}
        assert col.get_card(reviewed).did == col.decks.id("RE::01 Rooflines")
        assert col.get_card(reviewed).reps == 1 and len(col.card_stats_data(reviewed).revlog) == 1
        assert col.decks.config_dict_for_deck_id(col.decks.id("RE::02 Foundations"))["id"] == PRESET_ID
        assert "assumes the units before it" in col.decks.by_name("RE::02 Foundations")["desc"]
        assert served(col) == [card_id for card_id in STUDY_ORDER if card_id != "roof-a"]
    finally:
        col.close()


def test_strict_check_asks_every_deck_for_a_description(ordered):
    deck, ids = UNITS["systems/replication.yaml"]
    ordered.write("systems/replication.yaml", unit_file(deck, ids))
    assert [p.rule for p in check_tree(ordered.cards).problems] == []
    (problem,) = check_tree(ordered.cards, strict=True).problems
    assert (problem.rule, problem.level, problem.line) == ("deck-description", "warning", 1)

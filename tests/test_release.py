"""Releases: what import-only learners get from an update, tested on a real collection."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from conftest import NOW, import_package

DECK_FILE = """\
deck: RE
description: Start with 01 Basics.
release: {release}
release-notes: {notes}
report: https://github.com/example/redeck/issues/new?title={{title}}&body={{body}}
units: [basics.yaml]
"""

CARDS = {
    "keep-me": ("What is kept?", "The same answer."),
    "edit-me": ("What is edited?", "The first answer."),
    "drop-me": ("What is dropped?", "A card that will go."),
}


def card_file(cards: dict[str, tuple[str, str]], cloze: str = "") -> str:
    body = "".join(f"  - id: {card_id}\n    front: {front}\n    back: {back}\n" for card_id, (front, back) in cards.items())
    if cloze:
        body += f"  - id: cloze-me\n    cloze: '{cloze}'\n"
    return f"deck: RE::01 Basics\nsource: test\ncards:\n{body}"


def release(tree, number: str, cards, notes: str = "Nothing yet.", retired: str = "", cloze: str = "", now: int = NOW):
    tree.write("redeck.yaml", DECK_FILE.format(release=number, notes=notes) + retired)
    tree.write("basics.yaml", card_file(cards, cloze))
    return tree.build(now=now)


def notes_by_id(col):
    from redeck.package import guid

    ids = {guid(card_id): card_id for card_id in [*CARDS, "new-card", "cloze-me"]}
    return {ids[col.get_note(nid).guid]: col.get_note(nid) for nid in col.find_notes("")}


def test_release_n_to_n_plus_one_for_an_import_only_learner(tree, collection):
    release(tree, "2026.11", CARDS, cloze="A {{c1::cloze}} that will go.")
    import_package(collection, tree.output)
    for cid in collection.find_cards(""):  # the learner reviews everything once
        card = collection.get_card(cid)
        card.start_timer()
        collection.sched.answerCard(card, 3)
    before = {key: note.mod for key, note in notes_by_id(collection).items()}
    assert {tag for note in notes_by_id(collection).values() for tag in note.tags} >= {"changed::2026.11"}

    edited = {**CARDS, "edit-me": ("What is edited?", "The second answer."), "new-card": ("What is new?", "This.")}
    del edited["drop-me"]
    release(tree, "2026.12", edited, notes="Fixed the edited card.", retired="retired:\n  drop-me: merged into keep-me\n",
            now=NOW + 86400)  # fmt: skip
    log = import_package(collection, tree.output)
    assert sorted(n.fields[0] for n in log.new) == ["What is new?"]
    updated = {n.fields[0] for n in log.updated}
    assert updated == {"What is edited?", "Retired in 2026.12: merged into keep-me", "{{c1::Retired in 2026.12.}}"}

    notes = notes_by_id(collection)
    assert notes["keep-me"].mod == before["keep-me"] and "changed::2026.11" in notes["keep-me"].tags
    assert "changed::2026.12" in notes["edit-me"].tags and "changed::2026.11" not in notes["edit-me"].tags
    assert set(notes["drop-me"].tags) >= {"retired", "changed::2026.12"}
    assert notes["cloze-me"].fields[0] == "{{c1::Retired in 2026.12.}}" and "retired" in notes["cloze-me"].tags
    assert len(collection.find_notes("tag:changed::2026.12")) == 4 and len(collection.find_notes("tag:retired")) == 2
    for key in ("keep-me", "edit-me", "drop-me"):  # history kept throughout
        (card,) = notes[key].cards()
        assert card.reps == 1

    top = collection.decks.by_name("RE")["desc"]
    assert "Start with 01 Basics." in top and "Release 2026.12" in top
    assert "1 new, 1 changed, 2 retired cards" in top and "Fixed the edited card." in top


def test_an_unchanged_note_keeps_its_tag_and_time_across_releases(tree, collection):
    release(tree, "2026.11", CARDS)
    import_package(collection, tree.output)
    release(tree, "2026.12", CARDS, now=NOW + 86400)
    log = import_package(collection, tree.output)
    assert not log.updated and not log.new
    assert all("changed::2026.11" in note.tags for note in notes_by_id(collection).values())


def test_a_tombstone_keeps_its_release_and_is_not_announced_again(tree):
    release(tree, "2026.11", CARDS)
    kept = {k: v for k, v in CARDS.items() if k != "drop-me"}
    first = release(tree, "2026.12", kept, now=NOW + 10)
    assert "drop-me" in first.changed
    again = release(tree, "2027.01", kept, now=NOW + 20)
    assert again.changed == []
    assert "drop-me" in tree.lock_bytes().decode() and " retired" in tree.lock_bytes().decode()


def test_a_retired_id_cannot_come_back_silently(tree):
    from redeck.build import check_tree

    release(tree, "2026.11", CARDS)
    release(tree, "2026.12", {k: v for k, v in CARDS.items() if k != "drop-me"}, now=NOW + 10)
    tree.write("basics.yaml", card_file(CARDS))
    (problem,) = check_tree(tree.cards).errors
    assert problem.rule == "retired-id" and "delete its line there to bring the card back" in problem.message


def test_every_answer_ends_with_a_report_link_naming_the_card_file_line_and_release(tree, collection):
    release(tree, "2026.12", CARDS)
    import_package(collection, tree.output)
    note = notes_by_id(collection)["edit-me"]
    card = note.cards()[0]
    assert "Report a problem" in card.answer() and "Report a problem" not in card.question()
    href = note.fields[3].split('href="')[1].split('"')[0].replace("&amp;", "&")
    query = parse_qs(urlparse(href).query)
    assert query["title"] == ["Card edit-me: "]
    assert "File: cards/basics.yaml, line 7 (release 2026.12)" in query["body"][0]


def test_moving_a_card_within_its_file_does_not_update_it(tree, collection):
    release(tree, "2026.12", CARDS)
    import_package(collection, tree.output)
    reordered = {"drop-me": CARDS["drop-me"], "keep-me": CARDS["keep-me"], "edit-me": CARDS["edit-me"]}
    release(tree, "2026.12", reordered, now=NOW + 10)
    assert not import_package(collection, tree.output).updated

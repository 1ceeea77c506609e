"""`redeck sync` on real collections: moves, prunes, suspends, leaves foreign notes, refuses locked ones."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from anki.collection import Collection
from click.testing import CliRunner

from conftest import BASIC_FILE, import_package, note_by_front
from redeck.cli import cli

QUORUM = "What condition on w and r makes a leaderless read overlap the latest write?"
LWW = "What does last-write-wins silently lose?"
OLD_DECK = "Research Engineering::Systems::Replication"
NEW_DECK = "Research Engineering::Systems::Quorums"


@pytest.fixture
def project(tree, monkeypatch, tmp_path):
    """A tree built and imported into a collection where the user has reviewed a card and added a note of their own."""
    monkeypatch.chdir(tree.root)
    path = tree.write("r.yaml", BASIC_FILE)
    col_path = tmp_path / "collection.anki2"
    col = Collection(str(col_path))
    import_package(col, tree.build().output)
    card = note_by_front(col, QUORUM).cards()[0]
    card.start_timer()
    col.sched.answerCard(card, 3)
    basic = col.models.by_name("Basic")
    mine = col.new_note(basic)
    mine["Front"], mine["Back"] = "My own note", "not redeck's"
    col.add_note(mine, col.decks.id("Mine"))
    col.close()
    return tree, path, col_path


def sync(col_path, *args):
    return CliRunner().invoke(cli, ["sync", "--collection", str(col_path), *args], catch_exceptions=False)


def test_moved_card_keeps_its_history_in_its_new_deck(project):
    tree, path, col_path = project
    text = BASIC_FILE.replace(OLD_DECK, NEW_DECK)
    path.write_text(text)
    result = sync(col_path)
    assert result.exit_code == 0, result.output
    assert f"move repl-quorum-condition: {OLD_DECK} → {NEW_DECK}" in result.stdout
    col = Collection(str(col_path))
    try:
        card = note_by_front(col, QUORUM).cards()[0]
        assert col.decks.name(card.did) == NEW_DECK
        assert card.reps == 1 and len(col.card_stats_data(card.id).revlog) == 1
        assert col.decks.name(note_by_front(col, "My own note").cards()[0].did) == "Mine"
    finally:
        col.close()


def test_prune_deletes_removed_notes_but_never_foreign_ones(project):
    tree, path, col_path = project
    lww_card = (
        f"  - id: repl-lww-loses\n    front: {LWW}\n    back: Concurrent writes other than the one with the highest timestamp.\n"
    )
    assert lww_card in BASIC_FILE
    path.write_text(BASIC_FILE.replace(lww_card, ""))
    result = sync(col_path, "--prune")
    assert result.exit_code == 0, result.output
    assert f"delete: {LWW}" in result.stdout
    col = Collection(str(col_path))
    try:
        fronts = sorted(col.get_note(nid).fields[0] for nid in col.find_notes(""))
        assert LWW not in fronts and QUORUM in fronts and "My own note" in fronts
        assert col.note_count() == 3
    finally:
        col.close()


def test_suspend_instead_of_deleting(project):
    tree, path, col_path = project
    path.write_text(BASIC_FILE.replace("  - id: repl-lww-loses\n", "  - id: repl-lww-loses-v2\n"))
    assert sync(col_path, "--suspend").exit_code == 0
    col = Collection(str(col_path))
    try:
        old, new = sorted(col.find_notes(f'"{LWW}"'))  # the old note, and the new one under the new id
        assert col.get_note(old).cards()[0].queue == -1  # suspended
        assert col.get_note(new).cards()[0].queue == 0  # new
    finally:
        col.close()


def test_dry_run_prints_the_plan_and_changes_nothing(project):
    tree, path, col_path = project
    path.write_text(BASIC_FILE.replace(OLD_DECK, NEW_DECK).replace("repl-hinted-handoff", "repl-hinted-handoff-v2"))
    before = col_path.read_bytes()
    lock_before, package_before = tree.lock_bytes(), tree.output.read_bytes()
    result = sync(col_path, "--prune", "--dry-run", "-o", str(tree.output))
    assert result.exit_code == 0, result.output
    assert "would move repl-quorum-condition" in result.stdout and "would delete: What is hinted handoff?" in result.stdout
    assert "dry run: nothing changed" in result.stderr
    assert col_path.read_bytes() == before
    assert tree.lock_bytes() == lock_before and tree.output.read_bytes() == package_before


def test_locked_collection_is_refused_with_no_change(project):
    tree, path, col_path = project
    path.write_text(BASIC_FILE.replace(OLD_DECK, NEW_DECK))
    anki_open = Collection(str(col_path))  # Anki itself holding the collection
    try:
        result = sync(col_path, "--prune")
        assert result.exit_code == 1
        assert "collection is open in Anki or locked" in result.stderr and "Traceback" not in result.output
        card = note_by_front(anki_open, QUORUM).cards()[0]
        assert anki_open.decks.name(card.did) == OLD_DECK
    finally:
        anki_open.close()


def test_missing_collection_and_bad_cards_are_one_line_errors(project):
    tree, path, col_path = project
    missing = sync(col_path.with_name("nope.anki2"))
    assert missing.exit_code == 1 and "no Anki collection here" in missing.stderr
    path.write_text(BASIC_FILE + "  - id: Broken\n")
    before = col_path.read_bytes()
    broken = sync(col_path)
    assert broken.exit_code == 1 and "collection not changed" in broken.stderr
    assert col_path.read_bytes() == before


def test_without_anki_installed_sync_says_how_to_get_it(project):
    tree, path, col_path = project
    code = "import sys; sys.modules['anki'] = None; from redeck.cli import main; main()"  # as if not installed
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    run = subprocess.run([sys.executable, "-c", code, "sync", "--collection", str(col_path)],
                         cwd=tree.root, env=env, capture_output=True, text=True)  # fmt: skip
    assert run.returncode == 1
    assert "pip install 'redeck[sync]'" in run.stderr and "Traceback" not in run.stderr


def test_a_cloze_that_loses_a_deletion_leaves_no_empty_card_after_sync(tree, tmp_path, monkeypatch):
    monkeypatch.chdir(tree.root)
    path = tree.write("c.yaml", "deck: D\nsource: s\ncards:\n  - id: two-parts\n    cloze: 'A {{c1::one}} and {{c2::two}}.'\n")
    col_path = tmp_path / "collection.anki2"
    col = Collection(str(col_path))
    import_package(col, tree.build().output)
    assert col.card_count() == 2
    col.close()
    path.write_text(path.read_text().replace("{{c2::two}}", "two"))
    result = CliRunner().invoke(cli, ["sync", "--collection", str(col_path), "-o", str(tree.output)])
    assert result.exit_code == 0, result.output
    assert "removed 1 empty card" in result.stdout
    col = Collection(str(col_path))
    try:
        assert col.card_count() == 1 and col.get_card(col.find_cards("")[0]).ord == 0
    finally:
        col.close()

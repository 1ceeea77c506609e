"""`redeck sync --anki-connect` and `redeck watch --anki-connect` against a real, running Anki with AnkiConnect."""

from __future__ import annotations

import os
import queue
import socket
import subprocess
import sys
import threading
import time

import pytest
from click.testing import CliRunner

from anki_desktop import AnkiDesktop, free_port, require_desktop
from conftest import BASIC_FILE
from redeck.cli import cli

OURS = "mid:1732540801 OR mid:1732540802"
QUORUM = "What condition on w and r makes a leaderless read overlap the latest write?"


@pytest.fixture(scope="module")
def desktop(tmp_path_factory):
    """One Anki for the module's tests (each works in a deck tree of its own and cleans up after itself)."""
    require_desktop()
    anki = AnkiDesktop(tmp_path_factory.mktemp("anki-base")).start()
    yield anki
    anki.stop()


@pytest.fixture
def fresh(desktop):
    """The desktop with none of redeck's notes in it (foreign notes are the test's business)."""
    yield desktop
    desktop.call("deleteNotes", notes=desktop.call("findNotes", query=OURS))


def redeck(tree, *args: str):
    cwd = os.getcwd()
    os.chdir(tree.root)
    try:
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)
    finally:
        os.chdir(cwd)


def notes(desktop) -> dict[str, dict]:
    """Our notes in the running Anki by front."""
    info = desktop.call("notesInfo", notes=desktop.call("findNotes", query=OURS))
    return {n["fields"]["Front"]["value"]: n for n in info}


def test_first_sync_into_an_empty_profile_then_an_edit_updates_exactly_one_note(tree, fresh):
    path = tree.write("r.yaml", BASIC_FILE)
    first = redeck(tree, "sync", "--anki-connect", fresh.url)
    assert first.exit_code == 0, first.output
    assert "import 3 new" in first.stderr and len(notes(fresh)) == 3

    cards = fresh.call("findCards", query=f'"Front:{QUORUM}"')
    fresh.call("answerCards", answers=[{"cardId": cards[0], "ease": 3}])  # some history
    path.write_text(BASIC_FILE.replace("w + r > n", "w + r > n (strict quorum)"))
    second = redeck(tree, "sync", "--anki-connect", fresh.url)
    assert second.exit_code == 0, second.output
    assert "0 new, 1 updated" in second.stderr
    assert notes(fresh)[QUORUM]["fields"]["Back"]["value"] == "w + r &gt; n (strict quorum)"
    (card,) = fresh.call("cardsInfo", cards=cards)
    assert card["reps"] == 1 and len(fresh.call("getReviewsOfCards", cards=cards)[str(cards[0])]) == 1


def test_a_deck_move_and_a_prune_that_keeps_a_foreign_note(tree, fresh):
    path = tree.write("r.yaml", BASIC_FILE)
    assert redeck(tree, "sync", "--anki-connect", fresh.url).exit_code == 0
    fresh.call("createDeck", deck="Mine")
    mine = fresh.call("addNote", note={"deckName": "Mine", "modelName": "Basic", "fields": {"Front": "my own", "Back": "note"}})
    try:
        moved = BASIC_FILE.replace("Research Engineering::Systems::Replication", "Research Engineering::Replication")
        path.write_text(moved.split("  - id: repl-hinted-handoff")[0])
        dry = redeck(tree, "sync", "--anki-connect", fresh.url, "--prune", "--dry-run")
        assert dry.exit_code == 0 and "would delete" in dry.stdout and len(notes(fresh)) == 3
        result = redeck(tree, "sync", "--anki-connect", fresh.url, "--prune")
        assert result.exit_code == 0, result.output
        assert (
            "move repl-quorum-condition: Research Engineering::Systems::Replication → Research Engineering::Replication"
            in result.stdout
        )
        assert len(notes(fresh)) == 2
        decks = fresh.call("getDecks", cards=fresh.call("findCards", query=OURS))
        assert set(decks) == {"Research Engineering::Replication"}
        assert fresh.call("notesInfo", notes=[mine])[0]["fields"]["Front"]["value"] == "my own"
    finally:
        fresh.call("deleteNotes", notes=[mine])


def test_an_edit_made_in_the_running_anki_is_kept_and_reported(tree, fresh):
    tree.write("r.yaml", BASIC_FILE)
    assert redeck(tree, "sync", "--anki-connect", fresh.url).exit_code == 0
    note = notes(fresh)[QUORUM]
    time.sleep(1.1)  # an edit after the sync, as a learner's would be
    fresh.call("updateNoteFields", note={"id": note["noteId"], "fields": {"Back": "w + r &gt; n, edited in Anki"}})
    result = redeck(tree, "sync", "--anki-connect", fresh.url)
    assert result.exit_code == 0 and "edited in Anki: repl-quorum-condition" in result.stdout
    assert notes(fresh)[QUORUM]["fields"]["Back"]["value"] == "w + r &gt; n, edited in Anki"

    pulled = redeck(tree, "pull", "--anki-connect", fresh.url)  # and home into the YAML, with Anki still open
    assert pulled.exit_code == 0, pulled.output
    assert "back: w + r > n, edited in Anki" in (tree.root / "cards" / "r.yaml").read_text()
    again = redeck(tree, "sync", "--anki-connect", fresh.url)
    assert again.exit_code == 0 and "edited in Anki" not in again.stdout and "0 updated" in again.stderr


def test_anki_not_running_is_one_line_naming_the_add_on(tree):
    tree.write("r.yaml", BASIC_FILE)
    result = redeck(tree, "sync", "--anki-connect", f"http://127.0.0.1:{free_port()}")
    assert result.exit_code == 1 and len(result.stderr.strip().splitlines()) == 1
    assert "2055492159" in result.stderr and "Traceback" not in result.output
    assert not (tree.root / "build" / "research-engineering.apkg").exists()  # nothing built, nothing half-applied
    watching = redeck(tree, "watch", "--anki-connect", f"http://127.0.0.1:{free_port()}")
    assert watching.exit_code == 1 and "2055492159" in watching.stderr and len(watching.stderr.strip().splitlines()) == 1


def serve_once(answer: bytes | None) -> str:
    """A local HTTP endpoint that answers every request with ``answer``, or (None) accepts and never answers."""
    server = socket.create_server(("127.0.0.1", 0))

    def run() -> None:
        held = []
        while True:
            conn, _ = server.accept()
            held.append(conn)  # kept open: a silent peer, as an Anki stuck in a modal dialog is
            if answer is not None:
                conn.recv(65536)
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(answer), answer)
                )
                conn.close()

    threading.Thread(target=run, daemon=True).start()
    return f"http://127.0.0.1:{server.getsockname()[1]}"


def test_an_anki_that_does_not_answer_times_out_in_one_line(tree):
    tree.write("r.yaml", BASIC_FILE)
    result = redeck(tree, "sync", "--anki-connect", serve_once(None), "--timeout", "1")
    assert result.exit_code == 1 and len(result.stderr.strip().splitlines()) == 1
    assert "did not answer 'version' within 1 s" in result.stderr


def test_an_old_add_on_is_named_with_its_api_version(tree):
    tree.write("r.yaml", BASIC_FILE)
    result = redeck(tree, "sync", "--anki-connect", serve_once(b'{"result": 5, "error": null}'))
    assert result.exit_code == 1
    assert result.stderr.strip().endswith("AnkiConnect speaks API version 5; redeck needs 6 or later: update the add-on")


def test_a_request_the_add_on_refuses_names_the_note(fresh):
    from redeck.connect import ConnectBackend, ConnectError

    backend = ConnectBackend(fresh.url)
    gone = 1  # no note has this id
    with pytest.raises(ConnectError) as refused:
        backend.set_fields({gone: ("What is a vanished note?", "answer", "", "", "")})
    assert "for the note 'What is a vanished note?'" in str(refused.value) and "\n" not in str(refused.value)


def test_a_wrong_api_key_is_refused_in_one_line(tree, tmp_path):
    require_desktop()
    tree.write("r.yaml", BASIC_FILE)
    locked = AnkiDesktop(tmp_path / "keyed", api_key="right-key").start()
    try:
        wrong = redeck(tree, "sync", "--anki-connect", locked.url, "--api-key", "wrong-key")
        assert wrong.exit_code == 1
        assert (
            wrong.stderr.strip()
            == f"{locked.url}: error: AnkiConnect refused the API key; give the one in its config with --api-key"
        )
        right = redeck(tree, "sync", "--anki-connect", locked.url, "--api-key", "right-key")
        assert right.exit_code == 0, right.output
    finally:
        locked.stop()


def test_watch_pushes_a_saved_edit_into_the_running_anki(tree, fresh):
    path = tree.write("r.yaml", BASIC_FILE)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-c", "from redeck.cli import main; main()", "watch", "--anki-connect", fresh.url],
                            cwd=tree.root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stderr], daemon=True).start()
    try:
        first = [lines.get(timeout=60), lines.get(timeout=60)]
        assert first[0].startswith("✓ build/research-engineering.apkg written") and first[1].startswith("→ pushed 3 notes")
        time.sleep(0.5)
        saved = time.monotonic()
        path.write_text(BASIC_FILE.replace("w + r > n", "w + r > n (pushed)"))
        assert lines.get(timeout=30).startswith("✓ build/research-engineering.apkg written")
        pushed = lines.get(timeout=30)
        assert pushed.startswith("→ pushed 1 note to Anki in "), pushed
        assert notes(fresh)[QUORUM]["fields"]["Back"]["value"] == "w + r &gt; n (pushed)"
        assert time.monotonic() - saved < 10
        path.write_text(BASIC_FILE.replace("w + r > n", "w + r > n (broken)") + "  - id: [unclosed\n")
        assert lines.get(timeout=30).startswith("✗ 1 error in ")  # and no push: the next line is the next save's
        path.write_text(BASIC_FILE.replace("w + r > n", "w + r > n (mended)"))
        assert lines.get(timeout=30).startswith("✓ build/research-engineering.apkg written")
        assert lines.get(timeout=30).startswith("→ pushed 1 note to Anki in ")
        assert notes(fresh)[QUORUM]["fields"]["Back"]["value"] == "w + r &gt; n (mended)"
    finally:
        proc.terminate()
        proc.communicate(timeout=20)

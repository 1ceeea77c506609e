"""Hostile and careless input: nothing outside the card tree is read, packed or echoed, and nothing is lost.

Card repositories take contributions, so a card file is untrusted input. The corpus in tests/hostile/
holds one card file per case, with the one-line errors it must give (``# expect: ...`` lines); the
other cases need a file system set up around them and are written out below.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import BASIC_FILE, IMAGE_FILE, NOW, import_package
from redeck.build import build, check_tree
from redeck.cache import cache_dir
from redeck.cli import cli

CORPUS = Path(__file__).with_name("hostile")
SECRET = "TOKEN-a1b2c3-never-print-me"


def run(root: Path, *args: str):
    cwd = os.getcwd()
    os.chdir(root)
    try:
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)
    finally:
        os.chdir(cwd)


def expected(case: Path) -> list[str]:
    return [line.removeprefix("# expect: ") for line in case.read_text().splitlines() if line.startswith("# expect: ")]


@pytest.mark.parametrize("case", sorted(CORPUS.glob("*.yaml")), ids=lambda p: p.stem)
def test_each_hostile_file_gives_its_one_line_errors_and_writes_nothing(tree, case):
    shutil.copyfile(case, tree.cards / "case.yaml")
    (tree.root / "secret.txt").write_text(SECRET)
    for command in ("check", "build"):
        result = run(tree.root, command)
        assert result.exit_code == 1, result.output
        assert result.stdout.splitlines() == expected(case)
        assert "Traceback" not in result.output and SECRET not in result.output
    assert not (tree.root / "build" / "research-engineering.apkg").exists()
    assert not (tree.cards / "redeck.lock").exists()


def test_every_corpus_case_expects_something():
    assert all(expected(case) for case in CORPUS.glob("*.yaml"))


def package_names(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


# ------------------------------------------------------------------------------------------------ media


def test_a_media_link_that_leaves_the_tree_is_refused_and_never_read(tree, tmp_path):
    (tmp_path / "outside.png").write_text(SECRET)
    tree.write("t/cards.yaml", IMAGE_FILE)
    (tree.cards / "t" / "media").mkdir()
    (tree.cards / "t" / "media" / "a.png").symlink_to(tmp_path / "outside.png")
    result = build(tree.cards, tree.output, now=NOW)
    assert [(p.rule, p.message) for p in result.check.errors] == [("image", "image 'media/a.png' is outside the card tree")]
    assert not tree.output.exists()


def test_a_media_link_inside_the_tree_is_followed(tree):
    tree.write("t/cards.yaml", IMAGE_FILE)
    (tree.cards / "shared").mkdir()
    (tree.cards / "shared" / "real.png").write_bytes(b"\x89PNG inside")
    (tree.cards / "t" / "media").mkdir()
    (tree.cards / "t" / "media" / "a.png").symlink_to(tree.cards / "shared" / "real.png")
    tree.build()
    assert b"\x89PNG inside" in package_names(tree.output).values()


def test_an_image_that_is_a_folder_or_a_device_is_refused(tree):
    tree.write("t/cards.yaml", IMAGE_FILE)
    (tree.cards / "t" / "media" / "a.png").mkdir(parents=True)
    assert [p.message for p in check_tree(tree.cards).errors] == ["image 'media/a.png' is not a regular file"]
    os.mkfifo(tree.cards / "t" / "pipe.png")  # reading it would wait forever
    tree.write("t/cards.yaml", IMAGE_FILE.replace("media/a.png", "pipe.png"))
    assert [p.message for p in check_tree(tree.cards).errors] == ["image 'pipe.png' is not a regular file"]


def test_a_preview_copies_no_file_from_outside_the_tree(tree, tmp_path):
    (tmp_path / "secret.png").write_text(SECRET)
    tree.write("t/cards.yaml", IMAGE_FILE.replace("media/a.png", "../../secret.png"))
    result = run(tree.root, "preview")
    assert result.exit_code == 1 and "outside the card tree" in result.stdout
    assert not (tree.root / "build" / "preview").exists()


# ------------------------------------------------------------------------------------------ the card tree


def test_a_card_file_link_that_leaves_the_tree_is_an_error_and_is_not_echoed(tree, tmp_path):
    secret = tmp_path / "shadow"
    secret.write_text(f"root:{SECRET}:19000:0:99999:7:::\n" * 5)
    tree.write("a/good.yaml", BASIC_FILE)
    (tree.cards / "a" / "sh.yaml").symlink_to(secret)
    result = run(tree.root, "check")
    assert result.exit_code == 1 and SECRET not in result.output
    assert result.stdout.splitlines() == [
        "cards/a/sh.yaml:1:1: error: link leads outside the card tree; card files must be inside it [link]"
    ]


@pytest.mark.parametrize("kind", ["dangling-link", "fifo", "folder-link-outside"])
def test_a_card_file_that_cannot_be_read_fails_check_and_build(tree, tmp_path, kind):
    tree.write("a/good.yaml", BASIC_FILE)
    target = tree.cards / "a" / "more.yaml"
    if kind == "dangling-link":
        target.symlink_to(tmp_path / "gone.yaml")
    elif kind == "fifo":
        os.mkfifo(target)
    else:
        (tmp_path / "elsewhere").mkdir()
        (tmp_path / "elsewhere" / "x.yaml").write_text(BASIC_FILE)
        target = tree.cards / "linked"
        target.symlink_to(tmp_path / "elsewhere")
    for command in ("check", "build"):
        result = run(tree.root, command)
        assert result.exit_code == 1, result.output
        assert result.stdout.startswith(f"cards/{target.relative_to(tree.cards)}:1:1: error: ")
    assert not (tree.root / "build" / "research-engineering.apkg").exists()


def test_an_unreadable_folder_fails_check_and_build(tmp_path):
    """Run as a user who cannot read the folder (as root, a forked child that drops to nobody)."""
    import redeck.build
    import redeck.lint
    import redeck.media
    import redeck.render  # noqa: F401  imported before the child drops privileges

    root = Path(tempfile.mkdtemp(dir="/tmp" if os.geteuid() == 0 else tmp_path))
    try:
        os.chmod(root, 0o755)
        cards = root / "cards"
        (cards / "open").mkdir(parents=True)
        (cards / "open" / "r.yaml").write_text(BASIC_FILE)
        (cards / "closed").mkdir()
        (cards / "closed" / "c.yaml").write_text(BASIC_FILE.replace("id: repl-", "id: closed-"))
        for folder in (cards, cards / "open"):
            os.chmod(folder, 0o755)
        os.chmod(cards / "open" / "r.yaml", 0o644)
        os.chmod(cards / "closed", 0o000)
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: drop to nobody if root, check, report, exit without cleanup
            try:
                os.close(read)
                if os.geteuid() == 0:
                    os.setgid(65534)
                    os.setuid(65534)
                lines = [str(p) for p in redeck.build.check_tree(cards, jobs=1).errors]
                os.write(write, "\n".join(lines).encode())
            finally:
                os._exit(0)
        os.close(write)
        with os.fdopen(read) as pipe:
            lines = pipe.read().splitlines()
        os.waitpid(pid, 0)
        assert lines == [f"{cards}/closed/:1:1: error: cannot read folder: Permission denied [io]"]
    finally:
        os.chmod(root / "cards" / "closed", 0o755)
        shutil.rmtree(root)


def test_a_vanished_or_empty_card_folder_never_replaces_the_package(tree):
    tree.write("r.yaml", BASIC_FILE)
    tree.build()
    before = tree.output.read_bytes()
    (tree.cards / "r.yaml").unlink()
    result = run(tree.root, "build", "-o", "build/deck.apkg")
    assert result.exit_code == 1 and "no card files" in result.stderr
    shutil.rmtree(tree.cards)
    assert run(tree.root, "build", "--cards", "cards", "-o", "build/deck.apkg").exit_code == 2
    assert tree.output.read_bytes() == before and not tree.cards.exists()


# ------------------------------------------------------------------------------------------------ outputs


@pytest.mark.parametrize(
    ("output", "message"),
    [
        ("cards/a/good.yaml", "a package's name ends in .apkg"),
        ("cards/redeck.lock", "a package's name ends in .apkg"),
        ("cards/a/deck.apkg", "is inside the card tree"),
        ("README.md", "a package's name ends in .apkg"),
        ("theirs.apkg", "exists and is not a package redeck wrote"),
        ("link.apkg", "is a link"),
        ("fifo.apkg", "exists and is not a regular file"),
        ("folder.apkg", "is a directory"),
    ],
)
def test_an_output_that_is_not_redecks_to_replace_is_refused(tree, output, message):
    tree.write("a/good.yaml", BASIC_FILE)
    (tree.root / "README.md").write_text("the user's readme")
    (tree.root / "theirs.apkg").write_bytes(b"PK\x05\x06" + b"\0" * 18)  # some other zip: a deck from elsewhere
    (tree.root / "link.apkg").symlink_to("/dev/null")
    os.mkfifo(tree.root / "fifo.apkg")
    (tree.root / "folder.apkg").mkdir()
    before = {p: p.read_bytes() for p in [*tree.cards.rglob("*.yaml"), tree.root / "README.md", tree.root / "theirs.apkg"]}
    result = run(tree.root, "build", "-o", output)
    assert result.exit_code == 2 and message in result.stderr, result.output
    assert "Traceback" not in result.output
    assert {p: p.read_bytes() for p in before} == before
    assert not (tree.cards / "redeck.lock").exists()


def test_an_output_named_with_a_nul_is_refused_by_the_library(tree):
    from redeck.output import OutputError

    tree.write("a/good.yaml", BASIC_FILE)
    with pytest.raises(OutputError, match="holds a NUL character"):
        build(tree.cards, tree.root / "a\0b.apkg")


def test_a_package_redeck_wrote_is_replaced(tree):
    tree.write("a/good.yaml", BASIC_FILE)
    assert run(tree.root, "build", "-o", "mine.apkg").exit_code == 0
    tree.write("a/good.yaml", BASIC_FILE.replace("w + r > n", "w + r > n, strictly"))
    result = run(tree.root, "build", "-o", "mine.apkg")
    assert result.exit_code == 0 and "written" in result.stderr


def test_sync_never_writes_the_package_over_the_collection(tree, tmp_path):
    from anki.collection import Collection

    tree.write("a/good.yaml", BASIC_FILE)
    col_path = tmp_path / "collection.anki2"
    Collection(str(col_path)).close()
    before = col_path.read_bytes()
    result = run(tree.root, "sync", "--collection", str(col_path), "-o", str(col_path))
    assert result.exit_code == 2 and "a package's name ends in .apkg" in result.stderr
    linked = tmp_path / "collection.apkg"
    linked.symlink_to(col_path)
    assert run(tree.root, "sync", "--collection", str(col_path), "-o", str(linked)).exit_code == 2
    assert col_path.read_bytes() == before


# ------------------------------------------------------------------------------------------ kept state


def test_a_lock_time_in_the_far_future_is_an_error_at_its_line(tree):
    tree.write("r.yaml", BASIC_FILE)
    tree.build()
    lock = tree.cards / "redeck.lock"
    lines = lock.read_text().splitlines()
    lines[3] = lines[3].rsplit(" ", 1)[0] + " 9999999999"  # the year 2286
    lock.write_text("\n".join(lines) + "\n")
    result = build(tree.cards, tree.output, now=NOW + 10)
    (problem,) = result.check.errors
    assert (problem.line, problem.col, problem.rule) == (4, len(lines[3]) - 9, "lock")
    assert "later than the clock" in problem.message and not result.written


def test_a_lock_that_is_a_link_is_refused(tree, tmp_path):
    (tmp_path / "elsewhere.lock").write_text(f"{SECRET} {SECRET} 1\n")
    tree.write("r.yaml", BASIC_FILE)
    (tree.cards / "redeck.lock").symlink_to(tmp_path / "elsewhere.lock")
    result = run(tree.root, "build")
    assert result.exit_code == 1 and "[lock]" in result.stdout and SECRET not in result.output
    assert (tmp_path / "elsewhere.lock").read_text() == f"{SECRET} {SECRET} 1\n"


def test_an_altered_cache_entry_is_a_miss_never_a_wrong_package(tree):
    tree.write("r.yaml", BASIC_FILE)
    tree.build()
    good = tree.output.read_bytes()
    (entry,) = cache_dir(tree.output).iterdir()
    data = bytearray(entry.read_bytes())
    at = data.find(b"w + r > n")
    data[at : at + 9] = b"w + r < n"  # still a well-formed record: only the digest tells
    entry.write_bytes(bytes(data))
    assert tree.build(now=NOW + 10).changed == []
    assert tree.output.read_bytes() == good


def test_the_package_and_lock_are_written_both_or_neither(tree, monkeypatch):
    path = tree.write("r.yaml", BASIC_FILE)
    tree.build()
    package, lock = tree.output.read_bytes(), tree.lock_bytes()
    path.write_text(BASIC_FILE.replace("w + r > n", "w + r > n, strictly"))
    real_replace = os.replace

    def disk_fails_at_the_package(src, dst):
        if str(dst).endswith(".apkg"):
            raise OSError(28, "No space left on device", str(dst))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", disk_fails_at_the_package)
    with pytest.raises(OSError):
        build(tree.cards, tree.output, now=NOW + 10)
    monkeypatch.undo()
    assert tree.output.read_bytes() == package and tree.lock_bytes() == lock
    assert sorted(p.name for p in tree.output.parent.iterdir() if p.name.endswith(".tmp")) == []
    assert sorted(p.name for p in tree.cards.iterdir() if p.name.endswith(".tmp")) == []


def test_a_temporary_file_left_by_a_killed_build_is_removed(tree):
    tree.write("r.yaml", BASIC_FILE)
    tree.output.parent.mkdir(parents=True)
    left = tree.output.parent / f".{tree.output.name}.4194999.abc123.tmp"  # a pid no process has
    left.write_bytes(b"half a package")
    tree.build()
    assert not left.exists()


def test_a_kill_during_the_package_write_leaves_the_old_package(tree):
    """A real kill -9 while the package is being written, then a build that cleans up after it."""
    tree.write("r.yaml", BASIC_FILE)
    tree.build()
    good = tree.output.read_bytes()
    tree.write("r.yaml", BASIC_FILE.replace("w + r > n", "w + r > n, strictly"))
    code = (
        "import os, redeck.output as o\n"
        "real = o._staged\n"
        "def staged(path, data):\n"
        "    tmp = real(path, data)\n"
        "    if str(path).endswith('.apkg'): os.kill(os.getpid(), 9)\n"
        "    return tmp\n"
        "o._staged = staged\n"
        f"from redeck.build import build; build({str(tree.cards)!r}, __import__('pathlib').Path({str(tree.output)!r}))\n"
    )
    code = code.replace(f"build({str(tree.cards)!r}", f"build(__import__('pathlib').Path({str(tree.cards)!r})")
    killed = subprocess.run([sys.executable, "-c", code], capture_output=True)
    assert killed.returncode == -9
    assert tree.output.read_bytes() == good
    assert [p.name for p in tree.output.parent.iterdir() if p.name.endswith(".tmp")] != []
    tree.build(now=NOW + 100)
    assert [p.name for p in tree.output.parent.iterdir() if p.name.endswith(".tmp")] == []


# ----------------------------------------------------------------------------------------------- limits


def test_an_anchor_repeated_by_aliases_is_refused_by_its_expanded_size(tree):
    anchor = "x" * 100_000
    aliases = "\n".join("  - *big" for _ in range(2000))
    text = f"deck: D\nsource: &big {anchor}\ncards: []\nextra:\n{aliases}\n"
    tree.write("bomb.yaml", text)
    assert [(p.line, p.col, p.rule) for p in check_tree(tree.cards).errors] == [(1, 1, "alias-bomb")]


# ------------------------------------------------------------------------------------------------- sync


def _collection_with_our_notes(tree, tmp_path, count: int) -> Path:
    from anki.collection import Collection

    cards = "".join(f"  - id: card-{n}\n    front: What is card {n}?\n    back: Card {n}.\n" for n in range(count))
    tree.write("a/many.yaml", f"deck: D\nsource: test\ncards:\n{cards}")
    tree.build()
    col_path = tmp_path / "collection.anki2"
    col = Collection(str(col_path))
    import_package(col, tree.output)
    col.close()
    return col_path


def note_count(col_path: Path) -> int:
    with sqlite3.connect(col_path) as conn:
        return conn.execute("SELECT count(*) FROM notes").fetchone()[0]


def test_sync_prune_refuses_to_delete_a_large_share_without_confirmation(tree, tmp_path):
    col_path = _collection_with_our_notes(tree, tmp_path, 40)
    text = (tree.cards / "a" / "many.yaml").read_text()
    kept = text.split("  - id: card-20\n")[0]  # half the cards are gone: a wrong folder, a bad merge
    (tree.cards / "a" / "many.yaml").write_text(kept)
    result = run(tree.root, "sync", "--collection", str(col_path), "--prune", "-o", str(tree.output))
    assert result.exit_code == 1 and "would delete 20 of its 40 redeck notes" in result.stderr
    assert note_count(col_path) == 40
    confirmed = run(tree.root, "sync", "--collection", str(col_path), "--prune", "--yes", "-o", str(tree.output))
    assert confirmed.exit_code == 0, confirmed.output
    assert note_count(col_path) == 20


def test_sync_prune_deletes_nothing_when_a_folder_cannot_be_read(tree, tmp_path):
    col_path = _collection_with_our_notes(tree, tmp_path, 12)
    (tree.cards / "b").mkdir()
    (tree.cards / "b" / "broken.yaml").symlink_to(tmp_path / "gone.yaml")
    result = run(tree.root, "sync", "--collection", str(col_path), "--prune", "--yes", "-o", str(tree.output))
    assert result.exit_code == 1 and "broken link" in result.stdout
    assert note_count(col_path) == 12


@pytest.mark.parametrize("kind", ["plain-sqlite", "package", "text"])
def test_sync_says_what_a_file_that_is_not_a_collection_is_and_leaves_it_alone(tree, tmp_path, kind):
    tree.write("a/good.yaml", BASIC_FILE)
    path = tmp_path / "thing.anki2"
    if kind == "plain-sqlite":
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE mine (x)")
        message = "a SQLite database, but not an Anki collection"
    elif kind == "package":
        tree.build()
        shutil.copyfile(tree.output, path)
        message = "is an Anki package, not a collection"
    else:
        path.write_text("hello")
        message = "not an Anki collection"
    before = path.read_bytes()
    result = run(tree.root, "sync", "--collection", str(path), "-o", str(tree.output))
    assert result.exit_code == 1 and message in result.stderr and len(result.stderr.splitlines()) == 1, result.output
    assert path.read_bytes() == before


# ---------------------------------------------------------------------------------------- odd outputs


def test_schema_to_a_full_disk_is_one_line_not_a_traceback():
    with open("/dev/full", "w") as full:
        command = [sys.executable, "-c", "from redeck.cli import main; main()", "schema"]
        out = subprocess.run(command, stdout=full, stderr=subprocess.PIPE, text=True)
    assert out.returncode == 1
    assert out.stderr.splitlines() == ["redeck: error: No space left on device"]


def test_preview_leaves_folders_that_only_look_like_its_own(tree):
    tree.write("a/good.yaml", BASIC_FILE)
    for name in (".site.tmp", ".site.old"):
        (tree.root / name).mkdir()
        (tree.root / name / "keep.txt").write_text("the user's")
    for _ in range(2):
        assert run(tree.root, "preview", "-o", "site").exit_code == 0
    assert all((tree.root / name / "keep.txt").read_text() == "the user's" for name in (".site.tmp", ".site.old"))
    assert sorted(p.name for p in tree.root.iterdir() if p.name.startswith(".site")) == [".site.old", ".site.tmp"]


def test_preview_onto_a_link_is_refused_and_writes_nothing(tree, tmp_path):
    tree.write("a/good.yaml", BASIC_FILE)
    (tmp_path / "real").mkdir()
    (tree.root / "site").symlink_to(tmp_path / "real")
    result = run(tree.root, "preview", "-o", "site")
    assert result.exit_code == 2 and "is a link" in result.stderr
    assert list((tmp_path / "real").iterdir()) == [] and not list(tree.root.glob(".site*"))


# ---------------------------------------------------------------------------------------------- in Anki

NASTY = r"""
deck: "Research Engineering::Ünïcode 🚀::Deck: with colon"
tags: [ünï::cödé, emoji-🚀]
source: "A source with <b>HTML</b>, & ampersands, \"quotes\" and https://example.com/?a=1&b=2"
cards:
  - id: nasty-basic
    front: "Zero\u200bwidth, RTL \u202eabc\u202c, combining e\u0301, a tab\there, \x85 next line?"
    back: "<script>document.title = 1</script> `code <b>` and \\(x_{1}^{2}\\) and {{not a cloze}}"
    lint: {script: a test of what Anki accepts}
  - id: nasty-cloze
    cloze: "{{c1::first}} {{c65535::the last number Anki allows}} {{c2::with ::hint::h}}"
  - id: nasty-long
    front: What is long?
    back: "LONG_PLACEHOLDER"
    reverse: true
"""


def test_the_nastiest_accepted_input_imports_into_real_anki(tree, collection):
    tree.write("nasty.yaml", NASTY.replace("LONG_PLACEHOLDER", "word " * 20_000))
    result = tree.build()
    log = import_package(collection, result.output)
    assert len(log.new) == 3 and not log.conflicting and not log.duplicate
    assert collection.card_count() == result.cards == 1 + 3 + 2
    assert "Research Engineering::Ünïcode 🚀::Deck: with colon" in collection.decks.all_names()
    fronts = {collection.get_note(nid).fields[0] for nid in collection.find_notes("")}
    assert any("\u202eabc" in front and "\x85" in front and "\u200b" in front for front in fronts)
    tags = {tag for nid in collection.find_notes("") for tag in collection.get_note(nid).tags}
    assert {"ünï::cödé", "emoji-🚀"} <= tags


def test_paths_and_outputs_fuzz_never_touch_what_is_not_redecks(tree, tmp_path):
    """Many -o values a careless user could type: every file that is not redeck's keeps its bytes."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    tree.write("a/good.yaml", BASIC_FILE)
    (tree.root / "notes.txt").write_text("the user's")
    (tree.root / "other.apkg").write_bytes(b"PK\x05\x06" + b"\0" * 18)
    (tree.root / "to-notes.apkg").symlink_to(tree.root / "notes.txt")
    (tree.root / "dir.apkg").mkdir()
    guarded = [*tree.cards.rglob("*.yaml"), tree.root / "notes.txt", tree.root / "other.apkg"]
    before = {p: p.read_bytes() for p in guarded}
    parts = st.sampled_from(["cards", "a", "..", ".", "build", "good.yaml", "redeck.lock", "notes.txt", "other.apkg",
                             "to-notes.apkg", "dir.apkg", "x.apkg", "/dev/null", "/dev/full", "ctl\x01.apkg"])  # fmt: skip

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(parts, min_size=1, max_size=4))
    def one_output(pieces):
        output = "/".join(pieces).replace("//", "/")
        result = run(tree.root, "build", "-o", output)
        assert result.exit_code in (0, 1, 2), result.output
        assert "Traceback" not in result.output and "internal error" not in result.output
        changed = [p for p in guarded if p.read_bytes() != before[p]]
        assert not changed, (output, changed, result.output)
        if result.exit_code == 0:
            written = (tree.root / output).resolve()
            assert written.suffix == ".apkg" and not written.is_relative_to(tree.cards.resolve())
            assert stat.S_ISREG(written.stat().st_mode)

    one_output()

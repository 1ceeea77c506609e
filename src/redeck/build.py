"""Build: run the pipeline (load → check → render → package) and write outputs atomically."""

from __future__ import annotations

import gc
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from redeck.check import check_cards
from redeck.lint import lint_cards
from redeck.load import card_files, load_tree
from redeck.model import CLOZE_NUMBER, Card, Problem

DEFAULT_CARDS = Path("cards")
DEFAULT_OUTPUT = Path("build/research-engineering.apkg")


@dataclass(frozen=True)
class CheckResult:
    """The cards of a tree and every problem found in them, sorted by place."""

    cards: list[Card]
    problems: list[Problem]
    files: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "warning"]


@dataclass(frozen=True)
class BuildResult:
    """What a build did: the problems that stopped it, or the package it wrote."""

    check: CheckResult
    output: Path
    notes: int = 0
    cards: int = 0
    changed: list[str] = field(default_factory=list)  # ids of notes new or edited since the last build
    written: bool = False  # False when the package on disk already had these bytes

    @property
    def ok(self) -> bool:
        return not self.check.errors


def check_tree(cards_dir: Path = DEFAULT_CARDS, strict: bool = False) -> CheckResult:
    """Load and check every card file under ``cards_dir``; ``strict`` adds the quality lint."""
    with cyclic_gc_paused():
        cards, problems = load_tree(cards_dir)
        problems.extend(check_cards(cards))
        if strict:
            problems.extend(lint_cards(cards))
        return CheckResult(cards, sorted(set(problems)), files=len(card_files(cards_dir)))


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the duration of a pipeline run.

    The pipeline allocates millions of small objects that form no cycles; the collector rescans
    them as they accumulate and frees nothing, which took two thirds of `check` at 100k cards.
    Reference counting still frees everything as usual.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def build(cards_dir: Path = DEFAULT_CARDS, output: Path = DEFAULT_OUTPUT, now: int | None = None) -> BuildResult:
    """Check the tree and, if it has no errors, write the package and the lock file.

    ``now`` is the time given to notes that are new or changed (default: the clock); notes
    that did not change keep the time in the lock file, so an unchanged tree rebuilds the same bytes.
    """
    with cyclic_gc_paused():
        return _build(cards_dir, output, now)


def _build(cards_dir: Path, output: Path, now: int | None) -> BuildResult:
    checked = check_tree(cards_dir)
    if checked.errors:
        return BuildResult(checked, output)

    from redeck.lock import LOCK_NAME, digest, format_lock, read_lock, restamp
    from redeck.notetypes import note_types
    from redeck.package import package_bytes
    from redeck.render import Renderer

    renderer = Renderer()
    notes = [renderer.render_card(card) for card in checked.cards]
    types = note_types()
    digests = {note.card_id: digest(note.notetype, note.fields, note.tags) for note in notes}
    digests.update({f"notetype:{key}": nt.digest for key, nt in types.items()})
    lock_path = cards_dir / LOCK_NAME
    old = read_lock(lock_path)
    stamps = restamp(old, digests, int(time.time()) if now is None else now)
    data = package_bytes(
        notes,
        types,
        note_mods={note.card_id: stamps[note.card_id].mod for note in notes},
        type_mods={key: stamps[f"notetype:{key}"].mod for key in types},
        media={name: path for path, name in renderer.media.items()},
    )
    written = write_atomically(output, data)
    write_atomically(lock_path, format_lock(stamps).encode())
    changed = [note.card_id for note in notes if old.get(note.card_id) != stamps[note.card_id]]
    return BuildResult(
        checked, output, notes=len(notes), cards=sum(map(anki_cards, checked.cards)), changed=changed, written=written
    )


def anki_cards(card: Card) -> int:
    """How many Anki cards a card makes: one, two if reversed, one per cloze number."""
    if card.cloze is not None:
        return len(set(CLOZE_NUMBER.findall(card.cloze.value)))
    return 2 if card.reverse else 1


def write_atomically(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` through a temporary file and a rename; False if it was already there.

    A failed or interrupted write leaves the previous file whole.
    """
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True

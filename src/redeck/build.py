"""Build: run the pipeline over a card tree, then write the package and the lock file atomically."""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from redeck.check import check_cards, duplicate_ids
from redeck.compile import CompiledFile, Stamping, compile_tree, cyclic_gc_paused
from redeck.lint import ALWAYS, lint_cards
from redeck.load import card_files, load_tree
from redeck.model import Card, Position, Problem

DEFAULT_CARDS = Path("cards")
DEFAULT_OUTPUT = Path("build/research-engineering.apkg")


@dataclass(frozen=True)
class CheckResult:
    """Every problem found in a card tree, sorted by place, and how much the tree holds."""

    problems: list[Problem]
    files: int = 0
    cards: int = 0

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


def check_files(files: list[CompiledFile]) -> CheckResult:
    """The check of compiled files: the problems in each, plus ids repeated across them."""
    problems = [p for f in files for p in f.problems]
    ids = [card_id for f in files for card_id, _line, _col in f.ids]
    if len(set(ids)) < len(ids):
        problems.extend(duplicate_ids((card_id, Position(f.path, line, col)) for f in files for card_id, line, col in f.ids))
    return CheckResult(sorted(set(problems)), files=len(files), cards=len(ids))


def check_tree(cards_dir: Path = DEFAULT_CARDS, strict: bool = False, jobs: int | None = None) -> CheckResult:
    """Load and check every card file under ``cards_dir``; ``strict`` adds the quality lint (in one process)."""
    if strict:
        return load_checked(cards_dir, strict=True)[1]
    with cyclic_gc_paused():
        return check_files(compile_tree(cards_dir, jobs=jobs))


def load_checked(cards_dir: Path = DEFAULT_CARDS, strict: bool = False) -> tuple[list[Card], CheckResult]:
    """The cards of a tree, in build order, and the check of them; in one process, for commands that need the cards."""
    with cyclic_gc_paused():
        cards, problems = load_tree(cards_dir)
        problems.extend(check_cards(cards))
        problems.extend(duplicate_ids((card.id.value, card.id.pos) for card in cards))
        problems.extend(lint_cards(cards) if strict else lint_cards(cards, ALWAYS))
        return cards, CheckResult(sorted(set(problems)), files=len(card_files(cards_dir)), cards=len(cards))


def build(
    cards_dir: Path = DEFAULT_CARDS, output: Path = DEFAULT_OUTPUT, now: int | None = None, jobs: int | None = None
) -> BuildResult:
    """Check the tree and, if it has no errors, write the package and the lock file.

    ``now`` is the time given to notes that are new or changed (default: the clock); notes
    that did not change keep the time in the lock file, so an unchanged tree rebuilds the same bytes.
    Compiled files are cached beside the package, so a rebuild recompiles only the files that changed.
    """
    with cyclic_gc_paused():
        return _build(cards_dir, output, now, jobs)


def _build(cards_dir: Path, output: Path, now: int | None, jobs: int | None) -> BuildResult:
    from redeck.cache import cache_dir, usable
    from redeck.lock import LOCK_NAME, format_lock, read_lock, restamp
    from redeck.notetypes import note_types
    from redeck.package import package_bytes

    lock_path = cards_dir / LOCK_NAME
    old = read_lock(lock_path)
    stamping = Stamping(old, int(time.time()) if now is None else now)
    cache = cache_dir(output)
    files = compile_tree(cards_dir, stamping, cache=cache if usable(cache) else None, jobs=jobs)
    checked = check_files(files)
    if checked.errors:
        return BuildResult(checked, output)

    types = note_types()
    type_stamps = restamp(old, {f"notetype:{key}": nt.digest for key, nt in types.items()}, stamping.now)
    note_stamps = [stamp for f in files for stamp in f.stamps]
    data = package_bytes(
        [f.fragment for f in files if f.fragment is not None],
        types,
        type_mods={key: type_stamps[f"notetype:{key}"].mod for key in types},
        media={name: path for f in files for path, name in f.media},
    )
    written = write_atomically(output, data)
    lock = format_lock([*note_stamps, *((key, s.digest, s.mod) for key, s in type_stamps.items())])
    write_atomically(lock_path, lock.encode())
    changed = [card_id for card_id, digest, mod in note_stamps if old.get(card_id) != (digest, mod)]
    return BuildResult(
        checked,
        output,
        notes=len(note_stamps),
        cards=sum(f.anki_cards for f in files),
        changed=changed,
        written=written,
    )


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

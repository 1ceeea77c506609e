"""Shared test helpers: card trees on disk and real Anki collections."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

from redeck.build import BuildResult, build, check_tree

NOW = 1_750_000_000  # a fixed "clock" for builds (in the past: a lock time ahead of the real clock is refused)


class CardTree:
    """A temporary project: ``cards/`` with card files, ``build/deck.apkg`` as the output."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.cards = root / "cards"
        self.cards.mkdir()
        self.output = root / "build" / "deck.apkg"

    def write(self, rel: str, text: str) -> Path:
        path = self.cards / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def build(self, now: int = NOW) -> BuildResult:
        result = build(self.cards, self.output, now=now)
        assert result.ok, [str(p) for p in result.check.errors]
        return result

    def lock_bytes(self) -> bytes:
        return (self.cards / "redeck.lock").read_bytes()

    def problems(self, strict: bool = False) -> list[tuple[int, int, str]]:
        return [(p.line, p.col, p.rule) for p in check_tree(self.cards, strict=strict).problems]


@pytest.fixture
def tree(tmp_path: Path) -> CardTree:
    return CardTree(tmp_path)


@pytest.fixture
def collection(tmp_path: Path):
    col = Collection(str(tmp_path / "collection.anki2"))
    yield col
    col.close()


def import_package(col: Collection, path: Path, **options: bool):
    """Import as a user importing a shared deck does (no scheduling); return Anki's import log."""
    opts = ImportAnkiPackageOptions(with_scheduling=False, **options)
    return col.import_anki_package(ImportAnkiPackageRequest(package_path=str(path), options=opts)).log


def note_by_front(col: Collection, front: str):
    """The one note whose first field is exactly ``front``."""
    ids = [nid for nid in col.find_notes("") if col.get_note(nid).fields[0] == front]
    assert len(ids) == 1, f"{len(ids)} notes with front {front!r}"
    return col.get_note(ids[0])


# One card showing the image media/a.png, beside the card file.
IMAGE_FILE = """\
deck: T
source: test
cards:
  - id: img-card
    front: Which picture?
    back: "![a](media/a.png)"
"""

BASIC_FILE = """\
deck: Research Engineering::Systems::Replication
tags: [replication]
source: DDIA (1st ed.), ch. 5
cards:
  - id: repl-quorum-condition
    front: What condition on w and r makes a leaderless read overlap the latest write?
    back: w + r > n
  - id: repl-lww-loses
    front: What does last-write-wins silently lose?
    back: Concurrent writes other than the one with the highest timestamp.
  - id: repl-hinted-handoff
    front: What is hinted handoff?
    back: A stand-in node keeps writes for an unreachable replica and hands them over when it returns.
"""

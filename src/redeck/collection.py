"""Collection: a collection file written with Anki's own library (Anki closed), as a sync back end.

Needs the ``anki`` library (``pip install 'redeck[sync]'``). The file is looked at before it is
opened, and refused while another process (Anki) holds it.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

from redeck.model import RedeckError
from redeck.notetypes import BASIC_ID, CLOZE_ID

SQLITE_HEADER = b"SQLite format 3\x00"
ZIP_HEADER = b"PK\x03\x04"


class SyncError(RedeckError):
    """A sync that cannot start or go on: the collection is missing, locked or not a collection, or a prune too big."""


def inspect_collection(path: Path) -> None:
    """Raise `SyncError` unless ``path`` is a writable Anki collection, without opening it for writing.

    Anki's library would write its tables into any SQLite file it is given, and report a file it
    cannot write as "locked": look first, and say what the file is.
    """
    where = "look for collection.anki2 in your Anki profile folder"
    if not path.exists():
        raise SyncError(path, f"no Anki collection here ({where})")
    if not path.is_file():
        raise SyncError(path, f"not a file ({where})")
    try:
        with path.open("rb") as f:
            header = f.read(16)
    except OSError as exc:
        raise SyncError(path, f"cannot read it: {exc.strerror}") from exc
    if header.startswith(ZIP_HEADER):
        raise SyncError(
            path, f"is an Anki package, not a collection; import packages in Anki, and sync into collection.anki2 ({where})"
        )
    if header != SQLITE_HEADER:
        raise SyncError(path, f"not an Anki collection ({where})")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()
    except sqlite3.Error as exc:
        if "locked" in str(exc):
            raise SyncError(path, "collection is open in Anki or locked; close Anki, or sync with --anki-connect") from exc
        raise SyncError(path, f"not an Anki collection ({exc})") from exc
    if not {"col", "notes", "cards"} <= tables:
        raise SyncError(path, f"a SQLite database, but not an Anki collection ({where})")
    if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
        raise SyncError(path, "collection is read-only; sync writes to it (check its permissions)")


def open_collection(path: Path) -> Any:  # anki.collection.Collection
    try:
        from anki.collection import Collection
        from anki.errors import DBError
    except ImportError as exc:
        raise SyncError("redeck", f"sync needs Anki's library; install it with: pip install 'redeck[sync]' ({exc})") from exc

    inspect_collection(path)
    try:
        return Collection(str(path))
    except DBError as exc:
        raise SyncError(path, f"collection is open in Anki or locked ({exc}); close Anki, or sync with --anki-connect") from exc
    except Exception as exc:  # the backend raises several types for a file it cannot open
        raise SyncError(path, f"cannot open collection: {exc}") from exc


class CollectionBackend:
    """The sync back end for a collection file, through Anki's library."""

    def __init__(self, path: Path) -> None:
        self.where = str(path)
        self.key = str(path.resolve())
        self.col = open_collection(path)

    def notes(self) -> dict[str, Any]:
        from redeck.sync import CardState, NoteState

        found = {}
        for notetype_id in (BASIC_ID, CLOZE_ID):
            if self.col.models.get(notetype_id) is None:
                continue
            for nid in self.col.models.nids(notetype_id):
                note = self.col.get_note(nid)
                cards = tuple(
                    CardState(
                        c.id,
                        self.col.decks.name(c.odid or c.did),
                        c.ord,
                        c.type == 0 and c.queue == 0,
                        bool(c.odid),
                        c.odue if c.odid else c.due,
                    )
                    for c in note.cards()
                )
                found[note.guid] = NoteState(note.id, note.guid, tuple(note.fields), note.mod, cards)
        return found

    def import_package(self, package: Path) -> None:
        from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

        # The package's deck options preset (study order, siblings buried, daily limit) comes with it.
        options = ImportAnkiPackageOptions(with_scheduling=False, with_deck_configs=True)
        self.col.import_anki_package(ImportAnkiPackageRequest(package_path=str(package.resolve()), options=options))

    def set_fields(self, changes: dict[int, tuple[str, ...]]) -> None:
        for note_id, fields in changes.items():
            note = self.col.get_note(note_id)
            for index, value in enumerate(fields):
                note.fields[index] = value
            self.col.update_note(note)

    def move(self, moves: dict[str, list[int]]) -> None:
        for deck, card_ids in moves.items():
            self.col.set_deck(card_ids, self.col.decks.id(deck))

    def reposition(self, card_ids: list[int]) -> None:
        self.col.sched.reposition_new_cards(card_ids, starting_from=1, step_size=1, randomize=False, shift_existing=False)

    def remove_cards(self, card_ids: list[int]) -> bool:
        self.col.remove_cards_and_orphaned_notes(card_ids)
        return True

    def remove_notes(self, note_ids: list[int]) -> None:
        self.col.remove_notes(note_ids)

    def suspend(self, card_ids: list[int]) -> None:
        self.col.sched.suspend_cards(card_ids)

    def read_media(self, name: str) -> bytes | None:
        path = Path(self.col.media.dir()) / name
        return path.read_bytes() if path.is_file() else None

    def write_media(self, name: str, data: bytes) -> None:
        from redeck.output import write_together

        write_together([(Path(self.col.media.dir()) / name, data)])

    def close(self) -> None:
        self.col.close()

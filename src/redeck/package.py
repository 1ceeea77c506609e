"""Package: write notes into a deterministic Anki package (.apkg) with genanki."""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import sqlite3
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import genanki

from redeck.model import CLOZE_NUMBER, Note
from redeck.notetypes import NoteType

# Anki uses note and card ids only as creation times and renumbers clashes on import; notes
# are matched by GUID. A fixed base keeps the package byte-identical from build to build.
ID_BASE = 1_700_000_000_000
ZIP_TIME = (2020, 1, 1, 0, 0, 0)


def guid(card_id: str) -> str:
    """The note's GUID, from the card id alone: it must never change, or Anki sees a new note."""
    return genanki.guid_for("redeck", card_id)


def deck_id(name: str) -> int:
    """A stable deck id from the deck's name, below 2**53 so Anki's JavaScript can hold it."""
    return (1 << 48) + int.from_bytes(hashlib.blake2b(name.encode(), digest_size=6).digest(), "big")


class _Model(genanki.Model):
    """A genanki model whose modification time is its own, not the build's."""

    def __init__(self, note_type: NoteType, mod: int) -> None:
        super().__init__(
            model_id=note_type.id,
            name=note_type.name,
            fields=[{"name": name} for name in note_type.fields],
            templates=[{"name": name, "qfmt": q, "afmt": a} for name, q, a in note_type.templates],
            css=note_type.css,
            model_type=genanki.Model.CLOZE if note_type.cloze else genanki.Model.FRONT_BACK,
        )
        self.mod = mod

    def to_json(self, timestamp: float, deck_id: int) -> dict[str, Any]:
        # Anki applies template and CSS changes only from a newer note type (ANKI_IMPORT.md rule 4).
        data = super().to_json(timestamp, deck_id)
        data["mod"] = self.mod
        return data


class _Note(genanki.Note):
    """A genanki note with its own modification time.

    genanki stamps every note with the package's one timestamp (ANKI_IMPORT.md rule 8), which
    makes Anki report every note "updated", or, pinned, skip real edits. This writes the row the
    way genanki's ``Note.write_to_db`` does, with the note's own time.
    """

    def __init__(self, mod: int, ordinals: tuple[int, ...], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mod = mod
        self.ordinals = ordinals

    def write_to_db(self, cursor: sqlite3.Cursor, timestamp: float, deck_id: int, id_gen: Any) -> None:
        cursor.execute(
            "INSERT INTO notes VALUES(?,?,?,?,?,?,?,?,?,?,?);",
            (
                next(id_gen),
                self.guid,
                self.model.model_id,
                self.mod,
                -1,
                self._format_tags(),
                self._format_fields(),
                self.sort_field,
                0,
                0,
                "",
            ),
        )
        note_id = cursor.lastrowid
        # We know each note's cards already; genanki would re-render the templates per note to find them.
        for ordinal in self.ordinals:
            genanki.Card(ordinal).write_to_db(cursor, self.mod, deck_id, note_id, id_gen, self.due)


def card_ordinals(note: Note) -> tuple[int, ...]:
    """The template ordinals Anki makes cards for: front, plus back if reversed; one per cloze number."""
    if note.notetype == "cloze":
        return tuple(sorted({int(n) - 1 for n in CLOZE_NUMBER.findall(note.fields[0])}))
    return (0, 1) if note.fields[4] else (0,)


def package_bytes(
    notes: Iterable[Note],
    note_types: dict[str, NoteType],
    note_mods: dict[str, int],
    type_mods: dict[str, int],
    media: dict[str, Path],
) -> bytes:
    """The .apkg bytes for these notes (in source order); the same input gives the same bytes.

    ``note_mods`` maps card ids and ``type_mods`` note-type keys to modification times;
    ``media`` maps the names used in fields to the files to pack.
    """
    models = {key: _Model(nt, type_mods[key]) for key, nt in note_types.items()}
    decks: dict[str, genanki.Deck] = {}
    for position, note in enumerate(notes, start=1):
        deck = decks.get(note.deck)
        if deck is None:
            deck = decks[note.deck] = genanki.Deck(deck_id(note.deck), note.deck)
        # `due` is a new card's position in Anki's new queue: keep source order.
        deck.add_note(
            _Note(
                note_mods[note.card_id],
                card_ordinals(note),
                model=models[note.notetype],
                fields=list(note.fields),
                tags=list(note.tags),
                guid=guid(note.card_id),
                due=position,
            )
        )
    package = genanki.Package([decks[name] for name in sorted(decks)])
    return _zip(_database(package), media)


def _database(package: genanki.Package) -> bytes:
    conn = sqlite3.connect(":memory:")
    try:
        package.write_to_db(conn.cursor(), 0, itertools.count(ID_BASE))
        conn.commit()
        return conn.serialize()
    finally:
        conn.close()


def _zip(database: bytes, media: dict[str, Path]) -> bytes:
    """A deflated zip with fixed entry times and order (genanki uses the clock and stores uncompressed)."""
    names = sorted(media)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        _add(archive, "collection.anki2", database)
        _add(archive, "media", json.dumps({str(i): name for i, name in enumerate(names)}).encode())
        for i, name in enumerate(names):
            _add(archive, str(i), media[name].read_bytes())
    return buffer.getvalue()


def _add(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)

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
from genanki.package import APKG_COL, APKG_SCHEMA

from redeck.model import CLOZE_NUMBER, Note
from redeck.notetypes import NoteType

# Anki uses note and card ids only as creation times and renumbers clashes on import; notes
# are matched by GUID. A fixed base keeps the package byte-identical from build to build.
ID_BASE = 1_700_000_000_000
ZIP_TIME = (2020, 1, 1, 0, 0, 0)
# Deflate's fastest level: a third of the default level's time for a package about 10% larger.
ZIP_LEVEL = 1


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
    guids: dict[str, str] | None = None,
) -> bytes:
    """The .apkg bytes for these notes (in source order); the same input gives the same bytes.

    ``note_mods`` maps card ids and ``type_mods`` note-type keys to modification times;
    ``media`` maps the names used in fields to the files to pack; ``guids`` may give GUIDs
    already computed (by card id), saving the hash.
    """
    models = {key: _Model(nt, type_mods[key]) for key, nt in note_types.items()}
    by_deck: dict[str, list[tuple[int, Note]]] = {}
    # `due` is a new card's position in Anki's new queue: keep source order.
    for position, note in enumerate(notes, start=1):
        by_deck.setdefault(note.deck, []).append((position, note))
    return _zip(_database(by_deck, models, note_mods, guids or {}), media)


# The notes and cards columns in genanki's order; constants are written as literals, not bound per row.
NOTE_INSERT = "INSERT INTO notes VALUES(?,?,?,?,-1,?,?,?,0,0,'')"  # id guid mid mod usn tags flds sfld csum flags data
CARD_INSERT = "INSERT INTO cards VALUES(?,?,?,?,?,-1,0,0,?,0,0,0,0,0,0,0,0,'')"  # id nid did ord mod usn type queue due ...


def _database(
    by_deck: dict[str, list[tuple[int, Note]]], models: dict[str, _Model], note_mods: dict[str, int], guids: dict[str, str]
) -> bytes:
    """The collection database: genanki's schema, decks and note types, then every note and card in one pass.

    genanki's own ``Note.write_to_db`` stamps every note with the package's one time (ANKI_IMPORT.md
    rule 8) and renders the templates once per note to find its cards, and its ``Deck.write_to_db``
    rewrites the whole deck list once per deck; we know each note's time and card ordinals, so the
    rows are written here, with the values genanki writes.
    """
    decks: dict[str, Any] = {}
    model_json: dict[str, Any] = {}
    ids = itertools.count(ID_BASE)
    note_rows = []
    card_rows = []
    for name, deck_notes in sorted(by_deck.items()):
        did = deck_id(name)
        decks[str(did)] = genanki.Deck(did, name).to_json()
        for key in sorted({note.notetype for _, note in deck_notes}):
            model_json[str(models[key].model_id)] = models[key].to_json(0, did)
        for due, note in deck_notes:
            note_id = next(ids)
            mod = note_mods[note.card_id]
            fields = note.fields
            note_guid = guids.get(note.card_id) or guid(note.card_id)
            tags = " " + " ".join(note.tags) + " "
            note_rows.append((note_id, note_guid, models[note.notetype].model_id, mod, tags, "\x1f".join(fields), fields[0]))
            for ordinal in card_ordinals(note):
                card_rows.append((next(ids), note_id, did, ordinal, mod, due))
    conn = sqlite3.connect(":memory:")
    try:
        cursor = conn.cursor()
        cursor.executescript(APKG_SCHEMA)
        cursor.executescript(APKG_COL)
        col_decks, col_models = cursor.execute("SELECT decks, models FROM col").fetchone()
        cursor.execute(
            "UPDATE col SET decks = ?, models = ?",
            (json.dumps({**json.loads(col_decks), **decks}), json.dumps({**json.loads(col_models), **model_json})),
        )
        # Building the indexes once after the inserts is cheaper than updating them row by row.
        indexes = cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL").fetchall()
        for name, _sql in indexes:
            cursor.execute(f"DROP INDEX {name}")
        cursor.executemany(NOTE_INSERT, note_rows)
        cursor.executemany(CARD_INSERT, card_rows)
        for _name, sql in indexes:
            cursor.execute(sql)
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
    archive.writestr(info, data, compresslevel=ZIP_LEVEL)

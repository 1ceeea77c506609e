"""Package: notes → fragments (SQLite rows, one per card file) → a deterministic Anki package (.apkg)."""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import genanki
from genanki.package import APKG_COL, APKG_SCHEMA

from redeck.media import read_media
from redeck.model import Note, card_ordinals
from redeck.notetypes import NoteType
from redeck.output import OLD_PACKAGE_TIME, PACKAGE_MARK

# Anki uses note and card ids only as creation times and renumbers clashes on import; notes
# are matched by GUID. A fixed base keeps the package byte-identical from build to build.
ID_BASE = 1_700_000_000_000
ZIP_TIME = OLD_PACKAGE_TIME  # fixed entry times keep the bytes the same from build to build
# Deflate's fastest level: a third of the default level's time for a package about 10% larger.
ZIP_LEVEL = 1
# Like the note types' ids, the preset's never changes: Anki matches an imported preset by id.
PRESET_ID = 1732540803
# Anki's deck-options values (DeckConfig.Config in the anki library): gather new cards by position
# across subdecks, and show them in the order gathered.
GATHER_LOWEST_POSITION = 1
SORT_ORDER_GATHERED = 1


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
        # Anki applies template and CSS changes only from a newer note type (docs/anki-importer.md, rule 4).
        data = super().to_json(timestamp, deck_id)
        data["mod"] = self.mod
        return data


@dataclass(frozen=True)
class Fragment:
    """Some notes and their cards as rows of a small SQLite database, numbered from 0.

    Each card file becomes one fragment (in parallel, and cached); ``package_bytes`` stitches
    them in order into one collection, renumbering as it copies.
    """

    database: bytes
    notes: int
    cards: int
    deck_notetypes: tuple[tuple[str, str], ...]  # the (deck, note type) pairs used


# Only the columns that vary; `_stitch` writes genanki's constant values for the others.
FRAGMENT_SCHEMA = """
CREATE TABLE notes (id INTEGER PRIMARY KEY, guid, mid, mod, tags, flds, sfld);
CREATE TABLE cards (id INTEGER PRIMARY KEY, nid, did, ord, mod);
"""


def fragment(notes: Sequence[Note], mods: Sequence[int], guids: Sequence[str], note_types: Mapping[str, NoteType]) -> Fragment:
    """The rows for these notes (in source order), with their modification times and GUIDs.

    genanki's own ``Note.write_to_db`` stamps every note with the package's one time (docs/anki-importer.md,
    rule 12) and renders the templates once per note to find its cards; we know each note's time and
    card ordinals, so the rows are written here, with the values genanki writes.
    """
    note_rows: list[tuple[object, ...]] = []
    card_rows: list[tuple[int, int, int, int, int]] = []
    deck_ids: dict[str, int] = {}
    for index, (note, mod, note_guid) in enumerate(zip(notes, mods, guids, strict=True)):
        fields = note.fields
        tags = " " + " ".join(note.tags) + " "
        note_rows.append((index, note_guid, note_types[note.notetype].id, mod, tags, "\x1f".join(fields), fields[0]))
        did = deck_ids.get(note.deck) or deck_ids.setdefault(note.deck, deck_id(note.deck))
        cloze = fields[0] if note.notetype == "cloze" else None
        for ordinal in card_ordinals(cloze, reverse=cloze is None and bool(fields[4])):
            card_rows.append((len(card_rows), index, did, ordinal, mod))
    conn = sqlite3.connect(":memory:")
    try:
        conn.executescript(FRAGMENT_SCHEMA)
        conn.executemany("INSERT INTO notes VALUES(?,?,?,?,?,?,?)", note_rows)
        conn.executemany("INSERT INTO cards VALUES(?,?,?,?,?)", card_rows)
        conn.commit()
        database = conn.serialize()
    finally:
        conn.close()
    return Fragment(
        database,
        notes=len(note_rows),
        cards=len(card_rows),
        deck_notetypes=tuple(dict.fromkeys((note.deck, note.notetype) for note in notes)),
    )


@dataclass(frozen=True)
class Preset:
    """The deck options preset the package carries, with the id it always has.

    Anki applies it when the learner ticks "Import any deck presets" (and `redeck sync` applies it):
    new cards in study order (lowest position first, across subdecks), new siblings buried, a daily limit.
    """

    name: str
    new_per_day: int
    mod: int = 0

    def to_json(self, base: dict[str, Any]) -> dict[str, Any]:
        """The preset as the collection's ``dconf`` holds it, from genanki's default group ``base``."""
        return {
            **base,
            "id": PRESET_ID,
            "name": self.name,
            "mod": self.mod,
            "new": {**base["new"], "bury": True, "perDay": self.new_per_day},
            "rev": {**base["rev"], "bury": True},
            "buryInterdayLearning": True,
            "newGatherPriority": GATHER_LOWEST_POSITION,
            "newSortOrder": SORT_ORDER_GATHERED,
        }

    @property
    def digest(self) -> str:
        return hashlib.blake2b(repr((self.name, self.new_per_day, GATHER_LOWEST_POSITION)).encode(), digest_size=8).hexdigest()


@dataclass(frozen=True)
class Decks:
    """What the package says about its decks besides their names: descriptions (HTML) and the preset."""

    descriptions: Mapping[str, str] = field(default_factory=dict)
    preset: Preset | None = None


def package_bytes(
    fragments: Iterable[Fragment],
    note_types: Mapping[str, NoteType],
    type_mods: dict[str, int],
    media: dict[str, Path],
    decks: Decks = Decks(),  # noqa: B008  a frozen, empty default
) -> bytes:
    """The .apkg bytes for the notes of these fragments, in order; the same input gives the same bytes.

    ``type_mods`` maps note-type keys to modification times; ``media`` maps the names used in
    fields to the files to pack.
    """
    return _zip(_database(list(fragments), note_types, type_mods, decks), media)


def _deck_names(fragments: list[Fragment], decks: Decks) -> list[str]:
    """Every deck the package holds: those with notes, those described, and (with a preset) their parents too."""
    names = {name for f in fragments for name, _key in f.deck_notetypes} | set(decks.descriptions)
    if decks.preset is not None:  # so that every level, not only the ones with notes, gets the preset
        names |= {"::".join(name.split("::")[:depth]) for name in names for depth in range(1, name.count("::") + 1)}
    return sorted(names)


def _database(fragments: list[Fragment], note_types: Mapping[str, NoteType], type_mods: dict[str, int], decks: Decks) -> bytes:
    """The collection: genanki's schema, decks and note types, then every fragment's rows."""
    models = {key: _Model(nt, type_mods[key]) for key, nt in note_types.items()}
    # As genanki writes them: decks in name order, each note type naming the last deck it was written with.
    pairs = sorted({pair for f in fragments for pair in f.deck_notetypes})
    deck_json = {}
    for name in _deck_names(fragments, decks):
        deck = genanki.Deck(deck_id(name), name, description=decks.descriptions.get(name, "")).to_json()
        if decks.preset is not None:
            deck["conf"] = PRESET_ID
        deck_json[str(deck_id(name))] = deck
    model_json = {str(models[key].model_id): models[key].to_json(0, deck_id(name)) for name, key in pairs}
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        conn.executescript(APKG_SCHEMA)
        conn.executescript(APKG_COL)
        col_decks, col_models, col_dconf = conn.execute("SELECT decks, models, dconf FROM col").fetchone()
        dconf = json.loads(col_dconf)
        if decks.preset is not None:
            dconf[str(PRESET_ID)] = decks.preset.to_json(dconf["1"])
        conn.execute(
            "UPDATE col SET decks = ?, models = ?, dconf = ?",
            (json.dumps({**json.loads(col_decks), **deck_json}), json.dumps({**json.loads(col_models), **model_json}),
             json.dumps(dconf)),
        )  # fmt: skip
        # Building the indexes once after the inserts is cheaper than updating them row by row.
        indexes = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL").fetchall()
        for name, _sql in indexes:
            conn.execute(f"DROP INDEX {name}")
        _stitch(conn, fragments)
        for _name, sql in indexes:
            conn.execute(sql)
        return conn.serialize()
    finally:
        conn.close()


def _stitch(conn: sqlite3.Connection, fragments: list[Fragment]) -> None:
    """Copy every fragment's rows in order: notes get ids from ID_BASE, then cards; `due` is source order."""
    note_base, card_base = ID_BASE, ID_BASE + sum(f.notes for f in fragments)
    for f in fragments:
        conn.execute("ATTACH ':memory:' AS fragment")
        conn.deserialize(f.database, name="fragment")
        offsets = {"note": note_base, "card": card_base, "due": note_base - ID_BASE + 1}
        conn.execute("BEGIN")
        conn.execute(
            "INSERT INTO notes SELECT id + :note, guid, mid, mod, -1, tags, flds, sfld, 0, 0, '' FROM fragment.notes ORDER BY id",
            offsets,
        )
        conn.execute(
            "INSERT INTO cards SELECT id + :card, nid + :note, did, ord, mod, -1, 0, 0, nid + :due, 0, 0, 0, 0, 0, 0, 0, 0, ''"
            " FROM fragment.cards ORDER BY id",
            offsets,
        )
        conn.execute("COMMIT")
        conn.execute("DETACH fragment")
        note_base += f.notes
        card_base += f.cards


def _zip(database: bytes, media: dict[str, Path]) -> bytes:
    """A deflated zip with fixed entry times and order (genanki uses the clock and stores uncompressed)."""
    names = sorted(media)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.comment = PACKAGE_MARK
        _add(archive, "collection.anki2", database)
        _add(archive, "media", json.dumps({str(i): name for i, name in enumerate(names)}).encode())
        for i, name in enumerate(names):
            _add(archive, str(i), read_media(media[name]))
    return buffer.getvalue()


def _add(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data, compresslevel=ZIP_LEVEL)

"""Edits: which notes were edited in Anki since redeck last wrote them, which changed in the cards, which both.

Anki's importer overwrites a note only when the package's copy is newer (docs/anki-importer.md,
rule 2), so left to itself it either overwrites a learner's edit without a word (the card changed
later) or skips a card's change without a word (the learner's edit is newer). `redeck sync` records,
in the collection itself, the digest of the fields it last wrote for each note; comparing that with
the collection and with the new package tells the cases apart exactly. The record is a media file,
``_redeck-written.json``: both back ends (Anki's library, AnkiConnect) can read and write it, Anki keeps
files whose name starts with "_" although no card shows them, and it travels with the collection.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from redeck.model import excerpt
from redeck.render import plain_text

STATE_FILE = "_redeck-written.json"  # {guid: digest of the fields redeck last wrote}, in the collection's media
Prefer = Literal["ask", "anki", "cards"]


def fields_digest(fields: Iterable[str]) -> str:
    """The digest of a note's fields as Anki keeps them (NFC)."""
    h = hashlib.blake2b(digest_size=8)
    for value in fields:
        h.update(unicodedata.normalize("NFC", value).encode())
        h.update(b"\x1f")
    return h.hexdigest()


@dataclass(frozen=True)
class NoteEdit:
    """One note whose copy in the collection and copy in the package differ, and why."""

    card_id: str
    kind: Literal["anki", "cards", "both"]  # edited in Anki, changed in the cards, or both (a conflict)
    field_names: tuple[str, ...]
    anki_fields: tuple[str, ...]
    package_fields: tuple[str, ...]
    anki_newer: bool  # the collection's copy is newer than the package's: an import would skip this note

    def diff(self) -> str:
        """A short field-level diff: ``Back: 'old' → 'new'`` for each field that differs."""
        parts = []
        for name, ours, theirs in zip(self.field_names, self.package_fields, self.anki_fields, strict=True):
            if unicodedata.normalize("NFC", ours) != unicodedata.normalize("NFC", theirs):
                if plain_text(ours) != plain_text(theirs):
                    ours, theirs = plain_text(ours), plain_text(theirs)
                parts.append(f"{name}: '{excerpt(ours, 40)}' → '{excerpt(theirs, 40)}'")
        return "; ".join(parts)


def classify(
    anki: Mapping[str, tuple[str, tuple[str, ...], int]],
    package: Mapping[str, tuple[str, tuple[str, ...], int]],
    written: Mapping[str, str],
    field_names: Mapping[str, tuple[str, ...]],
) -> list[NoteEdit]:
    """The notes whose collection copy differs from the package, each with what happened.

    ``anki`` and ``package`` map a GUID to (card id, fields, modification time); ``written`` is the
    digest redeck last wrote for each GUID into this collection (empty before the first sync); the
    note type's field names come from ``field_names``, by card id.
    """
    edits = []
    for g, (card_id, pkg_fields, pkg_mod) in package.items():
        if g not in anki:
            continue
        _id, anki_fields, anki_mod = anki[g]
        ours, theirs = fields_digest(pkg_fields), fields_digest(anki_fields)
        if ours == theirs:
            continue
        last = written.get(g)
        if last is not None:
            edited_in_anki, changed_in_cards = theirs != last, ours != last
        else:  # never synced: only the times tell; a copy newer than the package was edited after it arrived
            edited_in_anki, changed_in_cards = anki_mod > pkg_mod, anki_mod <= pkg_mod
        kind: Literal["anki", "cards", "both"] = (
            "both" if edited_in_anki and changed_in_cards else "anki" if edited_in_anki else "cards"
        )
        edits.append(NoteEdit(card_id, kind, field_names[card_id], anki_fields, pkg_fields, anki_mod >= pkg_mod))
    return edits


def load_written(backend: Any) -> dict[str, str]:
    """What redeck last wrote into this collection, by GUID (empty before its first sync, or if unreadable)."""
    data = backend.read_media(STATE_FILE)
    try:
        state = json.loads(data) if data else {}
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in state.items()} if isinstance(state, dict) else {}


def save_written(backend: Any, state: Mapping[str, str]) -> None:
    backend.write_media(STATE_FILE, json.dumps(dict(sorted(state.items())), separators=(",", ":")).encode())

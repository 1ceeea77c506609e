"""Sync: write a collection directly, for what an import cannot do (move cards, remove deleted ones).

Needs the ``anki`` library (``pip install 'redeck[sync]'``). Anki must be closed: the collection is
refused while another process has it open.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from redeck.build import BuildResult, build
from redeck.edits import NoteEdit, Prefer, classify, fields_digest, save_written_state, written_state
from redeck.model import Card, RedeckError
from redeck.notetypes import BASIC_ID, CLOZE_ID
from redeck.package import guid

Stale = Literal["keep", "prune", "suspend"]
# Deleting more than this share of redeck's notes in a collection needs ``confirm_many``: a tree read
# from the wrong folder, or half of it missing, must not take the learner's review history with it.
MAX_PRUNE_SHARE = 0.10
# ... and more than this many notes: removing a few cards from a small deck is ordinary.
MAX_PRUNE_UNCONFIRMED = 10
SQLITE_HEADER = b"SQLite format 3\x00"
ZIP_HEADER = b"PK\x03\x04"


class SyncError(RedeckError):
    """A sync that cannot start or go on: the collection is missing, locked or not a collection, or a prune too big."""


class PruneTooLarge(SyncError):
    """A prune that would delete a large share of the collection's notes, without ``confirm_many``."""


@dataclass(frozen=True)
class Move:
    card_id: str
    from_deck: str
    to_deck: str
    anki_cards: int


@dataclass(frozen=True)
class StaleNote:
    """A note of our note types whose id is no longer in the cards."""

    front: str
    anki_cards: int


@dataclass
class SyncReport:
    """What a sync did (or, with ``dry_run``, would do)."""

    build: BuildResult
    dry_run: bool = False
    stale_action: Stale = "keep"
    new: int = 0
    updated: int = 0
    moves: list[Move] = field(default_factory=list)
    stale: list[StaleNote] = field(default_factory=list)
    emptied: int = 0  # cards of redeck's notes left empty (a cloze that lost a deletion), removed
    edits: list[NoteEdit] = field(default_factory=list)  # notes whose collection copy differs from the package
    prefer: Prefer = "ask"

    @property
    def conflicts(self) -> list[NoteEdit]:
        """Notes edited both in Anki and in the cards, that no ``prefer`` resolved (Anki's copy was kept)."""
        return [e for e in self.edits if e.kind == "both" and self.prefer == "ask"]


def sync(
    cards_dir: Path,
    collection_path: Path,
    package: Path,
    stale: Stale = "keep",
    dry_run: bool = False,
    confirm_many: bool = False,
    prefer: Prefer = "ask",
) -> SyncReport:
    """Build the package, import it into the collection, move cards whose deck changed, handle stale notes.

    Nothing in the collection changes if the build finds any error; a prune of more than a tenth of
    redeck's notes (and more than ten) needs ``confirm_many``. A note edited in Anki keeps Anki's
    copy, even when its card changed too (a conflict), unless ``prefer`` is "cards"; a card's change
    that the import would skip (Anki's copy is newer) is written directly, unless ``prefer`` is "anki".
    """
    inspect_collection(collection_path)
    # A dry run only reads: no package, no lock file, no collection write.
    result = build(cards_dir, package, dry_run=dry_run, keep_cards=True, keep_notes=True, protected=(collection_path,))
    report = SyncReport(result, dry_run=dry_run, stale_action=stale, prefer=prefer)
    if not result.ok or result.run is None:
        return report
    cards = result.run.cards
    col = open_collection(collection_path)
    try:
        by_guid = {guid(card.id.value): card for card in cards}
        existing = _our_notes(col)
        report.moves = _planned_moves(col, existing, by_guid)
        report.stale = [
            StaleNote(_plain(note.fields[0]), len(note.card_ids())) for g, note in sorted(existing.items()) if g not in by_guid
        ]
        report.new = sum(1 for g in by_guid if g not in existing)
        packaged = _packaged(result)
        written = written_state(col)
        report.edits = classify(
            {g: (note.guid, tuple(note.fields), note.mod) for g, note in existing.items()}, packaged, written,
            {n.card_id: FIELD_NAMES[n.notetype] for n in result.run.notes},
        )  # fmt: skip
        if stale == "prune" and not confirm_many and _too_many(len(report.stale), len(existing)):
            raise PruneTooLarge(
                collection_path,
                f"would delete {len(report.stale)} of its {len(existing)} redeck notes and their review history; "
                "check the card folder, or confirm",
            )
        if dry_run:
            return report
        report.new, report.updated = _import(col, package)
        _settle_edits(col, existing, report.edits, prefer)
        save_written_state(col, _now_written(written, packaged, report.edits, prefer))
        _apply_moves(col, existing, by_guid)
        _reposition_new_cards(col, [guid(card.id.value) for card in cards])
        report.emptied = _remove_empty_cards(col)
        stale_ids = [note.id for g, note in existing.items() if g not in by_guid]
        if stale == "prune" and stale_ids:
            col.remove_notes(stale_ids)
        elif stale == "suspend" and stale_ids:
            col.sched.suspend_cards([cid for nid in stale_ids for cid in col.get_note(nid).card_ids()])
    finally:
        col.close()
    return report


def _too_many(deleting: int, ours: int) -> bool:
    return deleting > MAX_PRUNE_UNCONFIRMED and deleting > MAX_PRUNE_SHARE * ours


def inspect_collection(path: Path) -> None:
    """Raise `SyncError` unless ``path`` is a writable Anki collection, without opening it for writing.

    Anki's library would write its tables into any SQLite file it is given, and report a file it
    cannot write as "locked": look first, and say what the file is.
    """
    import sqlite3

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
            raise SyncError(path, "collection is open in Anki or locked; close Anki and try again") from exc
        raise SyncError(path, f"not an Anki collection ({exc})") from exc
    if not {"col", "notes", "cards"} <= tables:
        raise SyncError(path, f"a SQLite database, but not an Anki collection ({where})")
    if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
        raise SyncError(path, "collection is read-only; sync writes to it (check its permissions)")


def open_collection(path: Path):  # -> anki.collection.Collection
    try:
        from anki.collection import Collection
        from anki.errors import DBError
    except ImportError as exc:
        raise SyncError("redeck", f"sync needs Anki's library; install it with: pip install 'redeck[sync]' ({exc})") from exc

    inspect_collection(path)
    try:
        return Collection(str(path))
    except DBError as exc:
        raise SyncError(path, f"collection is open in Anki or locked ({exc}); close Anki and try again") from exc
    except Exception as exc:  # the backend raises several types for a file it cannot open
        raise SyncError(path, f"cannot open collection: {exc}") from exc


def _our_notes(col) -> dict:
    """Notes of redeck's note types, by GUID."""
    notes = {}
    for notetype_id in (BASIC_ID, CLOZE_ID):
        if col.models.get(notetype_id) is None:
            continue
        for nid in col.models.nids(notetype_id):
            note = col.get_note(nid)
            notes[note.guid] = note
    return notes


def _planned_moves(col, existing: dict, by_guid: dict[str, Card]) -> list[Move]:
    moves = []
    for g, note in sorted(existing.items()):
        card = by_guid.get(g)
        if card is None:
            continue
        decks = {col.decks.name(c.odid or c.did) for c in note.cards()}
        for deck in sorted(decks - {card.deck.value}):
            count = sum(1 for c in note.cards() if col.decks.name(c.odid or c.did) == deck)
            moves.append(Move(card.id.value, deck, card.deck.value, count))
    return moves


def _apply_moves(col, existing: dict, by_guid: dict[str, Card]) -> None:
    for g, note in existing.items():
        card = by_guid.get(g)
        if card is None:
            continue
        target = col.decks.id(card.deck.value)
        # Cards in a filtered deck keep their home deck in odid; moving them would pull them out of it.
        to_move = [c.id for c in note.cards() if not c.odid and c.did != target]
        if to_move:
            col.set_deck(to_move, target)


FIELD_NAMES = {"basic": ("Front", "Back", "Extra", "Source", "Reverse"), "cloze": ("Text", "Extra", "Source")}


def _packaged(result: BuildResult) -> dict[str, tuple[str, tuple[str, ...], int]]:
    """The package's notes by GUID: card id, fields and modification time."""
    assert result.run is not None
    mods = {line[0]: line[2] for line in result.run.stamps}
    return {guid(n.card_id): (n.card_id, n.fields, mods[n.card_id]) for n in result.run.notes}


def _keeps_anki(edit: NoteEdit, prefer: Prefer) -> bool:
    return edit.kind == "anki" or (edit.kind == "both" and prefer != "cards") or (edit.kind == "cards" and prefer == "anki")


def _settle_edits(col, existing: dict, edits: list[NoteEdit], prefer: Prefer) -> None:
    """After the import: put back what Anki's copy said where it is kept, write the card's where it wins."""
    by_id = {note.guid: note for note in existing.values()}
    for edit in edits:
        note = col.get_note(by_id[guid(edit.card_id)].id)
        wanted = edit.anki_fields if _keeps_anki(edit, prefer) else edit.package_fields
        if tuple(note.fields) != tuple(wanted):
            for index, value in enumerate(wanted):
                note.fields[index] = value
            col.update_note(note)


def _now_written(
    written: dict[str, str], packaged: dict[str, tuple[str, tuple[str, ...], int]], edits: list[NoteEdit], prefer: Prefer
) -> dict[str, str]:
    """What redeck has now written into the collection: the package's copy, except where Anki's was kept."""
    kept = {guid(e.card_id) for e in edits if _keeps_anki(e, prefer)}
    state = dict(written)
    for g, (_card_id, fields, _mod) in packaged.items():
        if g not in kept or g not in state:
            state[g] = fields_digest(fields)
    return state


def _remove_empty_cards(col) -> int:
    """Remove the cards of redeck's notes that an update left with nothing to ask.

    When a cloze loses a deletion, Anki's import keeps the old card, blank (Tools → Empty Cards
    would remove it); a note redeck keeps always has at least one card that is not empty.
    """
    ours = {note.id for note in _our_notes(col).values()}
    empty = [cid for note in col.get_empty_cards().notes if note.note_id in ours for cid in note.card_ids]
    if empty:
        col.remove_cards_and_orphaned_notes(empty)
    return len(empty)


def _reposition_new_cards(col, guids_in_order: list[str]) -> None:
    """Put the collection's new cards of our notes in study order.

    An import leaves an existing card's position as the first import gave it, so a learner who
    imported an older layout would keep its order; the positions of cards already studied do not change.
    """
    by_guid = _our_notes(col)
    new_cards = [
        card.id
        for g in guids_in_order
        if g in by_guid
        for card in sorted(by_guid[g].cards(), key=lambda c: c.ord)
        if card.type == 0 and card.queue == 0  # new and not suspended or buried
    ]
    if new_cards:
        col.sched.reposition_new_cards(new_cards, starting_from=1, step_size=1, randomize=False, shift_existing=False)


def _import(col, package: Path) -> tuple[int, int]:
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    # The package's deck options preset (study order, siblings buried, daily limit) comes with it.
    options = ImportAnkiPackageOptions(with_scheduling=False, with_deck_configs=True)
    log = col.import_anki_package(ImportAnkiPackageRequest(package_path=str(package.resolve()), options=options)).log
    return len(log.new), len(log.updated)


def _plain(html_text: str, width: int = 70) -> str:
    from redeck.render import plain_text

    text = plain_text(html_text)
    return text if len(text) <= width else text[: width - 1] + "…"

"""Sync: import the package and make the changes an import cannot (moves, deletions, order), in any back end.

The plan is made once, here, from a snapshot of redeck's notes in the collection (`NoteState`) and
the package; a back end only reads that snapshot and carries out plain operations: a collection file
through Anki's library with Anki closed (collection.py), or the running Anki through AnkiConnect
(connect.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Literal, Protocol

from redeck.build import BuildResult, build
from redeck.collection import SyncError
from redeck.edits import NoteEdit, Prefer, classify, fields_digest, load_written, save_written
from redeck.package import guid

Stale = Literal["keep", "prune", "suspend"]
# Deleting more than this share of redeck's notes in a collection needs ``confirm_many``: a tree read
# from the wrong folder, or half of it missing, must not take the learner's review history with it.
MAX_PRUNE_SHARE = 0.10
# ... and more than this many notes: removing a few cards from a small deck is ordinary.
MAX_PRUNE_UNCONFIRMED = 10
FIELD_NAMES = {"basic": ("Front", "Back", "Extra", "Source", "Reverse"), "cloze": ("Text", "Extra", "Source")}


class PruneTooLarge(SyncError):
    """A prune that would delete a large share of the collection's notes, without ``confirm_many``."""


@dataclass(frozen=True)
class CardState:
    """One Anki card of a note, as a back end sees it."""

    id: int
    deck: str  # its home deck (a card in a filtered deck keeps its home there)
    ord: int
    new: bool  # new, and neither suspended nor buried
    filtered: bool = False
    due: int = 0  # a new card's position in the new queue


@dataclass(frozen=True)
class NoteState:
    """One note of redeck's note types, as a back end sees it."""

    id: int
    guid: str
    fields: tuple[str, ...]
    mod: int
    cards: tuple[CardState, ...]


class Backend(Protocol):
    """What sync needs of a collection; collection.py and connect.py provide it."""

    where: str  # the collection or URL, for messages
    key: str  # the collection file, to know it again

    def notes(self) -> dict[str, NoteState]: ...
    def import_package(self, package: Path) -> None: ...
    def set_fields(self, changes: dict[int, tuple[str, ...]]) -> None: ...
    def move(self, moves: dict[str, list[int]]) -> None: ...
    def reposition(self, card_ids: list[int]) -> None: ...
    def remove_cards(self, card_ids: list[int]) -> bool: ...
    def remove_notes(self, note_ids: list[int]) -> None: ...
    def suspend(self, card_ids: list[int]) -> None: ...
    def read_media(self, name: str) -> bytes | None: ...
    def write_media(self, name: str, data: bytes) -> None: ...
    def close(self) -> None: ...


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
    empty_left: int = 0  # such cards the back end cannot remove (AnkiConnect): Tools → Check Empty Cards does
    edits: list[NoteEdit] = field(default_factory=list)  # notes whose collection copy differs from the package
    prefer: Prefer = "ask"

    @property
    def conflicts(self) -> list[NoteEdit]:
        """Notes edited both in Anki and in the cards, that no ``prefer`` resolved (Anki's copy was kept)."""
        return [e for e in self.edits if e.kind == "both" and self.prefer == "ask"]


def sync(
    cards_dir: Path,
    open_backend: Callable[[], Backend],
    package: Path,
    stale: Stale = "keep",
    dry_run: bool = False,
    confirm_many: bool = False,
    prefer: Prefer = "ask",
    protected: tuple[Path, ...] = (),
) -> SyncReport:
    """Build the package, import it, then move, order, settle edits and handle notes that left the cards.

    Nothing in the collection changes if the build finds any error; a prune of more than a tenth of
    redeck's notes (and more than ten) needs ``confirm_many``. A note edited in Anki keeps Anki's
    copy, even when its card changed too (a conflict), unless ``prefer`` is "cards"; a card's change
    that the import would skip (Anki's copy is newer) is written directly, unless ``prefer`` is "anki".
    """
    backend = open_backend()  # first: a collection Anki holds, or an Anki that does not answer, stops here
    try:
        # A dry run only reads: no package, no lock file, no collection write.
        result = build(cards_dir, package, dry_run=dry_run, protected=protected)
        report = SyncReport(result, dry_run=dry_run, stale_action=stale, prefer=prefer)
        if result.ok:
            push(backend, result, report, stale, confirm_many)
        return report
    finally:
        backend.close()


def push(backend: Backend, result: BuildResult, report: SyncReport, stale: Stale = "keep", confirm_many: bool = False) -> None:
    """The plan for a built package and a collection, carried out by ``backend`` (only planned on a dry run)."""
    assert result.run is not None
    ids = {guid(line[0]): line[0] for line in result.run.stamps}  # the tree's notes: card id by GUID
    packaged = {g: n for g, n in notes_in_package(result.package).items() if g in ids}
    before = backend.notes()
    report.moves = planned_moves(before, packaged, ids)
    report.stale = [StaleNote(_plain(n.fields[0]), len(n.cards)) for g, n in sorted(before.items()) if g not in ids]
    report.new = sum(1 for g in ids if g not in before)
    written = load_written(backend)
    report.edits = classify(
        {g: (n.guid, n.fields, n.mod) for g, n in before.items()},
        {g: (ids[g], n.fields, n.mod) for g, n in packaged.items()},
        written,
        {ids[g]: FIELD_NAMES["basic" if len(n.fields) == 5 else "cloze"] for g, n in packaged.items()},
    )
    if stale == "prune" and not confirm_many and _too_many(len(report.stale), len(before)):
        raise PruneTooLarge(
            backend.where,
            f"would delete {len(report.stale)} of its {len(before)} redeck notes and their review history; "
            "check the card folder, or confirm",
        )
    if report.dry_run:
        return
    backend.import_package(result.output)
    after = backend.notes()
    report.new = sum(1 for g in after if g not in before)
    report.updated = sum(1 for g, n in after.items() if g in before and n.mod != before[g].mod)
    backend.set_fields(_settled(after, report.edits, report.prefer))
    save_written(backend, _now_written(written, packaged, report.edits, report.prefer))
    backend.move(_moves(after, packaged))
    order = [card for g in ids if g in after for card in after[g].cards if card.new]
    if any(a.due >= b.due for a, b in pairwise(order)):  # out of study order; setting positions is slow
        backend.reposition([card.id for card in order])
    empty = _empty_cards(after, packaged)
    if empty:
        if backend.remove_cards(empty):
            report.emptied = len(empty)
        else:
            report.empty_left = len(empty)
    stale_notes = [n for g, n in after.items() if g not in ids]
    if stale == "prune" and stale_notes:
        backend.remove_notes([n.id for n in stale_notes])
    elif stale == "suspend" and stale_notes:
        backend.suspend([c.id for n in stale_notes for c in n.cards])


def notes_in_package(data: bytes) -> dict[str, NoteState]:
    """redeck's notes in a package (or an export of a collection), with their cards, by GUID."""
    import io
    import json
    import sqlite3
    import tempfile
    import zipfile

    from redeck.notetypes import BASIC_ID, CLOZE_ID

    with zipfile.ZipFile(io.BytesIO(data)) as archive, tempfile.NamedTemporaryFile(suffix=".anki2") as db:
        names = archive.namelist()
        db.write(archive.read("collection.anki21" if "collection.anki21" in names else "collection.anki2"))
        db.flush()
        conn = sqlite3.connect(db.name)
        try:
            decks = {
                int(did): deck["name"] for did, deck in json.loads(conn.execute("SELECT decks FROM col").fetchone()[0]).items()
            }
            cards: dict[int, list[CardState]] = {}
            # A card in a filtered deck keeps its home position in odue.
            query = "SELECT id, nid, did, odid, ord, type, queue, CASE WHEN odid THEN odue ELSE due END FROM cards"
            for cid, nid, did, odid, ord_, type_, queue, due in conn.execute(query):
                cards.setdefault(nid, []).append(
                    CardState(cid, decks.get(odid or did, ""), ord_, type_ == 0 and queue == 0, bool(odid), due)
                )
            query = "SELECT id, guid, mod, flds FROM notes WHERE mid IN (?, ?)"
            return {
                g: NoteState(nid, g, tuple(flds.split("\x1f")), mod, tuple(sorted(cards.get(nid, []), key=lambda c: c.ord)))
                for nid, g, mod, flds in conn.execute(query, (BASIC_ID, CLOZE_ID))
            }
        finally:
            conn.close()


def _too_many(deleting: int, ours: int) -> bool:
    return deleting > MAX_PRUNE_UNCONFIRMED and deleting > MAX_PRUNE_SHARE * ours


def _deck_of(note: NoteState) -> str:
    return note.cards[0].deck if note.cards else ""


def planned_moves(notes: dict[str, NoteState], packaged: dict[str, NoteState], ids: dict[str, str]) -> list[Move]:
    """Each note whose cards sit in another deck than the package puts it in, per deck they sit in."""
    moves = []
    for g, note in sorted(notes.items()):
        if g in packaged:
            target = _deck_of(packaged[g])
            for deck in sorted({c.deck for c in note.cards} - {target}):
                moves.append(Move(ids[g], deck, target, sum(1 for c in note.cards if c.deck == deck)))
    return moves


def _moves(notes: dict[str, NoteState], packaged: dict[str, NoteState]) -> dict[str, list[int]]:
    """Card ids to move, by target deck. Cards in a filtered deck stay there (their home deck moves with the rest)."""
    moves: dict[str, list[int]] = {}
    for g, note in notes.items():
        if g in packaged:
            target = _deck_of(packaged[g])
            for c in note.cards:
                if c.deck != target and not c.filtered:
                    moves.setdefault(target, []).append(c.id)
    return moves


def _empty_cards(notes: dict[str, NoteState], packaged: dict[str, NoteState]) -> list[int]:
    """Cards an update left empty: the package has no card of their ordinal (a cloze that lost a deletion).

    Anki's import keeps them, blank; a note keeps at least one card, since the package gives it one.
    """
    empty = []
    for g, note in notes.items():
        if g in packaged:
            wanted = {c.ord for c in packaged[g].cards}
            empty += [c.id for c in note.cards if c.ord not in wanted]
    return empty


def _keeps_anki(edit: NoteEdit, prefer: Prefer) -> bool:
    return edit.kind == "anki" or (edit.kind == "both" and prefer != "cards") or (edit.kind == "cards" and prefer == "anki")


def _settled(notes: dict[str, NoteState], edits: list[NoteEdit], prefer: Prefer) -> dict[int, tuple[str, ...]]:
    """After the import: Anki's copy put back where it is kept, the card's written where it wins."""
    changes = {}
    for edit in edits:
        note = notes[guid(edit.card_id)]
        wanted = edit.anki_fields if _keeps_anki(edit, prefer) else edit.package_fields
        if note.fields != tuple(wanted):
            changes[note.id] = tuple(wanted)
    return changes


def _now_written(
    written: dict[str, str], packaged: dict[str, NoteState], edits: list[NoteEdit], prefer: Prefer
) -> dict[str, str]:
    """What redeck has now written into the collection: the package's copy, except where Anki's was kept."""
    kept = {guid(e.card_id) for e in edits if _keeps_anki(e, prefer)}
    state = dict(written)
    for g, note in packaged.items():
        if g not in kept or g not in state:
            state[g] = fields_digest(note.fields)
    return state


def _plain(html_text: str, width: int = 70) -> str:
    from redeck.render import plain_text

    text = plain_text(html_text)
    return text if len(text) <= width else text[: width - 1] + "…"

"""Release: what a released deck adds for learners who only import it: change tags, report links, tombstones, a summary.

Anki's importer updates notes and decks but never deletes and never says what changed
(docs/anki-importer.md). So, using only what it honours: each note is tagged with the release in
which its content last changed (``changed::2026.12``), each answer ends with a link that opens a
pre-filled issue, a card that left the tree ships as a *tombstone* (same note, its fields replaced by a
notice, tagged ``retired``, newer), and the top deck's overview says what the release changed.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from urllib.parse import quote

from redeck.lock import RETIRED, Stamp
from redeck.model import Note

RETIRED_TAG = "retired"
RETIRED_DECK = "Retired"  # under the top deck; letters sort after the numbered units, so it comes last
RETIRED_DECK_ABOUT = (
    "Cards removed from the deck, each with the reason. Nothing here is worth learning: delete these cards "
    "(search <code>tag:retired</code> in the browser, select all, delete)."
)


def changed_tag(release: str) -> str:
    return f"changed::{release}"


def report_url(template: str, card_id: str, place: str, release: str) -> str:
    """The report link for a card: ``template`` with {title}, {body}, {id}, {file}, {line} and {release} filled in.

    ``place`` is where the card was written when it last changed, so the link stays the same until the
    card changes, and the line is right in that release.
    """
    file, _, line = place.rpartition(":")
    title = f"Card {card_id}: "
    body = (
        f"Card: {card_id}\nFile: cards/{file}, line {line} (release {release})\n\nWhat is wrong, and the source that shows it:\n"
    )
    values = {"title": title, "body": body, "id": card_id, "file": file, "line": line, "release": release}
    return template.format_map({key: quote(value, safe="") for key, value in values.items()})


def released_note(note: Note, stamp: Stamp, report: str) -> Note:
    """The note as a released deck ships it: tagged with the release it last changed in, with the report link."""
    fields = note.fields
    if report and stamp.place and stamp.place != RETIRED:
        link = report_url(report, note.card_id, stamp.place, stamp.changed)
        anchor = f'<a class="re-report" href="{html.escape(link, quote=True)}">Report a problem</a>'
        source_at = 3 if note.notetype == "basic" else 2
        source = fields[source_at]
        fields = (*fields[:source_at], f"{source} {anchor}" if source else anchor, *fields[source_at + 1 :])
    tags = tuple(sorted({*note.tags, changed_tag(stamp.changed)})) if stamp.changed else note.tags
    return replace(note, fields=fields, tags=tags)


def tombstone(card_id: str, kind: str, top: str, release: str, reason: str) -> Note:
    """What a card that left the tree becomes: a short notice in the same note, found by one search."""
    notice = f"Retired in {html.escape(release)}: {html.escape(reason)}" if reason else f"Retired in {html.escape(release)}."
    how = "This card is no longer in the deck. Delete every retired card: search <code>tag:retired</code> in the browser."
    deck = f"{top}::{RETIRED_DECK}"
    tags = (changed_tag(release), RETIRED_TAG)
    if kind == "cloze":
        return Note(card_id, "cloze", deck, (f"{{{{c1::{notice}}}}}", how, ""), tags)
    return Note(card_id, "basic", deck, (notice, how, "", "", ""), tags)


def summary(release: str, stamps: Iterable[Stamp], notes: str = "") -> str:
    """The top deck's release note, as HTML: the release, what changed in it, and the maintainer's words."""
    counts = Counter(
        "retired" if s.place == RETIRED else "new" if s.added == release else "changed" for s in stamps if s.changed == release
    )
    parts = [f"{counts[kind]} {kind}" for kind in ("new", "changed", "retired")]
    text = (
        f"<p><b>Release {html.escape(release)}</b>: {', '.join(parts)} cards. Search <code>tag:{changed_tag(release)}</code> "
        f"for what changed, <code>tag:{RETIRED_TAG}</code> for what to delete.</p>"
    )
    return text + (f"<p>{notes}</p>" if notes else "")

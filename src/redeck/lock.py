"""Lock: when each note last changed, kept between builds in ``cards/redeck.lock``.

Anki updates an existing note only when the package's note is newer than its own, and counts
every newer note as "updated" (docs/anki-importer.md, rules 2 and 12). So each note's time moves
only when its rendered content does; the lock remembers content digests and times, and a fresh
clone with the same lock rebuilds the same bytes. This module is the only one that reads, stamps
or formats it; `build` saves it, together with the package.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote, unquote

from redeck.model import Problem, excerpt

LOCK_NAME = "redeck.lock"
# id, digest, time, and for a released deck: note type, release added, release changed, place; a time past
# 18 digits would not fit SQLite's integer: such a line is skipped
LOCK_LINE = re.compile(
    r"^[ \t]*([^#\s]\S*)[ \t]+(\S+)[ \t]+(\d{1,18})(?:[ \t]+(\S+)[ \t]+(\S+)[ \t]+(\S+)[ \t]+(\S+))?[ \t]*$", re.M
)
HEADER = (
    "# redeck.lock: when each note last changed (id, content digest, Unix time; in a released deck also its\n"
    "# note type, the releases it was added and last changed in, and where it was written then). Written by\n"
    "# `redeck build`; commit it beside the cards so that every clone builds the same package.\n"
)
NONE = "-"  # an empty column
RETIRED = "retired"  # the place of a note whose card left the tree: it ships as a tombstone
# A lock time later than the clock by more than this is refused: Anki would take that note as
# newer than every later edit (a contributed lock could freeze notes in every learner's collection).
MAX_CLOCK_AHEAD = 24 * 3600


class Stamp(NamedTuple):
    """A note's content digest and the time that content first appeared; in a released deck, more."""

    digest: str
    mod: int
    kind: str = ""  # the note type ("basic", "cloze"), which a tombstone must keep
    added: str = ""  # the release the note first shipped in
    changed: str = ""  # the release its content last changed in: its `changed::` tag
    place: str = ""  # "file:line" where its card was written when it last changed, or RETIRED


# (key, digest, time, kind, added, changed, place), as each compiled file carries its stamps (flat: it caches cheaply).
StampLine = tuple[str, str, int, str, str, str, str]


def digest(*parts: str | tuple[str, ...]) -> str:
    """A short digest of a note's rendered content."""
    h = hashlib.blake2b(digest_size=8)
    for part in parts:
        h.update(("\x1e".join(part) if isinstance(part, tuple) else part).encode())
        h.update(b"\x1d")
    return h.hexdigest()


def is_lock(path: str | Path) -> bool:
    """Whether ``path`` is a lock file (which builds write, so watching it would rebuild forever)."""
    return Path(path).name == LOCK_NAME


@dataclass(frozen=True)
class Lock:
    """The stamps of the last build, and the time this build gives to new or changed content."""

    path: Path
    stamps: Mapping[str, Stamp]
    now: int
    problems: tuple[Problem, ...] = ()  # lines whose time cannot be right
    release: str = ""  # the deck's release, from the deck file ("" if it declares none)

    def stamp(self, digests: Mapping[str, str], kinds: Mapping[str, str] | None = None,
              places: Mapping[str, str] | None = None) -> dict[str, Stamp]:  # fmt: skip
        """New stamps for these digests: unchanged content keeps its stamp, changed or new content gets ``now``.

        A changed note's time always moves forward, even within the same second, so Anki takes the update.
        In a released deck a changed note also gets the release and the place it is written at now; a note
        stamped before the deck had releases counts as changed once, so that it gets its ``changed::`` tag.
        """
        stamps = {}
        for key, content in digests.items():
            previous = self.stamps.get(key)
            released = self.release and kinds is not None  # notes carry releases; note types and the preset do not
            if previous and previous.digest == content and (previous.changed or not released):
                stamps[key] = previous
                continue
            mod = max(self.now, previous.mod + 1) if previous else self.now
            if not released:
                stamps[key] = Stamp(content, mod)
                continue
            added = previous.added if previous and previous.added and previous.place != RETIRED else self.release
            kind, place = (kinds or {}).get(key, ""), (places or {}).get(key, "")
            stamps[key] = Stamp(content, mod, kind, added, self.release, place)
        return stamps

    def holds(self, stamps: Iterable[StampLine]) -> bool:
        """Whether these stamps are exactly what the lock file holds (so a cached result is still right)."""
        return all(self.stamps.get(line[0]) == line[1:] for line in stamps)

    def changed(self, stamps: Iterable[StampLine]) -> list[str]:
        """The keys of these stamps that are new or differ from the lock file."""
        return [line[0] for line in stamps if self.stamps.get(line[0]) != line[1:]]

    def gone(self, present: Iterable[str]) -> dict[str, Stamp]:
        """The stamps of notes whose key is not among ``present``: cards that left the tree (note types aside)."""
        keep = set(present)
        return {key: s for key, s in self.stamps.items() if key not in keep and ":" not in key}

    def contents(self, stamps: Iterable[StampLine]) -> bytes:
        """The lock file for these stamps, one line each, sorted by key."""
        # A space sorts before every character a key may hold, so sorting the lines sorts the keys.
        return (HEADER + "".join(sorted(_line(*stamp) for stamp in stamps))).encode()


def line_of(key: str, stamp: Stamp) -> StampLine:
    return (key, *stamp)


def _line(key: str, content: str, mod: int, kind: str = "", added: str = "", changed: str = "", place: str = "") -> str:
    if not (kind or added or changed or place):
        return f"{key} {content} {mod}\n"
    return f"{key} {content} {mod} {kind or NONE} {added or NONE} {changed or NONE} {quote(place, safe='/:') or NONE}\n"


def read_lock(cards_dir: Path, now: int, release: str = "") -> Lock:
    """The lock file of a card tree; a missing or unreadable file is empty.

    Unreadable lines (say, merge-conflict markers) are skipped, and where a merge left two lines
    for one key the later time wins: the next build writes a clean file either way. A time ahead
    of ``now`` by more than a day is a problem at its line.
    """
    path = cards_dir / LOCK_NAME
    if path.is_symlink() or (path.exists() and not path.is_file()):
        # It is written by a rename, which would replace a link rather than follow it; and read, it could
        # show what it points to outside the card tree.
        problem = Problem(str(path), 1, 1, "error", "lock", "the lock file must be a regular file, not a link or a folder")
        return Lock(path, {}, now, (problem,), release)
    try:
        text = path.read_text(encoding="utf-8-sig") if path.is_file() else ""
    except (OSError, UnicodeDecodeError):
        text = ""
    stamps: dict[str, Stamp] = {}
    problems = []
    for match in LOCK_LINE.finditer(text):
        key, content, mod_text, *extra = match.groups()
        kind, added, changed, place = ("" if value in (None, NONE) else value for value in extra)
        stamp = Stamp(content, int(mod_text), kind, added, changed, unquote(place))
        if stamp.mod > now + MAX_CLOCK_AHEAD:
            line = text.count("\n", 0, match.start(3)) + 1
            col = match.start(3) - (text.rfind("\n", 0, match.start(3)) + 1) + 1
            problems.append(
                Problem(
                    str(path),
                    line,
                    col,
                    "error",
                    "lock",
                    f"time {mod_text} of '{excerpt(key)}' is later than the clock ({now}); delete the line to restamp the note",
                )  # fmt: skip
            )
            continue
        if key not in stamps or stamps[key].mod < stamp.mod:
            stamps[key] = stamp
    return Lock(path, stamps, now, tuple(problems), release)

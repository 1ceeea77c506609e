"""Lock: the per-note modification times kept between builds in ``cards/redeck.lock``.

Anki updates an existing note only when the package's note is newer than its own, and counts
every newer note as "updated" (../shared/ANKI_IMPORT.md, rules 2 and 8). So each note's time
moves only when its rendered content does; the lock remembers content digests and times, and a
fresh clone with the same lock rebuilds the same bytes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

LOCK_NAME = "redeck.lock"
# id, digest, time; a time past 18 digits would not fit SQLite's integer: such a line is skipped
LOCK_LINE = re.compile(r"^[ \t]*([^#\s]\S*)[ \t]+(\S+)[ \t]+(\d{1,18})[ \t]*$", re.M)
HEADER = (
    "# redeck.lock: when each note last changed (id, content digest, Unix time). Written by\n"
    "# `redeck build`; commit it beside the cards so that every clone builds the same package.\n"
)


class Stamp(NamedTuple):
    """A note's content digest and the time that content first appeared."""

    digest: str
    mod: int


def digest(*parts: str | tuple[str, ...]) -> str:
    """A short digest of a note's rendered content."""
    h = hashlib.blake2b(digest_size=8)
    for part in parts:
        h.update(("\x1e".join(part) if isinstance(part, tuple) else part).encode())
        h.update(b"\x1d")
    return h.hexdigest()


def read_lock(path: Path) -> dict[str, Stamp]:
    """The stamps in a lock file; a missing file is empty.

    Unreadable lines (say, merge-conflict markers) are skipped, and where a merge left two lines
    for one key the later time wins: the next build writes a clean file either way.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return {}
    stamps: dict[str, Stamp] = {}
    for key, content, mod in LOCK_LINE.findall(text):
        stamp = Stamp(content, int(mod))
        if key not in stamps or stamps[key].mod < stamp.mod:
            stamps[key] = stamp
    return stamps


def restamp(old: dict[str, Stamp], digests: dict[str, str], now: int) -> dict[str, Stamp]:
    """New stamps for these digests: unchanged content keeps its time, changed or new content gets ``now``.

    A changed note's time always moves forward, even within the same second, so Anki takes the update.
    """
    stamps = {}
    for key, content in digests.items():
        previous = old.get(key)
        if previous and previous.digest == content:
            stamps[key] = previous
        else:
            stamps[key] = Stamp(content, max(now, previous.mod + 1) if previous else now)
    return stamps


def format_lock(stamps: Iterable[tuple[str, str, int]]) -> str:
    """The lock file for these (key, digest, time) stamps, one line each, sorted by key."""
    # A space sorts before every character a key may hold, so sorting the lines sorts the keys.
    return HEADER + "".join(sorted(f"{key} {digest} {mod}\n" for key, digest, mod in stamps))

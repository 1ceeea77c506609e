"""Media: the images a card names, found inside the card tree, named by content, and watched for changes."""

from __future__ import annotations

import hashlib
import html
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from redeck.model import Position, Problem, excerpt

# A URL with a scheme (https:, data:) or a network path (//host/x) is not a file of ours; it stays a link.
REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.I)
# Schemes that name this machine's files; the rest are left to the viewer.
LOCAL_SCHEME = re.compile(r"^file:", re.I)
MISSING = (-1, -1, -1, -1)

FileState = tuple[int, int, int, int]


def file_state(path: Path) -> FileState:
    """What tells that a file changed without reading it, as git's index does: a copy that keeps the
    modification time (``cp -p``, ``rsync -a``) still gets a new inode or change time. All -1 if missing."""
    try:
        st = path.stat()
    except (OSError, ValueError):
        return MISSING
    return (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino) if stat.S_ISREG(st.st_mode) else MISSING


def read_media(path: Path) -> bytes:
    """The bytes of a media file found by `Media.add`, refusing a file that became a link or a device since."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise OSError(f"{path}: not a regular file")
        return f.read()


def media_name(path: Path) -> str:
    """A flat, content-addressed name for a media file, so an edited image reaches Anki."""
    digest = hashlib.sha256(read_media(path)).hexdigest()[:12]
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", path.stem).strip("-") or "image"
    return f"{stem}-{digest}{path.suffix.lower()}"


@dataclass
class Media:
    """The images named by the cards of one run, all inside the card tree ``root``.

    Card files are untrusted input: an image must resolve, after decoding and following links, to a
    regular file under ``root``, or it is a problem. Nothing else is read, packed or copied.
    """

    root: Path
    names: dict[Path, str] = field(default_factory=dict)  # file → its name in the package
    # Each image's state before it was read, so that a change while it was hashed shows next time.
    states: dict[Path, FileState] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.root = self.root.resolve()

    def add(self, src: str, base: Path) -> tuple[str, str | None]:
        """The ``src`` to write for an image the renderer found, and the reason it cannot be used, if any.

        ``src`` is as it appears in the rendered HTML; ``base`` is the card file's folder.
        """
        ref = unquote(html.unescape(src))
        if LOCAL_SCHEME.match(ref):
            return src, f"image '{excerpt(ref)}' is a file: URL; put the image in the card tree and name it by a relative path"
        if REMOTE.match(ref):
            return src, None
        if ref.startswith(("/", "\\")) or (len(ref) > 1 and ref[1] == ":"):
            return src, f"image '{excerpt(ref)}' is an absolute path; name it relative to the card file"
        try:
            path = (base / ref).resolve()
        except (OSError, ValueError, RuntimeError):  # a NUL byte, a link loop
            return src, f"image '{excerpt(ref)}' is not a usable path"
        if path not in self.names:
            if not path.is_relative_to(self.root):
                return src, f"image '{excerpt(ref)}' is outside the card tree"
            self.states[path] = state = file_state(path)
            if state == MISSING:
                reason = "is not a regular file" if path.exists() else "not found (paths are relative to the card file)"
                return src, f"image '{excerpt(ref)}' {reason}"
            self.names[path] = media_name(path)
        return html.escape(self.names[path], quote=True), None

    def watched(self) -> tuple[tuple[str, int, int, int, int], ...]:
        """Every image looked at, with its state when first seen: a cached result holds while these hold."""
        return tuple(sorted((str(path), *state) for path, state in self.states.items()))


def still_as_watched(watched: tuple[tuple[str, int, int, int, int], ...]) -> bool:
    """Whether every image in ``watched`` (from `Media.watched`) is still as it was."""
    return all(tuple(state) == file_state(Path(path)) for path, *state in watched)


def image_problem(where: Position, reason: str) -> Problem:
    """The problem for an image a card cannot use."""
    return Problem.at(where, "image", reason)

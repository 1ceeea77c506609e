"""Tree: the card files of a card tree, in build order, with nothing skipped silently."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from redeck.load import unreadable
from redeck.model import Problem

# The tree's own settings (see deckfile.py): at the top of the tree, not a card file.
DECK_FILE = "redeck.yaml"


@dataclass(frozen=True)
class CardFile:
    """A card file of a card tree: where it is, the tree it belongs to, and why it cannot be read, if it cannot."""

    path: Path
    root: Path
    top_folder: str = ""  # the folder directly under the root that holds it: its cards get it as a tag
    problem: Problem | None = None
    rel: str = ""  # its path relative to the tree, with '/'

    @property
    def relative(self) -> str:
        return self.rel or self.path.name

    def unreadable(self, exc: OSError) -> Problem:
        return unreadable(self.path, exc)


def card_files(cards_dir: Path) -> list[CardFile]:
    """Every ``*.yaml`` file under ``cards_dir`` sorted by path; hidden files and folders, and the deck file, skipped.

    Nothing is skipped silently: a folder that cannot be read, a link that is broken or leads outside
    the tree, and a ``.yaml`` that is not a regular file each come back as a card file with a problem,
    so a build never drops cards it could not see. A link to a folder inside the tree is not followed
    (its folder is read in its own place).
    """
    root = cards_dir.resolve()
    found: list[tuple[str, CardFile]] = []
    folders: list[tuple[Path, tuple[str, ...]]] = [(cards_dir, ())]
    while folders:
        folder, parts = folders.pop()
        try:
            with os.scandir(folder) as scan:
                entries = sorted(scan, key=lambda e: e.name)
        except OSError as exc:
            problem = Problem(f"{folder}{os.sep}", 1, 1, "error", "io", f"cannot read folder: {exc.strerror or exc}")
            found.append(("/".join(parts), CardFile(folder, root, problem=problem)))
            continue
        for entry in entries:
            if entry.name.startswith(".") or (not parts and entry.name == DECK_FILE):
                continue
            path = Path(entry.path)
            rel = (*parts, entry.name)
            card_file = CardFile(path, root, rel[0] if len(rel) > 1 else "", rel="/".join(rel))
            if entry.is_symlink():
                target = _link_target(path, root)
                if isinstance(target, Problem):
                    # Other files are read only if a card names them (and then media checks them); a broken
                    # link may have been a folder of cards.
                    if entry.name.endswith(".yaml") or path.is_dir() or not path.exists():
                        found.append(("/".join(rel), CardFile(path, root, problem=target)))
                    continue
                if target.is_dir():
                    continue
            if entry.is_dir():
                folders.append((path, rel))
            elif entry.name.endswith(".yaml"):
                if not path.is_file():
                    card_file = CardFile(path, root, problem=Problem(str(path), 1, 1, "error", "io", "not a regular file"),
                                         rel="/".join(rel))  # fmt: skip
                found.append(("/".join(rel), card_file))
    return [card_file for _, card_file in sorted(found, key=lambda item: item[0])]


def _link_target(path: Path, root: Path) -> Path | Problem:
    """Where a link in the card tree leads, or the problem if it is broken or leaves the tree."""
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return Problem(str(path), 1, 1, "error", "io", "broken link")
    if not target.is_relative_to(root):
        return Problem(str(path), 1, 1, "error", "link", "link leads outside the card tree; card files must be inside it")
    return target

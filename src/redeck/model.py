"""The card model: the values shared by every stage of the pipeline."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

# A cloze deletion {{cN::...}}; group 1 is N. Anki makes one card per distinct N.
CLOZE_NUMBER = re.compile(r"\{\{c(\d+)::")


# Messages quote at most this much of what a file holds: a card file may be something it should not be.
EXCERPT_CHARS = 40


class RedeckError(Exception):
    """An error the user can act on, other than a problem in a card file: ``where: error: message``."""

    def __init__(self, where: str | Path, message: str) -> None:
        super().__init__(f"{where}: error: {message}")
        self.where = str(where)
        self.message = message


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """``text`` cut to ``limit`` characters for a message, its line breaks and control characters made visible."""
    shown = "".join(
        ch if ch.isprintable() else f"\\x{ord(ch):02x}" if ord(ch) < 256 else f"\\u{ord(ch):04x}" for ch in text[: limit + 1]
    )
    return shown if len(shown) <= limit and len(text) <= limit else shown[: limit - 1] + "…"


class Position(NamedTuple):
    """A 1-based line and column in a card file."""

    path: str
    line: int
    col: int


@dataclass(frozen=True, order=True)
class Problem:
    """One finding about the input, printed as ``path:line:col: level: message [rule]``."""

    path: str
    line: int
    col: int
    level: str  # "error" or "warning"
    rule: str
    message: str

    @classmethod
    def at(cls, pos: Position, rule: str, message: str, level: str = "error") -> Problem:
        return cls(pos.path, pos.line, pos.col, level, rule, message)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.level}: {self.message} [{self.rule}]"


# Text and Card are made for every value and every card on each build, hundreds of thousands of
# them: slotted dataclasses cost a third of frozen ones to make. Nothing changes them after loading.
@dataclass(slots=True)
class Text:
    """A text value with where it starts, so a problem inside it can be located."""

    value: str
    pos: Position
    # For a literal or folded block scalar: the line its content starts on and
    # its indentation; 0 for flow scalars, whose content starts at ``pos``.
    block_line: int = 0
    block_indent: int = 0
    quoted: bool = False

    def locate(self, offset: int) -> Position:
        """The position of character ``offset`` of the value in the file."""
        before = self.value[:offset]
        lines = before.count("\n")
        col = offset - (before.rfind("\n") + 1)
        if self.block_line:
            return Position(self.pos.path, self.block_line + lines, self.block_indent + col + 1)
        if lines:  # a multi-line flow scalar is folded: give its first line
            return self.pos
        return Position(self.pos.path, self.pos.line, self.pos.col + col + int(self.quoted))


class Silence(NamedTuple):
    """A quality rule a card skips, and why (``lint: {rule: reason}``; None in the short list form)."""

    rule: Text
    reason: Text | None = None


@dataclass(slots=True)
class Card:
    """One card as written in a file, before any checking."""

    id: Text
    deck: Text
    file: Path
    pos: Position
    deck_description: Text | None = None  # the file's description of its deck
    front: Text | None = None
    back: Text | None = None
    cloze: Text | None = None
    extra: Text | None = None
    source: Text | None = None
    tags: tuple[Text, ...] = ()
    reverse: bool = False
    lint: tuple[Silence, ...] = ()
    top_folder: str = ""

    @property
    def kind(self) -> str:
        """``basic``, ``reversed`` (a basic card with ``reverse: true``) or ``cloze``."""
        if self.cloze is not None:
            return "cloze"
        return "reversed" if self.reverse else "basic"

    @property
    def has_source(self) -> bool:
        """Whether the card has a non-empty source, its own or its file's."""
        return self.source is not None and bool(self.source.value.strip())

    @property
    def tag_names(self) -> tuple[str, ...]:
        """File and card tags plus the top-folder tag, sorted and without repeats."""
        names = {t.value for t in self.tags}
        if self.top_folder:
            names.add(self.top_folder)
        return tuple(sorted(names))


@dataclass(frozen=True)
class Note:
    """A card rendered to HTML fields, ready to be packaged."""

    card_id: str
    notetype: str  # "basic" or "cloze"
    deck: str
    fields: tuple[str, ...]
    tags: tuple[str, ...]


def card_ordinals(cloze: str | None, reverse: bool) -> tuple[int, ...]:
    """The template ordinals Anki makes cards for: front, plus back if reversed; one per cloze number."""
    if cloze is not None:
        return tuple(sorted({int(n) - 1 for n in CLOZE_NUMBER.findall(cloze)}))
    return (0, 1) if reverse else (0,)


def anki_cards(card: Card) -> int:
    """How many Anki cards a card makes: one, two if reversed, one per cloze number."""
    return len(card_ordinals(card.cloze.value if card.cloze else None, card.reverse))

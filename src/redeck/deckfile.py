"""Deck file: the card tree's own settings in ``cards/redeck.yaml``: the top deck, the study order, the preset.

Anki's default preset serves new cards subdeck by subdeck, in name order (the gather order "Deck"),
so the study order is written once here, as the list of card files in the order they are to be
learned, and `check_order` makes sure deck names sort in that order, so that a learner who imports the
package with Anki's defaults still meets prerequisites first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from redeck.load import FileReader, compose, decode
from redeck.model import Position, Problem, Text, excerpt
from redeck.tree import DECK_FILE, CardFile

if TYPE_CHECKING:
    from redeck.compile import CompiledFile

KEYS = ("deck", "description", "release", "release-notes", "report", "units", "new-per-day", "glossary", "retired")
DEFAULT_NEW_PER_DAY = 20
RELEASE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")  # it becomes part of a tag: changed::<release>
REPORT_FIELDS = ("title", "body", "id", "file", "line", "release")
MAX_NEW_PER_DAY = 9999


@dataclass(frozen=True)
class DeckFile:
    """What ``cards/redeck.yaml`` says."""

    path: Path
    deck: Text | None = None  # the top deck, e.g. "Research Engineering"
    description: Text | None = None  # the top deck's overview (Markdown)
    release: Text | None = None  # the deck's release, e.g. "2026.12": notes are tagged with it when they change
    release_notes: Text | None = None  # what the maintainers say of this release (Markdown), shown on the top deck
    report: Text | None = None  # a URL template for "Report a problem" links, with {title}, {body}, {id}, ...
    units: tuple[Text, ...] = ()  # card files relative to the tree, in study order
    new_per_day: int = DEFAULT_NEW_PER_DAY  # the preset's daily limit of new cards
    glossary: tuple[tuple[Text, Text], ...] = ()  # (term, id of the card that teaches it)
    retired: tuple[tuple[Text, Text], ...] = ()  # (id no longer in the tree, why); such ids are never reused

    @property
    def unit_names(self) -> list[str]:
        return [unit.value for unit in self.units]


def read_deck_file(cards_dir: Path) -> tuple[DeckFile | None, list[Problem]]:
    """The deck file of a tree (None if it has none), and its problems."""
    path = cards_dir / DECK_FILE
    if not path.exists() and not path.is_symlink():
        return None, []
    if path.is_symlink() or not path.is_file():
        return None, [Problem(str(path), 1, 1, "error", "io", "the deck file must be a regular file, not a link or a folder")]
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [Problem(str(path), 1, 1, "error", "io", f"cannot read file: {exc.strerror}")]
    text, problem = decode(data, str(path))
    if problem is not None:
        return None, [problem]
    root, problems = compose(text, str(path), "a mapping with 'deck' and 'units'")
    if root is None:
        return None, problems
    return _DeckFileReader(path, text).read_deck_file(root)


class _DeckFileReader(FileReader):
    def __init__(self, path: Path, text: str) -> None:
        super().__init__(path, text, "")

    def read_deck_file(self, root: yaml.Node) -> tuple[DeckFile | None, list[Problem]]:
        if "&" in self.text and not self._aliases_ok(root):
            return None, self.problems
        if not isinstance(root, yaml.MappingNode):
            self.error(root, "structure", "the deck file must be a mapping with 'deck' and 'units'")
            return None, self.problems
        values = self.mapping(root, KEYS, "deck file")
        for required in ("deck", "units"):
            if required not in values:
                self.error(root, "structure", f"missing required key '{required}'")
        deck_file = DeckFile(
            path=self.path,
            deck=self.text_value(values.get("deck"), "deck"),
            description=self.text_value(values.get("description"), "description"),
            release=self.release(values.get("release")),
            release_notes=self.text_value(values.get("release-notes"), "release-notes"),
            report=self.report(values.get("report")),
            units=self.text_list(values.get("units"), "units"),
            new_per_day=self.count(values.get("new-per-day"), "new-per-day"),
            glossary=self.pairs(values.get("glossary"), "glossary"),
            retired=self.pairs(values.get("retired"), "retired"),
        )
        return deck_file, self.problems

    def release(self, node: yaml.Node | None) -> Text | None:
        text = self.text_value(node, "release")
        if text is not None and not RELEASE.fullmatch(text.value):
            self.error(node, "structure", "a release is one word of letters, digits, '.', '-' or '_', e.g. 2026.12")  # type: ignore[arg-type]
            return None
        return text

    def report(self, node: yaml.Node | None) -> Text | None:
        text = self.text_value(node, "report")
        if text is None:
            return None
        try:
            text.value.format_map(dict.fromkeys(REPORT_FIELDS, ""))
        except (KeyError, ValueError, IndexError) as exc:
            self.error(node, "structure", f"report: a URL template may use {{{'}, {'.join(REPORT_FIELDS)}}} only ({exc})")  # type: ignore[arg-type]
            return None
        if not text.value.startswith(("https://", "http://")):
            self.error(node, "structure", "report: the template must be an http(s) URL")  # type: ignore[arg-type]
            return None
        return text

    def count(self, node: yaml.Node | None, key: str) -> int:
        if node is None:
            return DEFAULT_NEW_PER_DAY
        if isinstance(node, yaml.ScalarNode) and node.value.isdigit() and 0 < int(node.value) <= MAX_NEW_PER_DAY:
            return int(node.value)
        self.error(node, "structure", f"'{key}' must be a whole number from 1 to {MAX_NEW_PER_DAY}")
        return DEFAULT_NEW_PER_DAY

    def pairs(self, node: yaml.Node | None, key: str) -> tuple[tuple[Text, Text], ...]:
        """A mapping of text to text, in file order."""
        if node is None:
            return ()
        if not isinstance(node, yaml.MappingNode):
            self.error(node, "structure", f"'{key}' must be a mapping, e.g. {key}: {{a: b}}")
            return ()
        found = []
        for key_node, value_node in node.value:
            if not (self.safe(key_node) and self.safe(value_node)):
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.error(key_node, "structure", f"each key of '{key}' must be text, not {_kind_of(key_node)}")
                continue
            value = self.text_value(value_node, f"{key}: {excerpt(key_node.value)}")
            if value is not None:
                found.append((self.text_of(key_node), value))
        return tuple(found)


def _kind_of(node: yaml.Node) -> str:
    return "a mapping" if isinstance(node, yaml.MappingNode) else "a list"


def in_study_order(files: list[CardFile], deck_file: DeckFile | None, cards_dir: Path) -> list[CardFile]:
    """The card files in the order the deck file lists them; files it does not list come last, in path order."""
    if deck_file is None:
        return files
    rank = {name: index for index, name in enumerate(deck_file.unit_names)}
    position = {card_file.path: rank.get(card_file.relative, len(rank)) for card_file in files}
    return sorted(files, key=lambda card_file: position[card_file.path])  # stable: the rest keep path order


def anki_order(deck: str) -> tuple[str, ...]:
    """How Anki orders decks when it gathers new cards: level by level, ignoring case (found with anki 26.9)."""
    return tuple(level.lower() for level in deck.split("::"))


def check_order(
    deck_file: DeckFile, files: list[CardFile], decks: Iterable[tuple[str, Position]], cards_dir: Path
) -> list[Problem]:
    """Every card file is in the study order once, and deck names sort as the order goes.

    ``files`` are the tree's card files; ``decks`` each file's deck with where it is written, in study order.
    """
    problems: list[Problem] = []
    listed: dict[str, Text] = {}
    present = {card_file.relative for card_file in files}
    for unit in deck_file.units:
        if unit.value in listed:
            first = listed[unit.value].pos
            problems.append(
                Problem.at(unit.pos, "order", f"'{excerpt(unit.value)}' is listed twice (first at line {first.line})")
            )
        elif unit.value not in present:
            problems.append(Problem.at(unit.pos, "order", f"no card file '{excerpt(unit.value)}' in the card folder"))
        listed.setdefault(unit.value, unit)
    for card_file in files:
        if card_file.problem is None and card_file.relative not in listed:
            problems.append(Problem(str(card_file.path), 1, 1, "error", "order",
                                    f"card file is not in the study order: add it to 'units' in {deck_file.path}"))  # fmt: skip
    top = deck_file.deck.value if deck_file.deck is not None else ""
    previous: tuple[str, Position] | None = None
    for deck, pos in decks:
        if top and not (deck == top or deck.startswith(top + "::")):
            problems.append(Problem.at(pos, "order", f"deck '{excerpt(deck)}' is not under the top deck '{excerpt(top)}'"))
            continue
        if previous is not None and previous[0] != deck and anki_order(deck) < anki_order(previous[0]):
            problems.append(Problem.at(pos, "order",
                f"deck '{excerpt(deck)}' sorts before '{excerpt(previous[0])}', which comes earlier in the study order: "
                "Anki serves subdecks in name order, so number them as the order goes"))  # fmt: skip
        previous = (deck, pos)
    return problems


def described_decks(files: Iterable[CompiledFile]) -> tuple[dict[str, str], list[Problem]]:
    """Each deck's description as HTML, from the card files; a deck described differently twice is a problem."""
    descriptions: dict[str, tuple[str, Position]] = {}
    problems = []
    for f in files:
        for deck, about, line, col in f.decks:
            if not about:
                continue
            first = descriptions.setdefault(deck, (about, Position(f.path, line, col)))
            if first[0] != about:
                where = first[1]
                problems.append(Problem(f.path, line, col, "error", "deck",
                                        f"deck '{excerpt(deck)}' is described at {where.path}:{where.line} already; "
                                        "describe a deck in one file"))  # fmt: skip
    return {deck: about for deck, (about, _pos) in descriptions.items()}, problems


def check_retired(deck_file: DeckFile, files: Iterable[CompiledFile], tombstones: Iterable[str] = ()) -> list[Problem]:
    """A retired id is never used again: Anki would take the new card for the old note, history and all.

    Retired ids are those the deck file lists and those the lock keeps as tombstones (``tombstones``).
    """
    retired = dict.fromkeys(tombstones, "the lock keeps it as a tombstone; delete its line there to bring the card back")
    retired.update((card_id.value, reason.value) for card_id, reason in deck_file.retired)
    return [
        Problem(
            f.path,
            line,
            col,
            "error",
            "retired-id",
            f"id '{excerpt(card_id)}' was retired ({excerpt(retired[card_id], 120)}); give this card a new id",
        )  # fmt: skip
        for f in files
        for card_id, line, col in f.ids
        if card_id in retired
    ]


def check_glossary(deck_file: DeckFile, files: list[CompiledFile]) -> list[Problem]:
    """Each glossary term names a card that exists; (strict) no card uses a term before the card that teaches it."""
    place = {card_id: index for index, (card_id, _line, _col) in enumerate(i for f in files for i in f.ids)}
    teacher = {term.value: card_id.value for term, card_id in deck_file.glossary}
    problems = [
        Problem.at(card_id.pos, "glossary", f"no card '{excerpt(card_id.value)}' teaches '{excerpt(term.value)}'")
        for term, card_id in deck_file.glossary
        if card_id.value not in place
    ]
    for f in files:
        for term, card_id, line, col in f.term_uses:
            taught_by = teacher.get(term, "")
            if taught_by in place and card_id != taught_by and place[card_id] < place[taught_by]:
                problems.append(Problem(f.path, line, col, "warning", "prerequisite",
                                        f"uses '{excerpt(term)}', which card '{taught_by}' teaches later in the study order"))  # fmt: skip
    return problems

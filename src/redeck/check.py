"""Check: find every card that Anki or genanki would reject, or that would build wrong."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from urllib.parse import unquote

from redeck.lint import RULES
from redeck.model import CLOZE_NUMBER, Card, Position, Problem, Text

ID_PATTERN = re.compile(r"[a-z][a-z0-9-]{0,63}")
# Markdown images and HTML <img> tags; the path is group 1 or group 2.
IMAGE_PATTERN = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)>?[^)]*\)|<img\b[^>]*?\ssrc=[\"']([^\"']+)[\"']", re.I)
# What every image starts with: most fields have neither, and skip the full pattern.
IMAGE_HINT = re.compile(r"!\[|<img", re.I)
# Reference-style images, ![alt][label], ![label][] or ![label], and the "[label]: path" lines they point to.
IMAGE_REFERENCE = re.compile(r"!\[([^\]]*)\](?:\[([^\]]*)\])?(?!\()")
LINK_DEFINITION = re.compile(r"^ {0,3}\[([^\]]+)\]:[ \t]*<?([^\s>]+)", re.M)
REMOTE_PATTERN = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)
# Code blocks, code spans and HTML comments show Markdown rather than run it: an image there is only text.
NOT_MARKDOWN = re.compile(r"^ {0,3}(`{3,}|~{3,}).*?^ {0,3}\1|(`+)(?!`).+?(?<!`)\2(?!`)|<!--.*?-->", re.M | re.S)


def check_cards(cards: Iterable[Card]) -> list[Problem]:
    """Every problem with these cards on their own and with their decks, in the order found.

    Ids repeated across cards are ``duplicate_ids``'s job, since it needs every file at once.
    """
    problems: list[Problem] = []
    decks_seen: set[tuple[str, Position]] = set()
    for card in cards:
        if (card.deck.value, card.deck.pos) not in decks_seen:
            decks_seen.add((card.deck.value, card.deck.pos))
            problems.extend(check_deck(card.deck))
        problems.extend(check_card(card))
    return problems


def duplicate_ids(ids: Iterable[tuple[str, Position]]) -> Iterator[Problem]:
    """An id used before, in this file or an earlier one (``ids`` in build order)."""
    first_use: dict[str, Position] = {}
    for card_id, pos in ids:
        where = first_use.get(card_id)
        if where is None:
            first_use[card_id] = pos
        else:
            yield Problem.at(
                pos, "duplicate-id", f"duplicate id '{card_id}' (first used at {where.path}:{where.line}:{where.col})"
            )


def check_card(card: Card) -> Iterator[Problem]:
    """The problems of one card on its own."""
    if not ID_PATTERN.fullmatch(card.id.value):
        yield Problem.at(
            card.id.pos,
            "id",
            f"invalid id '{card.id.value}': use lowercase letters, digits and hyphens, starting with a letter, at most 64 characters",
        )
    yield from _check_kind(card)
    for name in ("front", "back", "cloze", "extra", "source"):
        text = getattr(card, name)
        if text is not None and not text.value.strip():
            yield Problem.at(text.pos, "empty-field", f"'{name}' is empty")
    if card.cloze is not None and card.cloze.value.strip() and not CLOZE_NUMBER.search(card.cloze.value):
        yield Problem.at(card.cloze.pos, "cloze", "cloze has no deletion; write {{c1::answer}} or {{c1::answer::hint}}")
    for tag in card.tags:
        yield from check_tag(tag)
    for rule, reason in card.lint:
        if rule.value not in RULES:
            yield Problem.at(rule.pos, "lint", f"unknown lint rule '{rule.value}' (known: {', '.join(sorted(RULES))})")
        if reason is not None and not reason.value.strip():
            yield Problem.at(reason.pos, "empty-field", f"the reason for skipping '{rule.value}' is empty")
    for text, offset, ref in local_images(card):
        if not (card.file.parent / ref).is_file():
            yield missing_image(text.locate(offset), ref)


def _check_kind(card: Card) -> Iterator[Problem]:
    basic = card.front is not None or card.back is not None
    if basic and card.cloze is not None:
        yield Problem.at(card.cloze.pos, "card-kind", "a card has either 'front' and 'back' or 'cloze', not both")
    elif not basic and card.cloze is None:
        yield Problem.at(card.pos, "card-kind", "card needs 'front' and 'back', or 'cloze'")
    elif basic and card.front is None:
        yield Problem.at(card.pos, "card-kind", "card has 'back' but no 'front'")
    elif basic and card.back is None:
        yield Problem.at(card.pos, "card-kind", "card has 'front' but no 'back'")
    if card.reverse and card.cloze is not None:
        yield Problem.at(card.pos, "card-kind", "'reverse' applies to front/back cards, not cloze")


def check_deck(deck: Text) -> Iterator[Problem]:
    """A deck path is levels joined by '::', none of them empty or padded."""
    levels = deck.value.split("::")
    if any(not level.strip() for level in levels):
        yield Problem.at(deck.pos, "deck", f"invalid deck path '{deck.value}': a level is empty")
    elif any(level != level.strip() or level.startswith(":") or level.endswith(":") for level in levels):
        yield Problem.at(
            deck.pos, "deck", f"invalid deck path '{deck.value}': write levels as A::B::C without spaces or stray ':' around '::'"
        )


def check_tag(tag: Text) -> Iterator[Problem]:
    """A tag is one word; '::' nests it."""
    if not tag.value.strip():
        yield Problem.at(tag.pos, "tag", "empty tag")
    elif any(ch.isspace() for ch in tag.value):
        yield Problem.at(tag.pos, "tag", f"tag '{tag.value}' contains a space; Anki tags are single words (use '-' or '::')")
    elif any(not level for level in tag.value.split("::")):
        yield Problem.at(tag.pos, "tag", f"tag '{tag.value}' has an empty level")


def image_paths(text: str) -> Iterator[tuple[int, str]]:
    """(offset, path) of every local image a Markdown text refers to."""
    if not IMAGE_HINT.search(text):
        return
    if "`" in text or "~~~" in text or "<!--" in text:
        text = NOT_MARKDOWN.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)  # same length: offsets hold
    found = [(m.start(g), m.group(g)) for m in IMAGE_PATTERN.finditer(text) for g in (1, 2) if m.group(g) is not None]
    if "]:" in text:
        definitions: dict[str, re.Match[str]] = {}
        for definition in LINK_DEFINITION.finditer(text):
            definitions.setdefault(_label(definition.group(1)), definition)  # the first definition of a label wins
        for match in IMAGE_REFERENCE.finditer(text):
            definition = definitions.get(_label(match.group(2) or match.group(1)))
            if definition:
                found.append((definition.start(2), definition.group(2)))
    for offset, ref in found:
        if not REMOTE_PATTERN.match(ref) and not ref.startswith("//"):
            yield offset, unquote(ref)


def _label(text: str) -> str:
    """A link label as CommonMark matches it: case and runs of spaces do not count."""
    return " ".join(text.casefold().split())


def missing_image(where: Position, ref: str) -> Problem:
    return Problem.at(where, "image", f"image '{ref}' not found (paths are relative to the card file)")


def local_images(card: Card) -> Iterator[tuple[Text, int, str]]:
    """Every local image a card's fields name: the field, the offset in it, and the path relative to the card file."""
    for text in (card.front, card.back, card.cloze, card.extra):
        if text is not None:
            for offset, ref in image_paths(text.value):
                yield text, offset, ref

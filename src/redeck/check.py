"""Check: find every card that Anki or genanki would reject, or that would build wrong."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from redeck.lint import RULES
from redeck.model import CLOZE_NUMBER, Card, Position, Problem, Text, excerpt

ID_PATTERN = re.compile(r"[a-z][a-z0-9-]{0,63}")
# Anki numbers a cloze's cards from 1 and stores the number in 16 bits; c0 or c65536 make a package it refuses.
MAX_CLOZE = 65535
# Anki joins a note's fields with U+001F, so a field holding one would split the note; it drops the
# other C0 controls but tab and line breaks, and DEL, on import (found with anki 26.9), so a field
# holding one would differ from the collection's copy forever.
CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
TEXT_FIELDS = ("front", "back", "cloze", "extra", "source")


def check_cards(cards: Iterable[Card]) -> tuple[list[Problem], list[Card]]:
    """Every problem with these cards on their own and with their decks, and the cards with no error of their own.

    Only those cards can be rendered. Ids repeated across cards are ``duplicate_ids``'s job, since it
    needs every file at once.
    """
    problems: list[Problem] = []
    sound: list[Card] = []
    decks_seen: set[tuple[str, Position]] = set()
    for card in cards:
        if (card.deck.value, card.deck.pos) not in decks_seen:
            decks_seen.add((card.deck.value, card.deck.pos))
            problems.extend(check_deck(card.deck))
            if card.deck_description is not None and not card.deck_description.value.strip():
                problems.append(Problem.at(card.deck_description.pos, "empty-field", "'description' is empty"))
        own = list(check_card(card))
        problems.extend(own)
        if not any(p.level == "error" for p in own):
            sound.append(card)
    return problems, sound


def duplicate_ids(ids: Iterable[tuple[str, Position]]) -> Iterator[Problem]:
    """An id used before, in this file or an earlier one (``ids`` in build order)."""
    first_use: dict[str, Position] = {}
    for card_id, pos in ids:
        where = first_use.get(card_id)
        if where is None:
            first_use[card_id] = pos
        else:
            yield Problem.at(
                pos, "duplicate-id", f"duplicate id '{excerpt(card_id)}' (first used at {where.path}:{where.line}:{where.col})"
            )


def check_card(card: Card) -> Iterator[Problem]:
    """The problems of one card on its own."""
    if not ID_PATTERN.fullmatch(card.id.value):
        yield Problem.at(
            card.id.pos,
            "id",
            f"invalid id '{excerpt(card.id.value)}': use lowercase letters, digits and hyphens, starting with a letter, at most 64 characters",
        )
    yield from _check_kind(card)
    for name in TEXT_FIELDS:
        text = getattr(card, name)
        if text is not None and not text.value.strip():
            yield Problem.at(text.pos, "empty-field", f"'{name}' is empty")
        elif text is not None and (control := CONTROL_CHARACTER.search(text.value)):
            what = "which Anki uses to separate fields" if control.group() == "\x1f" else "which Anki removes on import"
            yield Problem.at(text.locate(control.start()), "control-character",
                             f"'{name}' holds the control character U+{ord(control.group()):04X}, {what}")  # fmt: skip
    if card.cloze is not None:
        yield from check_cloze(card.cloze)
    for tag in card.tags:
        yield from check_tag(tag)
    for rule, reason in card.lint:
        if rule.value not in RULES:
            yield Problem.at(rule.pos, "lint", f"unknown lint rule '{excerpt(rule.value)}' (known: {', '.join(sorted(RULES))})")
        if reason is not None and not reason.value.strip():
            yield Problem.at(reason.pos, "empty-field", f"the reason for skipping '{excerpt(rule.value)}' is empty")


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
    control = next((ch for ch in deck.value if not ch.isprintable()), None)
    if control is not None:
        yield Problem.at(
            deck.pos, "deck", f"deck path holds the control character U+{ord(control):04X}; Anki would rename the deck"
        )
    elif any(not level.strip() for level in levels):
        yield Problem.at(deck.pos, "deck", f"invalid deck path '{excerpt(deck.value)}': a level is empty")
    elif any(level != level.strip() or level.startswith(":") or level.endswith(":") for level in levels):
        yield Problem.at(
            deck.pos,
            "deck",
            f"invalid deck path '{excerpt(deck.value)}': write levels as A::B::C without spaces or stray ':' around '::'",
        )


def check_tag(tag: Text) -> Iterator[Problem]:
    """A tag is one word; '::' nests it."""
    if not tag.value.strip():
        yield Problem.at(tag.pos, "tag", "empty tag")
    elif any(not ch.isprintable() and not ch.isspace() for ch in tag.value):
        yield Problem.at(tag.pos, "tag", f"tag '{excerpt(tag.value)}' holds a control character")
    elif any(ch.isspace() for ch in tag.value):
        yield Problem.at(
            tag.pos, "tag", f"tag '{excerpt(tag.value)}' contains a space; Anki tags are single words (use '-' or '::')"
        )
    elif any(not level for level in tag.value.split("::")):
        yield Problem.at(tag.pos, "tag", f"tag '{excerpt(tag.value)}' has an empty level")


def check_cloze(cloze: Text) -> Iterator[Problem]:
    """A cloze has a deletion, and its deletions are numbered from c1 to c65535."""
    numbers = list(CLOZE_NUMBER.finditer(cloze.value))
    if cloze.value.strip() and not numbers:
        yield Problem.at(cloze.pos, "cloze", "cloze has no deletion; write {{c1::answer}} or {{c1::answer::hint}}")
    for match in numbers:
        if not 1 <= int(match.group(1)) <= MAX_CLOZE:
            yield Problem.at(cloze.locate(match.start()), "cloze",
                             f"cloze number c{excerpt(match.group(1), 8)} is out of range: Anki numbers deletions from c1 to c{MAX_CLOZE}")  # fmt: skip

"""Stats: count a tree's cards per deck, tag and kind, and find what needs attention."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field

from redeck.model import Card, anki_cards

LONGEST = 5


@dataclass(frozen=True)
class LongAnswer:
    id: str
    chars: int
    where: str


@dataclass(frozen=True)
class Stats:
    """What ``redeck stats`` reports; every count is of notes (card entries in YAML) unless named ``anki_cards``."""

    notes: int
    anki_cards: int
    per_deck: dict[str, int]
    per_tag: dict[str, int]
    per_kind: dict[str, int]
    without_source: list[str] = field(default_factory=list)
    longest_answers: list[LongAnswer] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def deck_stats(cards: list[Card], longest: int = LONGEST) -> Stats:
    """Counts for these cards; dictionaries are sorted by count, largest first, then by name."""
    answers = [
        LongAnswer(card.id.value, len(text.value.strip()), f"{text.pos.path}:{text.pos.line}:{text.pos.col}")
        for card in cards
        if (text := card.back or card.cloze) is not None
    ]
    answers.sort(key=lambda a: (-a.chars, a.id))
    return Stats(
        notes=len(cards),
        anki_cards=sum(map(anki_cards, cards)),
        per_deck=_ranked(Counter(card.deck.value for card in cards)),
        per_tag=_ranked(Counter(tag for card in cards for tag in card.tag_names)),
        per_kind=_ranked(Counter(card.kind for card in cards)),
        without_source=sorted(card.id.value for card in cards if not card.has_source),
        longest_answers=answers[:longest],
    )


def _ranked(counts: Counter[str]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))

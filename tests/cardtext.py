"""Reading card files as plain data for the content tests: every value a string, numbers as written."""

from __future__ import annotations

import pathlib
import re

import yaml

CARDS_ROOT = pathlib.Path(__file__).resolve().parents[1] / "cards"
# A number as written on the cards: 1.97e14, 8,960, 0.5, 56.4e9
NUMBER = r"(?<![\w.])(\d[\d,]*(?:\.\d+)?(?:e[+-]?\d+)?)"
TEXT_FIELDS = ("front", "back", "cloze", "extra")


def load_cards(directory: pathlib.Path, files: tuple[str, ...] = ()) -> dict[str, dict]:
    """The cards of ``files`` in ``directory`` (default: every card file under it), keyed by id.

    Read with yaml.BaseLoader, so every value is a string; each card gets a ``_file`` key for messages.
    """
    paths = [directory / name for name in files] if files else sorted(directory.rglob("*.yaml"))
    cards: dict[str, dict] = {}
    for path in paths:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader) or {}
        for card in doc.get("cards", []):
            assert card["id"] not in cards, f"duplicate id {card['id']} in {path}"
            cards[card["id"]] = {**card, "_file": path.name}
    return cards


def to_float(number: str) -> float:
    """A number as matched by NUMBER, thousands separators and all."""
    return float(number.replace(",", ""))


def all_text(card: dict) -> str:
    """Every text field of a card, joined."""
    return "\n".join(card.get(field, "") for field in TEXT_FIELDS)


def numbers_in(text: str) -> list[float]:
    return [to_float(n) for n in re.findall(NUMBER, text)]

"""Scaffold: new card files with a valid skeleton, and fresh ids that are not yet taken."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from pathlib import Path

MAX_ID = 64
# Words that make an id longer without making it easier to find.
STOP_WORDS = {"a", "an", "the", "of", "in", "on", "for", "to", "and", "or", "is", "are", "what", "why", "how", "which",
              "does", "do", "with", "by", "at", "from", "its", "it", "that", "this", "when", "who"}  # fmt: skip


def slugify(text: str) -> str:
    """Lowercase ASCII words joined by hyphens, dropping filler words; always a valid id."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = [w for w in re.findall(r"[a-z0-9]+", ascii_text) if w not in STOP_WORDS] or ["card"]
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > MAX_ID - 3:  # leave room for a "-NN" suffix
            break
        slug = candidate
    slug = slug or words[0][: MAX_ID - 3]
    return slug if slug[0].isalpha() else f"c-{slug}"[: MAX_ID - 3]


def new_id(text: str, taken: Collection[str]) -> str:
    """A slug of ``text`` that no card uses yet: the slug itself, or the slug with -2, -3, ..."""
    slug = slugify(text)
    if slug not in taken:
        return slug
    number = 2
    while f"{slug}-{number}" in taken:
        number += 1
    return f"{slug}-{number}"


def skeleton(deck: str, card_id: str) -> str:
    """The text of a new card file: one basic card to fill in, valid as it stands."""
    return f"""\
deck: {yaml_text(deck)}
tags: []
source: TODO the book chapter and section, paper section or vendor page you read
cards:
  - id: {card_id}
    front: TODO What is the question, naming its context?
    back: TODO The short answer, with units.
    extra: Optional explanation shown under the answer.
"""


def yaml_text(text: str) -> str:
    """``text`` as a YAML scalar: plain when YAML reads it back unchanged, else single-quoted."""
    if re.fullmatch(r"[A-Za-z][\w .()/&+-]*(?:::[\w .()/&+-]+)*", text) and not text.endswith(" "):
        return text
    return "'" + text.replace("'", "''") + "'"


def create_card_file(path: Path, deck: str, taken: Collection[str]) -> str:
    """Write a new card file at ``path`` (refusing to overwrite one) and return its card's id."""
    card_id = new_id(path.stem, taken)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as out:
        out.write(skeleton(deck, card_id))
    return card_id

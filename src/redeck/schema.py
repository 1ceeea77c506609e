"""Schema: the card format as a JSON Schema, for editors (completion, inline errors) and other tools."""

from __future__ import annotations

from typing import Any

from redeck.check import ID_PATTERN
from redeck.lint import RULES

SCHEMA_ID = "https://github.com/redeck/redeck/card-file.schema.json"

# JSON Schema patterns are not anchored. Tag levels are a little stricter here than in `check`
# (no ':' inside a level), which only matters for tags nobody writes; deck paths match `check` exactly.
ID_REGEX = f"^{ID_PATTERN.pattern}$"
# A level as check_deck takes it: no "::" inside, no space or ":" at either end; a lone ":" inside is fine.
DECK_LEVEL = r"[^:\s](?:(?:[^:]|:(?!:))*[^:\s])?"
DECK_REGEX = rf"^{DECK_LEVEL}(?:::{DECK_LEVEL})*$"
TAG_REGEX = r"^[^:\s]+(?:::[^:\s]+)*$"

# YAML 1.2 editors read `1.50` as a number and `yes` as a string; redeck keeps both as written text.
TEXT: dict[str, Any] = {"type": ["string", "number", "boolean"]}


def _text(description: str) -> dict[str, Any]:
    return {**TEXT, "description": description}


def _tags(description: str) -> dict[str, Any]:
    return {
        "type": "array",
        "description": description,
        "items": {"type": "string", "pattern": TAG_REGEX},
    }


def card_file_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one card file; ``redeck check`` is the full check."""
    card = {
        "type": "object",
        "description": "One card: front and back, or cloze.",
        "required": ["id"],
        "additionalProperties": False,
        "properties": {
            "id": {
                "type": "string",
                "pattern": ID_REGEX,
                "description": "Permanent identity of the note in Anki: lowercase letters, digits, hyphens. Never change or reuse.",
            },
            "front": _text("Question (Markdown)."),
            "back": _text("Short answer (Markdown): a number with its unit, a term or one sentence."),
            "cloze": _text("Cloze text with {{c1::answer}} or {{c1::answer::hint}} deletions (Markdown)."),
            "extra": _text("Explanation shown under the answer (Markdown)."),
            "source": _text("Where the fact comes from; replaces the file's source."),
            "tags": _tags("Tags added to the file's tags; no spaces, '::' for hierarchy."),
            "reverse": {"type": "boolean", "description": "Also make a back-to-front card (basic cards only)."},
            "lint": {
                "description": "Quality rules that `redeck check --strict` skips for this card, each with the reason why.",
                "oneOf": [
                    {
                        "type": "object",
                        "propertyNames": {"enum": sorted(RULES)},
                        "additionalProperties": {"type": "string", "minLength": 1},
                    },
                    {"type": "array", "items": {"enum": sorted(RULES)}},
                ],
            },
        },
        "oneOf": [
            {"required": ["front", "back"], "not": {"required": ["cloze"]}},
            {"required": ["cloze"], "allOf": [{"not": {"required": ["front"]}}, {"not": {"required": ["back"]}}],
             "not": {"required": ["reverse"]}},
        ],
    }  # fmt: skip
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "redeck card file",
        "description": "A file of flashcards under cards/, compiled into an Anki deck by `redeck build`.",
        "type": "object",
        "required": ["deck", "cards"],
        "additionalProperties": False,
        "properties": {
            "deck": {"type": "string", "pattern": DECK_REGEX, "description": "Anki deck path, levels joined by '::'."},
            "description": _text("What the deck teaches, what it assumes and where it sits in the order (Markdown)."),
            "tags": _tags("Tags added to every card in the file."),
            "source": _text("Default source of every card in the file."),
            "cards": {"type": "array", "items": card},
        },
    }


def deck_file_schema() -> dict[str, Any]:
    """The JSON Schema of the deck file, ``cards/redeck.yaml``."""
    text_map: dict[str, Any] = {"type": "object", "additionalProperties": TEXT}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID.replace("card-file", "deck-file"),
        "title": "redeck deck file",
        "description": "cards/redeck.yaml: the top deck, the study order and the deck options preset.",
        "type": "object",
        "required": ["deck", "units"],
        "additionalProperties": False,
        "properties": {
            "deck": {"type": "string", "pattern": DECK_REGEX, "description": "The top deck; every card file's deck is under it."},
            "description": _text("The top deck's overview: where to start, how long the deck takes (Markdown)."),
            "release": {"type": ["string", "number"], "description": "The deck's release (e.g. 2026.12): notes are tagged changed::<release> when they change."},
            "release-notes": _text("What this release changed and why (Markdown), shown on the top deck's overview."),
            "report": {"type": "string", "pattern": "^https?://",
                       "description": "URL template for the Report a problem link: {title}, {body}, {id}, {file}, {line}, {release}."},
            "units": {
                "type": "array",
                "description": "Every card file, relative to cards/, in the order a learner should study them.",
                "items": {"type": "string", "pattern": r"\.yaml$"},
                "uniqueItems": True,
            },
            "new-per-day": {"type": "integer", "minimum": 1, "maximum": 9999,
                            "description": "New cards a day in the shipped deck options preset (default 20)."},
            "glossary": {**text_map, "description": "Terms and the id of the card that teaches each: no card may use one earlier."},
            "retired": {**text_map, "description": "Ids no longer in the tree, and why: they are never used again."},
        },
    }  # fmt: skip

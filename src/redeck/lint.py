"""Lint: card-quality rules run by ``redeck check --strict``; each rule's docstring documents it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

from redeck.model import CLOZE_NUMBER, Card, Problem, Text

MAX_ANSWER_CHARS = 200
MAX_LIST_ITEMS = 3
MAX_CLOZE_DELETIONS = 3

YES_NO_STARTS = {"is", "are", "does", "do", "can", "could", "should", "would", "will", "was", "were", "has", "have", "had",
                 "did"}  # fmt: skip
QUESTION_STARTS = {"what", "why", "how", "which", "when", "where", "who", "whom", "whose"}
LIST_ITEM = re.compile(r"^ {0,3}(?:[-*+]|\d{1,9}[.)])[ \t]", re.M)
# Math, code spans and fenced code are formulas or literals, not quantities.
NOT_PROSE = re.compile(r"\\\(.*?\\\)|\\\[.*?\\\]|```.*?```|`[^`]*`", re.S)
NUMBER = re.compile(r"(?<![\w.])\d+(?:,\d{3})*(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w.])")
# "1, 2 or 4 GPUs": the unit after the last number of a list or range covers them all.
MORE_NUMBERS = re.compile(r"(?:,|or\b|and\b|to\b|-|–)\s*\d")
FORMULA_CHARS = set("×·*/^=+-−–<>≈÷()[]{}~≤≥")
YEAR = re.compile(r"(?:19|20)\d\d")


def missing_source(card: Card) -> Iterator[Problem]:
    """Every card has a source, its own or its file's.

    Passes: ``source: DDIA (1st ed.), ch. 5 "Replication"`` on the file or the card.
    Fails: a card in a file with no ``source:`` and none of its own.
    """
    if not card.has_source:
        yield _warn(card.id, "missing-source", "card has no source (add 'source:' to the card or its file)")


def long_answer(card: Card) -> Iterator[Problem]:
    """An answer (``back``) is at most 200 characters; explanations go in ``extra``.

    Passes: ``back: 1.97e14 FLOP/s``.
    Fails: a ``back`` with three sentences of derivation.
    """
    if card.back is not None and len(card.back.value.strip()) > MAX_ANSWER_CHARS:
        yield _warn(
            card.back,
            "long-answer",
            f"answer is {len(card.back.value.strip())} characters (at most {MAX_ANSWER_CHARS}); move detail to 'extra'",
        )


def long_list(card: Card) -> Iterator[Problem]:
    """An answer holds a list of at most three items; a longer list becomes several cards.

    Passes: ``back: "- read committed\\n- snapshot isolation"``.
    Fails: a ``back`` listing all four ANSI isolation levels.
    """
    if card.back is not None:
        items = len(LIST_ITEM.findall(card.back.value))
        if items > MAX_LIST_ITEMS:
            yield _warn(
                card.back,
                "long-list",
                f"answer lists {items} items (at most {MAX_LIST_ITEMS}); split the card or use a cloze per item",
            )


def yes_no_question(card: Card) -> Iterator[Problem]:
    """A front asks for a fact, not a yes or no.

    Passes: ``front: Which isolation level allows write skew?``.
    Fails: ``front: Does snapshot isolation allow write skew?``.
    """
    if card.front is not None and _first_word(card.front.value) in YES_NO_STARTS:
        yield _warn(card.front, "yes-no-question", "yes/no question; ask for the fact itself (what, which, why, how)")


def question_mark(card: Card) -> Iterator[Problem]:
    """A front that starts with a question word ends with '?'.

    Passes: ``front: Why does 2PC block?``; ``front: "Name the anomaly SI allows:"``.
    Fails: ``front: Why does 2PC block``.
    """
    front = card.front
    if front is not None and _first_word(front.value) in QUESTION_STARTS and not front.value.rstrip().endswith(("?", ":")):
        yield _warn(card.front, "question-mark", "a question should end with '?'")


def number_without_unit(card: Card) -> Iterator[Problem]:
    """A number in an answer carries its unit or what it counts.

    Math, code and formulas (``2·m·n·k``, ``(p-1)/(m+p-1)``), years and zero are exempt; in a list or
    range (``1, 2 or 4 GPUs``, ``8-16 chips``) the unit after the last number counts for all.
    Passes: ``back: 1.97e14 FLOP/s``, ``back: 3 replicas``, ``back: 50%``.
    Fails: ``back: "300"``.
    """
    if card.back is None:
        return
    prose = NOT_PROSE.sub(lambda m: " " * len(m.group()), card.back.value)
    for match in NUMBER.finditer(prose):
        before = prose[: match.start()].rstrip()[-1:]
        after_text = prose[match.end() :].lstrip()
        after = after_text[:1]
        if match.group() == "0" or YEAR.fullmatch(match.group()) or before in FORMULA_CHARS or after in FORMULA_CHARS:
            continue
        if MORE_NUMBERS.match(after_text):
            continue
        if after and (after.isalpha() or after in "%$°µ€£‰'\"/"):
            continue
        yield _warn(card.back, "number-without-unit", f"number '{match.group()}' has no unit; say what it counts")
        return


def cloze_deletions(card: Card) -> Iterator[Problem]:
    """A cloze has at most three deletions (c1 to c3): more is several facts.

    Passes: ``cloze: An AllReduce is a {{c1::ReduceScatter}} then an {{c2::AllGather}}.``
    Fails: a cloze with ``{{c1::…}}`` to ``{{c4::…}}``.
    """
    if card.cloze is not None:
        numbers = set(CLOZE_NUMBER.findall(card.cloze.value))
        if len(numbers) > MAX_CLOZE_DELETIONS:
            yield _warn(card.cloze, "cloze-deletions", f"cloze has {len(numbers)} deletions (at most {MAX_CLOZE_DELETIONS})")


def id_words(card: Card) -> Iterator[Problem]:
    """An id is made of words from its card, so it can be found and stays meaningful.

    At least one word of three or more letters in the id appears in the front, back or cloze, ignoring
    spaces and punctuation (``llama3`` matches "LLaMA 3") and matching on the first four letters
    (``params`` matches "parameters"), or is an acronym of their words (``mvcc`` for
    "multi-version concurrency control").
    Passes: ``id: repl-quorum-condition`` on a card about the quorum condition.
    Fails: ``id: card-17``.
    """
    words = [w for w in card.id.value.split("-") if len(w) >= 3 and not w.isdigit()]
    text = " ".join(t.value for t in (card.front, card.back, card.cloze) if t is not None).lower()
    text_words = re.findall(r"[a-z0-9]+", text)
    compact = "".join(text_words)
    acronym = "".join(word[0] for word in text_words)
    if words and not any(word[:4] in compact or word in acronym for word in words):
        yield _warn(card.id, "id-words", f"no word of id '{card.id.value}' appears in the card")


def duplicate_front(cards: Iterable[Card]) -> Iterator[Problem]:
    """No two cards ask the same thing: fronts are compared ignoring case and spacing.

    Fails: two cards whose front is ``What is MVCC?``.
    """
    seen: dict[str, Card] = {}
    for card in cards:
        if card.front is None:
            continue
        key = " ".join(card.front.value.casefold().split())
        if key in seen and "duplicate-front" not in _silenced(card):
            first = seen[key].front.pos  # type: ignore[union-attr]
            yield Problem.at(
                card.front.pos, "duplicate-front", f"same front as the card at {first.path}:{first.line}:{first.col}", "warning"
            )
        seen.setdefault(key, card)


CARD_RULES: dict[str, Callable[[Card], Iterator[Problem]]] = {
    "missing-source": missing_source,
    "long-answer": long_answer,
    "long-list": long_list,
    "yes-no-question": yes_no_question,
    "question-mark": question_mark,
    "number-without-unit": number_without_unit,
    "cloze-deletions": cloze_deletions,
    "id-words": id_words,
}
RULES: dict[str, str] = {name: (rule.__doc__ or "").split("\n")[0] for name, rule in CARD_RULES.items()}
RULES["duplicate-front"] = (duplicate_front.__doc__ or "").split("\n")[0]


def lint_cards(cards: list[Card]) -> list[Problem]:
    """Every quality warning for these cards, skipping rules a card silences with ``lint:``."""
    problems: list[Problem] = []
    for card in cards:
        silenced = _silenced(card)
        for name, rule in CARD_RULES.items():
            if name not in silenced:
                problems.extend(rule(card))
    problems.extend(duplicate_front(cards))
    return problems


def _silenced(card: Card) -> set[str]:
    return {t.value for t in card.lint}


def _first_word(text: str) -> str:
    match = re.match(r"\W*(\w+)", text)
    return match.group(1).lower() if match else ""


def _warn(text: Text, rule: str, message: str) -> Problem:
    return Problem.at(text.pos, rule, message, "warning")

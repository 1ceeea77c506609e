"""Lint: card-quality rules run by ``redeck check --strict``; each rule's docstring documents it."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator

from redeck.model import CLOZE_NUMBER, Card, Position, Problem, Text

MAX_ANSWER_CHARS = 200
MAX_EXTRA_CHARS = 300
MAX_SOURCE_CHARS = 160
MAX_INLINE_MATH_CHARS = 60
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
# How a card was checked belongs in docs/reviews/, not in what a learner reads at every review.
RESEARCH_NOTES = re.compile(
    r"\b(?:checked|verified|reviewed|cross-checked|not read|unread|read (?:via|through|from|in|as)|as stored|via (?:a |an |the )?"
    r"(?:mirror|copy|transcri\w*|excerpt)|mirror of|transcri(?:pt|bed|ption)s?|(?:Chinese|English|1st-ed\.|2nd-ed\.) translation|translation (?:in|at|on)\b"
    r"|evidence:|variant trap)",
    re.I,
)
# Fronts that lean on a document instead of standing alone.
DOCUMENT_CONTEXT = re.compile(
    r"\b(?:the|this|that) (?:book|chapter|section|paper|table|figure|article|post|lecture|author|authors|source)\b"
    r"|\bcase \d+\b|\b(?:the )?(?:above|previous|next) card\b",
    re.I,
)
INLINE_MATH = re.compile(r"\\\((.*?)\\\)", re.S)
# A plain-text subscript or superscript such as ρ_t, T_math or x^2, outside math and code.
PLAIN_SCRIPT = re.compile(r"(?<![\w\\])[A-Za-zα-ωΑ-Ω]\w*[_^]\{?\w+")
# Scripts, event handlers and javascript: links run in Anki's card view and in the preview.
ACTIVE_CONTENT = re.compile(r"<script\b|\son[a-z]+\s*=|javascript:", re.I)
CLOZE_DELETION = re.compile(r"\{\{c\d+::(.*?)(?:::[^}]*)?\}\}", re.S)
# A quantity: a number, then what it counts (letters), ignoring TeX spacing such as `\,`.
QUANTITY = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*([A-Za-z%]*)")
TEX_NOISE = re.compile(r"\\[,;:! ]|\\\(|\\\)|\\\[|\\\]|[{}~]")
MAX_ARITHMETIC_TERMS = 8


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
        yield _warn(front, "question-mark", "a question should end with '?'")


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


def long_extra(card: Card) -> Iterator[Problem]:
    """An extra is one or two sentences of why or how to remember, at most 300 characters.

    Passes: ``extra: int8 doubles it.``
    Fails: an ``extra`` that walks through a derivation in five sentences (make the derivation its own card).
    """
    if card.extra is not None and len(card.extra.value.strip()) > MAX_EXTRA_CHARS:
        length = len(card.extra.value.strip())
        yield _warn(
            card.extra, "long-extra", f"extra is {length} characters (at most {MAX_EXTRA_CHARS}); keep one or two sentences"
        )


def long_source(card: Card) -> Iterator[Problem]:
    """A source names the work and the place in it in at most 160 characters.

    Passes: ``source: DDIA (1st ed.), ch. 7 "Transactions", section "Snapshot Isolation"``.
    Fails: a source that lists three works and the pages of each.
    """
    if card.source is not None and len(card.source.value.strip()) > MAX_SOURCE_CHARS:
        length = len(card.source.value.strip())
        yield _warn(
            card.source, "long-source", f"source is {length} characters (at most {MAX_SOURCE_CHARS}); cite the work and the place"
        )


def research_notes(card: Card) -> Iterator[Problem]:
    """Sources and extras carry no notes on how a card was checked: those go in docs/reviews/.

    Passes: ``source: Raft paper (Ongaro & Ousterhout 2014), section 5.4``.
    Fails: ``source: Raft paper, section 5.4 (read via a mirror; full PDF not read)``; an extra starting "Evidence:".
    """
    for text in (card.source, card.extra):
        match = RESEARCH_NOTES.search(text.value) if text is not None else None
        if text is not None and match:
            yield _warn(
                text, "research-notes", f"'{match.group()}' is a note on checking; put it in docs/reviews/, not on the card"
            )


def document_context(card: Card) -> Iterator[Problem]:
    """A front stands alone: it does not ask what "the book", "this section" or "Case 2" says.

    Passes: ``front: What is the H100 SXM's dense bf16 peak?``.
    Fails: ``front: What bandwidth does the book give for ICI?``.
    """
    match = DOCUMENT_CONTEXT.search(card.front.value) if card.front is not None else None
    if card.front is not None and match:
        yield _warn(card.front, "document-context", f"the front refers to '{match.group()}'; ask about the fact itself")


def long_inline_math(card: Card) -> Iterator[Problem]:
    """Inline math is at most 60 characters of TeX: MathJax does not wrap it, so longer runs off a phone screen.

    Passes: ``back: \\(2 \\cdot B \\cdot D\\)``.
    Fails: a long formula inside ``\\( … \\)``; write it as display math ``\\[ … \\]`` or split it.
    """
    for text in _fields(card):
        for match in INLINE_MATH.finditer(text.value):
            if len(match.group(1).strip()) > MAX_INLINE_MATH_CHARS:
                yield _warn(text, "long-inline-math", f"inline math of {len(match.group(1).strip())} characters (at most "
                            f"{MAX_INLINE_MATH_CHARS}) runs off a phone screen; use display math \\[ … \\]")  # fmt: skip
                break


def mixed_notation(card: Card) -> Iterator[Problem]:
    """A card that typesets math writes every symbol as math: not ``ρ_t`` in plain text beside ``\\(\\rho_t\\)``.

    Passes: ``back: the ratio \\(\\rho_t\\) is clipped``; identifiers in code spans (``max_len``).
    Fails: ``back: the ratio ρ_t is clipped to \\(1 \\pm \\epsilon\\)``.
    """
    texts = _fields(card)
    if not any("\\(" in t.value or "\\[" in t.value for t in texts):
        return
    for text in texts:
        match = PLAIN_SCRIPT.search(NOT_PROSE.sub(lambda m: " " * len(m.group()), text.value))
        if match:
            yield _warn(text, "mixed-notation", f"'{match.group()}' is plain text in a card that typesets math; write it as math")
            return


def cloze_arithmetic(card: Card) -> Iterator[Problem]:
    """A cloze deletion cannot be worked out from its siblings by adding or subtracting what the card shows.

    Passes: ``cloze: "Attention stores {{c1::11 sbh}} bytes per layer."``
    Fails: ``cloze: "Of 34 sbh, attention stores {{c1::11 sbh}}, the MLP {{c2::19 sbh}}, norms {{c3::4 sbh}}."``
    (11 = 34 − 19 − 4: one fact per card, or drop the total.)
    """
    if card.cloze is None:
        return
    text = card.cloze.value
    hidden = [q for deletion in CLOZE_DELETION.findall(text) if (q := _quantity(deletion)) is not None]
    if len(hidden) < 2:
        return
    shown = [m.groups() for m in QUANTITY.finditer(TEX_NOISE.sub(" ", CLOZE_DELETION.sub(" ", text)))]
    for index, (value, unit) in enumerate(hidden):
        others = [v for i, (v, u) in enumerate(hidden) if i != index and u == unit]
        others += [float(v) for v, u in shown if u == unit and unit]
        if _sum_of_others(value, others[:MAX_ARITHMETIC_TERMS]):
            yield _warn(card.cloze, "cloze-arithmetic", f"deletion '{_number(value)}{unit and ' ' + unit}' follows by arithmetic "
                        "from the numbers the card shows with it; one quantity per card")  # fmt: skip
            return


def script_in_card(card: Card) -> Iterator[Problem]:
    """A card runs no script: ``<script>``, ``on…=`` handlers and ``javascript:`` links run in Anki and the preview.

    Anki runs card scripts by design, so they stay possible, silenced per card with a reason; this
    makes sure a reviewer of a contributed file sees them. Runs in ``check`` as well as ``check --strict``.
    Passes: ``back: "<b>bold</b>"``. Fails: ``back: '<img src=x onerror="alert(1)">'``.
    """
    for text in (*_fields(card), card.source):
        match = ACTIVE_CONTENT.search(text.value) if text is not None else None
        if text is not None and match:
            yield _warn(
                text,
                "script",
                f"'{match.group().strip()}' runs code in Anki and the preview; review it, then silence with a reason",
            )


def todo_left(card: Card) -> Iterator[Problem]:
    """No ``TODO`` is left in a card (``redeck new`` writes them into the skeleton).

    Passes: a filled-in card. Fails: ``front: TODO What is the question?``.
    """
    for text in (*_fields(card), card.source):
        if text is not None and "TODO" in text.value:
            yield _warn(text, "todo", "a TODO is left in the card")
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


def duplicate_fronts(fronts: Iterable[tuple[str, Position, bool]]) -> Iterator[Problem]:
    """No two cards ask the same thing: fronts are compared ignoring case and spacing.

    ``fronts`` are `front_key`s with their places and whether the card silences this rule, in build order.
    Fails: two cards whose front is ``What is MVCC?``.
    """
    seen: dict[str, Position] = {}
    for key, pos, silenced in fronts:
        first = seen.setdefault(key, pos)
        if first is not pos and not silenced:
            yield Problem.at(
                pos, "duplicate-front", f"same front as the card at {first.path}:{first.line}:{first.col}", "warning"
            )


def front_key(card: Card) -> str | None:
    """A card's front as duplicate-front compares it (None for a cloze)."""
    return " ".join(card.front.value.casefold().split()) if card.front is not None else None


CARD_RULES: dict[str, Callable[[Card], Iterator[Problem]]] = {
    "missing-source": missing_source,
    "long-answer": long_answer,
    "long-list": long_list,
    "yes-no-question": yes_no_question,
    "question-mark": question_mark,
    "number-without-unit": number_without_unit,
    "cloze-deletions": cloze_deletions,
    "id-words": id_words,
    "long-extra": long_extra,
    "long-source": long_source,
    "research-notes": research_notes,
    "document-context": document_context,
    "long-inline-math": long_inline_math,
    "mixed-notation": mixed_notation,
    "cloze-arithmetic": cloze_arithmetic,
    "script": script_in_card,
    "todo": todo_left,
}
# Rules that `check` runs without --strict too: what a reviewer of a contributed file must see.
ALWAYS = ("script",)
RULES: dict[str, str] = {name: (rule.__doc__ or "").split("\n")[0] for name, rule in CARD_RULES.items()}
RULES["duplicate-front"] = (duplicate_fronts.__doc__ or "").split("\n")[0]


def lint_cards(cards: list[Card], rules: Iterable[str] | None = None) -> list[Problem]:
    """The quality warnings of each card on its own (of ``rules``, default all), skipping rules it silences.

    Repeated fronts need every file at once: see `duplicate_fronts`.
    """
    chosen = CARD_RULES if rules is None else {name: CARD_RULES[name] for name in rules}
    problems: list[Problem] = []
    for card in cards:
        silenced = _silenced(card)
        for name, rule in chosen.items():
            if name not in silenced:
                problems.extend(rule(card))
        if rules is None:
            problems.extend(unexplained_silence(card))
    return problems


def unexplained_silence(card: Card) -> Iterator[Problem]:
    """A card skips a rule only with a reason: ``lint: {number-without-unit: counts layers, not a quantity}``."""
    for rule, reason in card.lint:
        if reason is None:
            yield _warn(rule, "lint-reason", f"say why the card skips '{rule.value}': lint: {{{rule.value}: reason}}")


def _silenced(card: Card) -> set[str]:
    return {silence.rule.value for silence in card.lint}


def _fields(card: Card) -> tuple[Text, ...]:
    return tuple(t for t in (card.front, card.back, card.cloze, card.extra) if t is not None)


def _quantity(text: str) -> tuple[float, str] | None:
    """The value and unit of a deletion that is one quantity (``11 sbh``, ``\\(4\\,sbh\\)``, ``50%``), else None."""
    match = QUANTITY.fullmatch(TEX_NOISE.sub(" ", text).strip())
    return (float(match.group(1)), match.group(2)) if match else None


def _sum_of_others(value: float, others: list[float]) -> bool:
    """Whether ``value`` is a sum of two or more of ``others``, or one of them less a sum of others."""
    from itertools import combinations

    for size in range(1, len(others) + 1):
        for terms in combinations(range(len(others)), size):
            total = sum(others[i] for i in terms)
            if size >= 2 and math.isclose(value, total):
                return True
            rest = [others[i] for i in range(len(others)) if i not in terms]
            if any(math.isclose(value, big - total) for big in rest):
                return True
    return False


def _number(value: float) -> str:
    return f"{value:g}"


def _first_word(text: str) -> str:
    match = re.match(r"\W*(\w+)", text)
    return match.group(1).lower() if match else ""


def _warn(text: Text, rule: str, message: str) -> Problem:
    return Problem.at(text.pos, rule, message, "warning")

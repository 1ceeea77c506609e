"""Preview: a static HTML site of the deck, rendered exactly as the package renders it."""

from __future__ import annotations

import html
import re
import shutil
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from redeck.build import CheckResult, Run, run_pipeline
from redeck.compile import Plan
from redeck.media import read_media
from redeck.model import Note, RedeckError
from redeck.render import IMG_SRC, plain_text

MARKER = ".redeck-preview"  # marks a folder as ours, so a rebuild may replace it
CLOZE = re.compile(r"\{\{c(\d+)::(.*?)(?:::(.*?))?\}\}", re.S)
MATHJAX_CONFIG = """window.MathJax = {
  tex: {inlineMath: [["\\\\(", "\\\\)"]], displayMath: [["\\\\[", "\\\\]"]]},
  svg: {fontCache: "global"}
};"""


class PreviewError(RedeckError):
    """The output folder exists and is not a preview that redeck wrote."""


@dataclass
class PreviewResult:
    """The pages written, or the problems that stopped the preview."""

    check: CheckResult
    out_dir: Path
    pages: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.check.errors


def build_preview(cards_dir: Path, out_dir: Path) -> PreviewResult:
    """Check the cards and write ``out_dir/index.html`` plus one page per deck; nothing on errors.

    The cards go through the same pipeline as a build, so the preview shows what the package holds.
    """
    from redeck.notetypes import note_types
    from redeck.output import check_folder_output

    check_folder_output(out_dir, cards_dir)
    if out_dir.exists() and any(out_dir.iterdir()) and not (out_dir / MARKER).exists():
        raise PreviewError(out_dir, "folder exists and is not a redeck preview; refusing to replace it")
    run = run_pipeline(cards_dir, Plan(keep_notes=True))
    result = PreviewResult(run.check, out_dir)
    if not run.ok:
        return result
    media = {**run.media, **run.top_media}
    by_deck: dict[str, list[Note]] = defaultdict(list)
    for note in run.notes:
        by_deck[note.deck].append(note)
    top = run.deck_file.deck.value if run.deck_file is not None and run.deck_file.deck is not None else ""

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    # Folders of our own with unique names: nothing of the user's beside the output is touched.
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".tmp", dir=out_dir.parent))
    try:
        (staging / "assets" / "mathjax").mkdir(parents=True)
        (staging / "media").mkdir()
        (staging / MARKER).write_text("Written by `redeck preview`; the next preview replaces this folder.\n")
        _copy_assets(staging / "assets", note_types()["basic"].css)
        for name, path in media.items():
            (staging / "media" / name).write_bytes(read_media(path))
        pages = {deck: deck_page_name(deck) for deck in by_deck}
        entries = deck_entries(run, cards_dir, by_deck)
        index = _media_links(index_page(entries, pages, top, run.top_description), set(media))
        (staging / "index.html").write_text(index, encoding="utf-8")
        for deck, deck_notes in by_deck.items():
            body = "\n".join(card_html(note, set(media)) for note in deck_notes)
            (staging / pages[deck]).write_text(deck_page(deck, body, len(deck_notes)), encoding="utf-8")
        _swap_in(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    result.pages = [out_dir / "index.html"] + [out_dir / pages[deck] for deck in by_deck]
    return result


def _swap_in(staging: Path, out_dir: Path) -> None:
    """Put the finished site in place whole, so a failed preview never leaves a half-written one."""
    if not out_dir.exists():
        staging.rename(out_dir)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".old", dir=out_dir.parent))
    old.rmdir()  # only its unique name is wanted: the old site is renamed to it
    out_dir.rename(old)
    try:
        staging.rename(out_dir)
    except BaseException:
        old.rename(out_dir)
        raise
    shutil.rmtree(old)


def deck_page_name(deck: str) -> str:
    """A file name for a deck page: its levels below the root, slugged."""
    slug = re.sub(r"[^a-z0-9]+", "-", deck.lower().replace("::", "--")).strip("-")
    return f"{slug or 'deck'}.html"


def cloze_front(text: str) -> str:
    """A cloze with every deletion hidden, showing its hint if it has one."""
    return CLOZE.sub(lambda m: f'<span class="cloze">[{m.group(3) or "…"}]</span>', text)


def cloze_back(text: str) -> str:
    """A cloze with every deletion shown."""
    return CLOZE.sub(lambda m: f'<span class="cloze">{m.group(2)}</span>', text)


def card_html(note: Note, media: set[str]) -> str:
    """One card: the question, then (hidden until revealed) the answer, extra and source."""
    if note.notetype == "cloze":
        text, extra, source = note.fields
        question, answer = cloze_front(text), cloze_back(text)
    else:
        question, answer, extra, source, reverse = note.fields
    tail = ""
    if extra:
        tail += f'<div class="re-extra">{extra}</div>'
    if source:
        tail += f'<div class="re-source">{source}</div>'
    searchable = plain_text(" ".join(note.fields)).lower()
    tags = " ".join(note.tags).lower()
    reversed_mark = " · reversed too" if note.notetype == "basic" and note.fields[4] else ""
    card = f"""<article class="re-card card" id="{note.card_id}" tabindex="0" aria-expanded="false"
  data-tags="{html.escape(tags)}" data-text="{html.escape(searchable)}">
<div class="re-front">{question}</div>
<div class="re-hint">click or press Enter to show the answer</div>
<div class="re-answer"><hr id="answer"><div class="re-back">{answer}</div>{tail}</div>
<div class="re-meta">{html.escape(note.card_id)} · {html.escape(" ".join(note.tags))}{reversed_mark}</div>
</article>"""
    return _media_links(card, media)


def deck_page(deck: str, body: str, count: int) -> str:
    return _page(
        deck,
        f"""<header class="re-top"><h1><a href="index.html">Decks</a> › {html.escape(deck)}</h1>
<input id="search" type="search" placeholder="Filter: words, or tag:name  (press /)" aria-label="Filter cards">
<span id="count">{count} cards</span><button id="reveal-all" type="button">Show all answers</button></header>
<main>
{body}
</main>""",
    )


@dataclass(frozen=True)
class DeckEntry:
    """A deck on the index page: where it sits in the study order, its track and what it says of itself."""

    name: str
    track: str  # the top folder of the card tree its cards are in
    description: str  # HTML, "" if none
    notes: int


def deck_entries(run: Run, cards_dir: Path, by_deck: dict[str, list[Note]]) -> list[DeckEntry]:
    """The decks with cards, in study order (the order of their first card file)."""
    from redeck.deckfile import described_decks

    descriptions = described_decks(run.files)[0]
    entries: dict[str, DeckEntry] = {}
    for f in run.files:
        parts = Path(f.path).relative_to(cards_dir).parts
        track = parts[0] if len(parts) > 1 else ""
        for deck, *_rest in f.decks:
            if deck in by_deck and deck not in entries:
                entries[deck] = DeckEntry(deck, track, descriptions.get(deck, ""), len(by_deck[deck]))
    return list(entries.values())


def index_page(entries: list[DeckEntry], pages: dict[str, str], top: str = "", top_description: str = "") -> str:
    """The index: where to start, then every deck in study order under its track, with its description."""
    total = sum(entry.notes for entry in entries)
    tracks: dict[str, list[tuple[int, DeckEntry]]] = defaultdict(list)
    for number, entry in enumerate(entries, start=1):
        tracks[entry.track].append((number, entry))
    sections = []
    for track, numbered in tracks.items():
        rows = "\n".join(
            f'<li value="{number}"><a href="{pages[entry.name]}">{html.escape(entry.name)}</a> '
            f'<span class="re-count">({entry.notes} cards)</span>'
            + (f'<div class="re-about">{entry.description}</div>' if entry.description else "")
            + "</li>"
            for number, entry in numbered
        )
        title = f"<h2>{html.escape(track.title())}</h2>" if track else ""
        sections.append(f'<section class="re-track">{title}<ol class="re-decks">\n{rows}\n</ol></section>')
    start = ""
    if entries:
        first = entries[0]
        start = f'<p class="re-start">Start here: <a href="{pages[first.name]}">{html.escape(first.name)}</a>. Decks are numbered in study order.</p>'
    about = f'<div class="re-about re-top-about">{top_description}</div>' if top_description else ""
    title = html.escape(top or "Decks")
    return _page(
        top or "Decks",
        f"""<header class="re-top"><h1>{title}</h1><span id="count">{total} cards in {len(entries)} decks</span></header>
<main>{about}{start}
{"".join(sections)}
</main>""",
    )


def _page(title: str, body: str) -> str:
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} · redeck preview</title>
<link rel="stylesheet" href="assets/card.css">
<link rel="stylesheet" href="assets/preview.css">
<script>{MATHJAX_CONFIG}</script>
<script defer src="assets/mathjax/tex-svg.js"></script>
</head>
<body>
{body}
<script src="assets/preview.js"></script>
</body>
</html>
"""


def _media_links(card: str, media: set[str]) -> str:
    """Anki keeps media beside the collection; the preview keeps them under media/."""
    return IMG_SRC.sub(lambda m: _prefix(m, media), card)


def _prefix(match: re.Match[str], media: set[str]) -> str:
    src = match.group(3)
    return f"{match.group(1)}{match.group(2)}{'media/' + src if src in media else src}{match.group(2)}"


def _copy_assets(assets: Path, card_css: str) -> None:
    (assets / "card.css").write_text(card_css, encoding="utf-8")
    bundled = resources.files("redeck") / "assets"
    for name in ("preview.css", "preview.js"):
        (assets / name).write_bytes((bundled / name).read_bytes())
    for name in ("tex-svg.js", "LICENSE"):
        (assets / "mathjax" / name).write_bytes((bundled / "mathjax" / name).read_bytes())

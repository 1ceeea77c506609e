"""Render: turn checked cards into notes with HTML fields (Markdown, code, math, media)."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pyromark

from redeck.media import Media
from redeck.model import Card, Note, Problem, Text

MARKDOWN_OPTIONS = pyromark.Options.ENABLE_TABLES | pyromark.Options.ENABLE_STRIKETHROUGH
# CommonMark reads `\(` as an escaped `(`, which would eat MathJax's delimiters: math spans
# are swapped for private-use placeholders before Markdown and put back after it.
MATH = re.compile(r"\\\(.*?\\\)|\\\[.*?\\\]", re.S)
PLACEHOLDER = re.compile("\ue000(\\d+)\ue001")
CODE_BLOCK = re.compile(r'<pre><code class="language-([^"]+)">(.*?)</code></pre>', re.S)
HTML_TAG = re.compile(r"<[^>]+>")
IMG_SRC = re.compile(r"(<img\b[^>]*?\ssrc=)([\"'])(.*?)\2", re.I | re.S)
URL = re.compile(r"https?://[^\s<>\"]*[^\s<>\".,;:!?)\]']")
# Markdown syntax characters; a field with none of them is plain text and skips the parser.
MARKDOWN_SYNTAX = re.compile(r"[\\`*_\[\]<>!#|~&\r\n]|^\s*(?:[-+=]|\d+[.)])", re.M)


class Renderer:
    """Renders cards to notes, finding every image they show (the only part of redeck that does).

    Markdown names an image in more ways than a pattern can see (references defined anywhere in the
    field, a path on the next line, escapes), so images are taken from the HTML the parser wrote;
    `media` resolves each one inside the card tree, and those it cannot use become problems located
    in their field.
    """

    def __init__(self, media: Media) -> None:
        self.media = media
        self.problems: list[Problem] = []
        self._refused: list[tuple[str, str]] = []  # (src, reason) of the field being rendered
        self._lexers: dict[str, Any] = {}
        self._formatter: Any = None

    def render_card(self, card: Card) -> Note:
        base = card.file.parent
        extra = self.field(card.extra, base) if card.extra else ""
        source = render_source(card.source.value) if card.source else ""
        if card.cloze is not None:
            notetype = "cloze"
            fields: tuple[str, ...] = (self.field(card.cloze, base), extra, source)
        else:
            assert card.front is not None and card.back is not None
            notetype = "basic"
            fields = (self.field(card.front, base), self.field(card.back, base), extra, source, "y" if card.reverse else "")
        return Note(card_id=card.id.value, notetype=notetype, deck=card.deck.value, fields=fields, tags=card.tag_names)

    def field(self, text: Text, base: Path) -> str:
        """One field's HTML; an image it names that cannot be used becomes a problem located in the field."""
        out = self.markdown(text.value, base)
        for src, reason in self._refused:
            self.problems.append(Problem.at(text.locate(_offset_of(text.value, src)), "image", reason))
        self._refused.clear()
        return out

    def markdown(self, text: str, base: Path) -> str:
        """Markdown to HTML, keeping MathJax as written and packing local images as media."""
        text = text.strip()
        if not MARKDOWN_SYNTAX.search(text):
            return html.escape(text, quote=False)
        maths: list[str] = []

        def protect(match: re.Match[str]) -> str:
            maths.append(match.group())
            return f"\ue000{len(maths) - 1}\ue001"

        out = pyromark.html(MATH.sub(protect, text) if "\\" in text else text, options=MARKDOWN_OPTIONS)
        if "<pre><code class=" in out:
            out = CODE_BLOCK.sub(self._highlight, out)
        if "<img" in out:
            out = IMG_SRC.sub(lambda m: m.group(1) + m.group(2) + self._media_src(m.group(3), base) + m.group(2), out)
        if maths:
            out = PLACEHOLDER.sub(lambda m: html.escape(maths[int(m.group(1))], quote=False), out)
        out = out.strip()
        if out.startswith("<p>") and out.endswith("</p>") and out.count("<p>") == 1:
            out = out[3:-4]
        return out

    def _media_src(self, src: str, base: Path) -> str:
        new_src, reason = self.media.add(src, base)
        if reason is not None:
            self._refused.append((src, reason))
        return new_src

    def _highlight(self, match: re.Match[str]) -> str:
        from pygments import highlight
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import get_lexer_by_name
        from pygments.util import ClassNotFound

        language = html.unescape(match.group(1))
        if language not in self._lexers:
            try:
                self._lexers[language] = get_lexer_by_name(language)
            except ClassNotFound:
                self._lexers[language] = None
        lexer = self._lexers[language]
        if lexer is None:
            return match.group()
        if self._formatter is None:
            self._formatter = HtmlFormatter(cssclass="highlight")
        out = highlight(html.unescape(match.group(2)), lexer, self._formatter).strip()
        # The language, kept where `redeck pull` can read it back: Pygments' markup alone does not say it.
        return out.replace(
            '<div class="highlight">', f'<div class="highlight" data-lang="{html.escape(language, quote=True)}">', 1
        )


def plain_text(html_text: str) -> str:
    """The text of rendered HTML, tags dropped and whitespace collapsed (for search and messages)."""
    return " ".join(html.unescape(HTML_TAG.sub(" ", html_text)).split())


def _offset_of(text: str, src: str) -> int:
    """Where in a field's Markdown an image's ``src`` (as the HTML has it) is written; 0 if it cannot be told."""
    from urllib.parse import unquote

    for written in (src, html.unescape(src), unquote(html.unescape(src))):
        at = text.find(written)
        if at >= 0:
            return at
    return 0


def render_source(text: str) -> str:
    """A source citation as HTML: escaped text with its URLs made links."""
    escaped = html.escape(text.strip(), quote=False)
    return URL.sub(lambda m: f'<a href="{html.escape(m.group(), quote=True)}">{m.group()}</a>', escaped)

"""Convert: a field's HTML back to the card format's Markdown, only where it renders back to the same HTML.

Used by `redeck pull` to bring edits made in Anki home. markdownify does the conversion; what
makes it safe is the check after it: the Markdown is rendered again with redeck's own renderer and
must give exactly the HTML Anki holds, or the field is refused (nothing is written for it).
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from redeck.media import Media
from redeck.render import MATH, Renderer, render_source

# Math as MathJax reads it, kept out of markdownify's reach (it would escape `_` and `*` inside).
PLACEHOLDER = re.compile("\ue010(\\d+)\ue011")
REPORT_LINK = re.compile(r'\s*<a class="re-report" href="[^"]*">Report a problem</a>$')
HIGHLIGHT = re.compile(r'<div class="highlight" data-lang="([^"]+)"><pre>(.*?)</pre></div>', re.S)
TAG = re.compile(r"<[^>]+>")


class ConversionError(ValueError):
    """The field's HTML has no Markdown that renders back to it."""


def normalized(html_text: str) -> str:
    """HTML as Anki keeps it: Unicode NFC (Anki normalizes what it imports and stores)."""
    return unicodedata.normalize("NFC", html_text).strip()


def to_markdown(field_html: str, media_paths: Mapping[str, str] | None = None, base: Path = Path(".")) -> str:
    """The Markdown for a field's HTML; `ConversionError` unless rendering it gives the same HTML back.

    ``media_paths`` maps the names images have in the package to the paths the card file uses.
    """
    target = normalized(field_html)
    for escape in (False, True):
        text = _convert(target, media_paths or {}, escape)
        if _rendered(text, media_paths or {}, base) == target:
            return text
    raise ConversionError("no Markdown renders back to this HTML")


def source_text(field_html: str) -> str:
    """A source field's text: its report link dropped; `ConversionError` unless it renders back the same."""
    target = REPORT_LINK.sub("", normalized(field_html))
    text = html.unescape(TAG.sub("", target))
    if render_source(text) != target:
        raise ConversionError("the source holds markup other than links")
    return text


def _convert(target: str, media_paths: Mapping[str, str], escape: bool) -> str:
    from markdownify import MarkdownConverter

    maths: list[str] = []

    def protect(match: re.Match[str]) -> str:
        maths.append(html.unescape(match.group()))
        return f"\ue010{len(maths) - 1}\ue011"

    class Converter(MarkdownConverter):
        def convert_img(self, el: Any, text: str, *args: Any, **kwargs: Any) -> str:
            src = el.attrs.get("src", "")
            alt = el.attrs.get("alt", "")
            return f"![{alt}]({media_paths.get(src, src)})"

    highlighted: list[tuple[str, str]] = []

    def fence(match: re.Match[str]) -> str:
        highlighted.append((html.unescape(match.group(1)), html.unescape(TAG.sub("", match.group(2)))))
        return f"<p>\ue012{len(highlighted) - 1}\ue013</p>"

    source = HIGHLIGHT.sub(fence, MATH.sub(protect, target))
    converter = Converter(heading_style="ATX", bullets="-", escape_underscores=escape, escape_asterisks=escape)
    text = converter.convert(source).strip()
    text = re.sub("\ue012(\\d+)\ue013", lambda m: "```{}\n{}```".format(*highlighted[int(m.group(1))]), text)
    return PLACEHOLDER.sub(lambda m: maths[int(m.group(1))], text)


def _rendered(text: str, media_paths: Mapping[str, str], base: Path) -> str:
    """What redeck makes of ``text``, with images given the names they have in the package."""
    names = {path: name for name, path in media_paths.items()}
    renderer = Renderer(_NamedMedia(base, names))
    return normalized(renderer.markdown(text, base))


class _NamedMedia(Media):
    """Media that names the images a card file already uses as the package names them, reading nothing."""

    def __init__(self, root: Path, names: Mapping[str, str]) -> None:
        super().__init__(root)
        self._known = names

    def add(self, src: str, base: Path) -> tuple[str, str | None]:
        ref = html.unescape(src)
        if ref in self._known:
            return html.escape(self._known[ref], quote=True), None
        return src, None

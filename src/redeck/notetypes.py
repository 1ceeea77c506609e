"""Note types: the fixed ids, fields, templates and CSS of redeck's two Anki note types."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class NoteType:
    """An Anki note type as redeck defines it; ``digest`` changes whenever anything Anki shows changes."""

    key: str
    id: int
    name: str
    fields: tuple[str, ...]
    templates: tuple[tuple[str, str, str], ...]  # (name, question, answer)
    css: str
    cloze: bool = False

    @property
    def digest(self) -> str:
        content = json.dumps([self.name, self.fields, self.templates, self.css, self.cloze])
        return hashlib.blake2b(content.encode(), digest_size=8).hexdigest()


# Anki matches note types by id and field list: never change these ids, and add fields
# only at the end (a new field makes Anki create a "RE Basic+" copy on import).
BASIC_ID = 1732540801
CLOZE_ID = 1732540802

_ANSWER_TAIL = """
{{#Extra}}<div class="re-extra">{{Extra}}</div>{{/Extra}}
{{#Source}}<div class="re-source">{{Source}}</div>{{/Source}}"""

CSS = """\
.card {
  --re-fg: #1f2328; --re-muted: #59636e; --re-rule: #d1d9e0; --re-code-bg: #f6f8fa;
  --re-accent: #0550ae; --re-extra-bg: #f6f8fa;
  font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif;
  font-size: 20px; line-height: 1.5; color: var(--re-fg); text-align: left;
}
.card.nightMode, .card.night_mode, .nightMode .card, .night_mode .card {
  --re-fg: #e6edf3; --re-muted: #9198a1; --re-rule: #3d444d; --re-code-bg: #262c36;
  --re-accent: #71b7ff; --re-extra-bg: #212830;
}
/* px, not em: the extra and source use smaller fonts, and their columns must still line up. */
.re-front, .re-back, .re-extra, .re-source { max-width: 800px; margin: 0 auto; }
.re-back { margin-top: 0.5em; }
hr#answer { border: none; border-top: 1px solid var(--re-rule); margin: 1em auto; max-width: 800px; }
.re-extra { margin-top: 1em; padding: 0.6em 0.9em; font-size: 0.85em; color: var(--re-fg);
  background: var(--re-extra-bg); border-left: 3px solid var(--re-rule); border-radius: 4px; }
.re-source { margin-top: 1.2em; font-size: 0.65em; color: var(--re-muted); }
.re-source a { color: var(--re-muted); }
.re-source a.re-report { margin-left: 0.4em; white-space: nowrap; opacity: 0.8; }
a { color: var(--re-accent); }
.cloze { font-weight: 600; color: var(--re-accent); }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.88em;
  background: var(--re-code-bg); padding: 0.1em 0.3em; border-radius: 4px; }
.highlight { border-radius: 6px; padding: 0.6em 0.9em; overflow-x: auto; }
.highlight pre { margin: 0; font-size: 0.8em; line-height: 1.45; }
.highlight pre code, .highlight pre span { background: transparent; padding: 0; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid var(--re-rule); padding: 0.25em 0.6em; }
img { max-width: 100%; height: auto; }
.nightMode img, .night_mode img { background: #f6f8fa; border-radius: 4px; }
"""


def _pygments_css() -> str:
    """Code colours for Anki's light mode and, scoped under its night-mode class, dark mode."""
    from pygments.formatters import HtmlFormatter

    light = HtmlFormatter(style="default").get_style_defs(".highlight")
    dark = HtmlFormatter(style="github-dark").get_style_defs(
        [".nightMode .highlight", ".night_mode .highlight", ".card.nightMode .highlight"]
    )
    return light + "\n" + dark + "\n"


@functools.cache
def note_types() -> Mapping[str, NoteType]:
    """The note types by key ("basic", "cloze"); built once per process (the CSS takes Pygments a while)."""
    css = CSS + _pygments_css()
    basic = NoteType(
        key="basic",
        id=BASIC_ID,
        name="RE Basic",
        fields=("Front", "Back", "Extra", "Source", "Reverse"),
        templates=(
            (
                "Front to back",
                '<div class="re-front">{{Front}}</div>',
                '{{FrontSide}}\n<hr id="answer">\n<div class="re-back">{{Back}}</div>' + _ANSWER_TAIL,
            ),
            (
                "Back to front",
                '{{#Reverse}}<div class="re-front">{{Back}}</div>{{/Reverse}}',
                '{{FrontSide}}\n<hr id="answer">\n<div class="re-back">{{Front}}</div>' + _ANSWER_TAIL,
            ),
        ),
        css=css,
    )
    cloze = NoteType(
        key="cloze",
        id=CLOZE_ID,
        name="RE Cloze",
        fields=("Text", "Extra", "Source"),
        templates=(
            ("Cloze", '<div class="re-front">{{cloze:Text}}</div>', '<div class="re-front">{{cloze:Text}}</div>' + _ANSWER_TAIL),
        ),
        css=css,
        cloze=True,
    )
    return MappingProxyType({"basic": basic, "cloze": cloze})

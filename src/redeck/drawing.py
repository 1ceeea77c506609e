"""Drawing: what a figure script imports: a phone-sized figure in the deck's style, card numbers, a deterministic SVG.

A figure script (``NAME.figure.py`` in the card tree) draws with matplotlib and ends with ``save(fig)``;
`redeck figures` runs it and writes ``NAME.svg`` beside it. A script that draws several variants of one
picture names each: ``save(fig, "NAME-a")`` writes ``NAME-a.svg``. Numbers the figure shows that a card also
states are read from that card (`card_number`), so the two cannot disagree.

Everything that could make two machines draw different bytes is fixed here: text becomes outlines
of matplotlib's own DejaVu fonts (no system font can change it), element ids come from a fixed salt,
and the SVG carries no date.
"""

from __future__ import annotations

import functools
import json
import os
import re
from pathlib import Path
from typing import Any

# What the card text calls a number: 1.97e14, 8,960, 0.5, 56.4e9.
NUMBER = re.compile(r"(?<![\w.])(\d[\d,]*(?:\.\d+)?(?:[eE][-+]?\d+)?)")
# What save() may call a figure: a file name beside the script, never a path.
SVG_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
# Phone width is 360 px; at 100 px per inch a 3.4 in figure shows at its own size, and 11 pt text
# (15 px) is as large as the card's small text.
WIDTH_IN = 3.4
FONT_PT = 11
# Colours that read on the light card and on the light panel night mode puts behind images.
INK = "#1f2328"
ACCENT = "#0969da"
SECOND = "#cf222e"
MUTED = "#59636e"
FILL = "#ddf4ff"


def style() -> None:
    """The rcParams every figure is drawn with."""
    import matplotlib

    matplotlib.use("svg")
    matplotlib.rcParams.update({
        "svg.fonttype": "path",  # text as outlines: no font lookup on the viewer's side
        "svg.hashsalt": "redeck",  # element ids from a fixed salt, not a random one
        "font.family": "DejaVu Sans",  # shipped with matplotlib: the same glyphs on every machine
        "font.size": FONT_PT,
        "axes.edgecolor": INK, "axes.labelcolor": INK, "xtick.color": INK, "ytick.color": INK, "text.color": INK,
        "axes.spines.top": False, "axes.spines.right": False,
        "figure.dpi": 100, "savefig.dpi": 100, "savefig.transparent": True, "savefig.bbox": "tight",
        "savefig.pad_inches": 0.04, "lines.linewidth": 1.8,
    })  # fmt: skip


def new_figure(height: float = 2.4, width: float = WIDTH_IN, **subplots: Any) -> tuple[Any, Any]:
    """A figure and its axes, sized to be read at phone width."""
    style()
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(width, height), **subplots)


def roofline(peak: float, bandwidth: float, title: str) -> tuple[Any, Any]:
    """A log-log roofline, 1 to 10⁴ FLOPs/byte, its ridge dotted and unlabelled; the figure and axes to draw more on."""
    ridge = peak / bandwidth
    fig, ax = new_figure(height=2.5)
    xs = [1, ridge, 1e4]
    ax.loglog(xs, [min(peak, x * bandwidth) for x in xs], color=ACCENT)
    ax.axvline(ridge, color=MUTED, linestyle=":", linewidth=1.2)
    ax.set_xlim(1, 1e4)
    ax.set_xticks([1, 10, 100, 1000, 10000], ["1", "10", "100", "1000", "10⁴"])
    ax.grid(True, which="both", color=MUTED, alpha=0.25, linewidth=0.6)
    ax.set_xlabel("arithmetic intensity (FLOPs/byte)")
    ax.set_ylabel("FLOP/s")
    ax.set_title(title, fontsize=11)
    return fig, ax


def diagram(width: float = 100, height: float = 60) -> tuple[Any, Any]:
    """A figure for boxes and arrows: axes hidden, ``width`` × ``height`` units, one unit the same length both ways.

    The figure is always phone-wide (3.4 in), so 100 units are 340 px and 11 pt text is about 4.5 units
    tall: a box 20 units wide holds about seven characters.
    """
    fig, ax = new_figure(height=WIDTH_IN * height / width)
    fig.subplots_adjust(left=0, right=1, bottom=0, top=1)  # the axes fill the figure: 100 units are the 3.4 in
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig, ax


def box(ax: Any, x: float, y: float, w: float, h: float, text: str = "", fill: str = FILL, edge: str = INK,
        color: str = INK, weight: str = "normal", dashed: bool = False) -> None:  # fmt: skip
    """A rectangle with its lower left corner at (x, y), and ``text`` centred in it."""
    from matplotlib.patches import Rectangle

    ax.add_patch(Rectangle((x, y), w, h, facecolor=fill, edgecolor=edge, linewidth=1.2, linestyle="--" if dashed else "-"))
    if text:
        ax.text(x + w / 2, y + h / 2, text, ha="center", va="center", color=color, fontweight=weight)


def arrow(ax: Any, start: tuple[float, float], end: tuple[float, float], text: str = "", color: str = INK,
          curve: float = 0.0, both: bool = False, dashed: bool = False, shift: tuple[float, float] = (0, 3)) -> None:  # fmt: skip
    """An arrow from ``start`` to ``end`` (bent by ``curve``), with ``text`` beside its middle (moved by ``shift``)."""
    style = {"arrowstyle": "<|-|>" if both else "-|>", "color": color, "lw": 1.4, "shrinkA": 1, "shrinkB": 1,
             "mutation_scale": 10, "connectionstyle": f"arc3,rad={curve}", "linestyle": "--" if dashed else "-"}  # fmt: skip
    ax.annotate("", xy=end, xytext=start, arrowprops=style)
    if text:
        middle = ((start[0] + end[0]) / 2 + shift[0], (start[1] + end[1]) / 2 + shift[1])
        ax.text(*middle, text, ha="center", va="center", color=color)


def lifeline(ax: Any, x: float, bottom: float, top: float) -> None:
    """A participant's dotted vertical line in a message diagram, behind the arrows drawn across it."""
    ax.plot([x, x], [bottom, top], color=MUTED, linewidth=1, linestyle=":", zorder=0)


def label(ax: Any, x: float, y: float, text: str, color: str = INK, ha: str = "center", weight: str = "normal") -> None:
    """Text centred (or aligned by ``ha``) at (x, y)."""
    ax.text(x, y, text, ha=ha, va="center", color=color, fontweight=weight)


def card_number(card_id: str, field: str = "back", nth: int = 0) -> float:
    """The ``nth`` number written in a card's ``field``: the figure shows what the card says."""
    card = _card(card_id)
    text = card.get(field, "")
    found = NUMBER.findall(text)
    if len(found) <= nth:
        raise LookupError(f"card {card_id!r} has no number {nth} in {field!r}: {text!r}")
    value = float(found[nth].replace(",", ""))
    _trace(card_id, field, nth, value)
    return value


def save(fig: Any, name: str | None = None) -> None:
    """Write the figure as ``name``.svg (the script's own name by default) beside the script.

    Run by `redeck figures`, it goes to the folder `figures` collects from instead.
    """
    script = Path(_script())
    name = name or script.name.removesuffix(".figure.py")
    if not SVG_NAME.fullmatch(name):
        raise ValueError(f"figure name {name!r}: use letters, digits, '-' and '_' (it names a file beside the script)")
    folder = os.environ.get("REDECK_FIGURE_OUTPUT") or str(script.parent)
    out = Path(folder) / f"{name}.svg"
    if out.exists() and os.environ.get("REDECK_FIGURE_OUTPUT"):
        raise ValueError(f"figure {name!r} saved twice")
    fig.savefig(out, format="svg", metadata={"Date": None, "Creator": None})


def _card(card_id: str) -> dict[str, str]:
    cards = _cards_of(Path(os.environ.get("REDECK_CARDS") or _find_cards()))
    if card_id not in cards:
        raise LookupError(f"no card {card_id!r} in the card tree")
    return cards[card_id]


@functools.cache
def _cards_of(root: Path) -> dict[str, dict[str, str]]:
    """Every card of the tree as plain text values, by id (loaded once per figure script)."""
    import yaml

    cards = {}
    for path in sorted(root.rglob("*.yaml")):
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader) or {}
        for card in doc.get("cards", []) if isinstance(doc, dict) else []:
            cards[card["id"]] = card
    return cards


def _trace(card_id: str, field: str, nth: int, value: float) -> None:
    trace = os.environ.get("REDECK_FIGURE_TRACE")
    if trace:
        with open(trace, "a", encoding="utf-8") as out:
            out.write(json.dumps({"card": card_id, "field": field, "nth": nth, "value": value}) + "\n")


def _script() -> str:
    import __main__

    return getattr(__main__, "__file__", "figure.figure.py")


def _find_cards() -> Path:
    here = Path(_script()).resolve()
    for parent in here.parents:
        if (parent / "redeck.yaml").is_file() or parent.name == "cards":
            return parent
    return here.parent

"""Figures: run every figure script in the card tree and write, or check, the SVG each one draws.

Figures are source: ``NAME.figure.py`` draws ``NAME.svg`` beside it, or several named SVGs (see
drawing.py), and each SVG is committed so that a build never needs matplotlib. Each script runs in
its own Python process with a fixed environment (no user matplotlibrc, a fixed hash seed, no clock),
so the same script draws the same bytes on every machine. A script is code: `redeck figures` runs the tree's scripts, as a test
suite would; `build` and `check` never do.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from redeck.model import Problem, RedeckError

SCRIPT_SUFFIX = ".figure.py"
TIMEOUT_S = 120


class FiguresError(RedeckError):
    """Figures cannot be drawn here at all (matplotlib missing)."""


@dataclass(frozen=True)
class Figure:
    """One SVG a figure script draws (or the script's failure: then ``drawn`` is None)."""

    script: Path
    svg: Path
    drawn: bytes | None  # None if the script failed
    problem: Problem | None = None

    @property
    def stale(self) -> bool:
        """Whether the committed SVG is missing or is not what the script draws now."""
        try:
            return self.drawn is not None and self.svg.read_bytes() != self.drawn
        except OSError:
            return True


def scripts(cards_dir: Path) -> list[Path]:
    """Every figure script in the tree, sorted; hidden folders skipped."""
    return sorted(
        path
        for path in cards_dir.rglob(f"*{SCRIPT_SUFFIX}")
        if not any(part.startswith(".") for part in path.relative_to(cards_dir).parts)
    )


def svg_of(script: Path) -> Path:
    """The SVG a script draws when it does not name its figures."""
    return script.with_name(script.name.removesuffix(SCRIPT_SUFFIX) + ".svg")


def draw(script: Path, cards_dir: Path, trace: Path | None = None) -> list[Figure]:
    """Run one script in a fixed environment: the SVGs it drew, by name, or its one failure."""
    with tempfile.TemporaryDirectory(prefix="redeck-figure-") as work:
        out = Path(work) / "out"
        out.mkdir()
        env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
            "PYTHONHASHSEED": "0",
            "SOURCE_DATE_EPOCH": "0",
            "TZ": "UTC",
            "LC_ALL": "C.UTF-8",
            "MPLBACKEND": "svg",
            "MPLCONFIGDIR": work,  # no matplotlibrc or font cache of the user's
            "HOME": work,
            "REDECK_FIGURE_OUTPUT": str(out),
            "REDECK_CARDS": str(cards_dir.resolve()),
            **({"REDECK_FIGURE_TRACE": str(trace)} if trace else {}),
        }
        try:
            done = subprocess.run([sys.executable, str(script.resolve())], cwd=script.parent, env=env,
                                  capture_output=True, text=True, timeout=TIMEOUT_S)  # fmt: skip
        except subprocess.TimeoutExpired:
            return [_failed(script, f"figure script ran past {TIMEOUT_S} s")]
        svgs = sorted(out.glob("*.svg"))
        if done.returncode != 0 or not svgs:
            return [_failed(script, f"figure script failed: {_exception_line(done.stderr)[:200]}")]
        return [Figure(script, script.with_name(svg.name), svg.read_bytes()) for svg in svgs]


def draw_all(cards_dir: Path) -> list[Figure]:
    """Every figure of the tree, drawn now; an SVG two scripts draw is a problem of the second."""
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:
        raise FiguresError("redeck", "drawing figures needs matplotlib: pip install 'redeck[figures]'") from exc
    figures: list[Figure] = []
    drawn_by: dict[Path, Path] = {}
    for script in scripts(cards_dir):
        for figure in draw(script, cards_dir):
            first = drawn_by.setdefault(figure.svg, script)
            if first != script:
                figure = _failed(script, f"{figure.svg.name} is drawn by {first.name} too")
            figures.append(figure)
    return figures


def write(figures: list[Figure]) -> list[Figure]:
    """Write the figures whose drawing changed (or is new); the ones written."""
    from redeck.output import write_together

    changed = [f for f in figures if f.drawn is not None and f.stale]
    if changed:
        write_together([(f.svg, f.drawn) for f in changed if f.drawn is not None])
    return changed


def _exception_line(stderr: str) -> str:
    """The line of a traceback that says what went wrong: its last unindented line."""
    said = [line for line in stderr.splitlines() if line.strip() and not line[0].isspace()]
    return said[-1] if said else "it drew nothing: does it end with save(fig)?"


def _failed(script: Path, message: str) -> Figure:
    return Figure(script, svg_of(script), None, Problem(str(script), 1, 1, "error", "figure", message))

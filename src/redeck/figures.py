"""Figures: run every figure script in the card tree and write, or check, the SVG each one draws.

Figures are source: ``NAME.figure.py`` draws ``NAME.svg`` beside it (see drawing.py), and the SVG is
committed so that a build never needs matplotlib. Each script runs in its own Python process with
a fixed environment (no user matplotlibrc, a fixed hash seed, no clock), so the same script draws the
same bytes on every machine. A script is code: `redeck figures` runs the tree's scripts, as a test
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
    """One figure script and what running it gave."""

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
    return script.with_name(script.name.removesuffix(SCRIPT_SUFFIX) + ".svg")


def draw(script: Path, cards_dir: Path, trace: Path | None = None) -> Figure:
    """Run one script in a fixed environment and return the SVG bytes it drew."""
    with tempfile.TemporaryDirectory(prefix="redeck-figure-") as work:
        out = Path(work) / "figure.svg"
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
            return Figure(script, svg_of(script), None, _problem(script, f"figure script ran past {TIMEOUT_S} s"))
        if done.returncode != 0 or not out.is_file():
            last = (done.stderr.strip().splitlines() or ["it drew nothing: does it end with save(fig)?"])[-1]
            return Figure(script, svg_of(script), None, _problem(script, f"figure script failed: {last[:200]}"))
        return Figure(script, svg_of(script), out.read_bytes())


def draw_all(cards_dir: Path) -> list[Figure]:
    """Every figure of the tree, drawn now."""
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:
        raise FiguresError("redeck", "drawing figures needs matplotlib: pip install 'redeck[figures]'") from exc
    return [draw(script, cards_dir) for script in scripts(cards_dir)]


def write(figures: list[Figure]) -> list[Figure]:
    """Write the figures whose drawing changed (or is new); the ones written."""
    from redeck.output import write_together

    changed = [f for f in figures if f.drawn is not None and f.stale]
    if changed:
        write_together([(f.svg, f.drawn) for f in changed if f.drawn is not None])
    return changed


def _problem(script: Path, message: str) -> Problem:
    return Problem(str(script), 1, 1, "error", "figure", message)

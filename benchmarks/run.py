"""Benchmarks: redeck against the raw genanki floor, measured side by side in one run.

    python benchmarks/run.py              # N = 1k, 10k, 20k, 100k
    python benchmarks/run.py --sizes 1000 20000 --repeat 3

Prints a table of medians and ratios to the floor, and peak memory of each build in its own process.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from synthetic import floor_fields, write_tree  # noqa: E402


def floor_seconds(n: int, out: Path) -> float:
    """Raw genanki: one model, n notes with plain fields, one deck, written to a file."""
    import genanki

    start = time.perf_counter()
    model = genanki.Model(1607392319, "Floor", fields=[{"name": "Front"}, {"name": "Back"}],
                          templates=[{"name": "Card 1", "qfmt": "{{Front}}", "afmt": "{{Back}}"}])  # fmt: skip
    deck = genanki.Deck(2059400110, "Floor")
    for front, back in floor_fields(n):
        deck.add_note(genanki.Note(model=model, fields=[front, back]))
    genanki.Package(deck).write_to_file(str(out), timestamp=1_700_000_000)
    return time.perf_counter() - start


def build_seconds(cards: Path, out: Path) -> float:
    from redeck.build import build

    start = time.perf_counter()
    result = build(cards, out, now=1_800_000_000)
    elapsed = time.perf_counter() - start
    assert result.ok, result.check.errors[:3]
    return elapsed


def check_seconds(cards: Path) -> float:
    from redeck.build import check_tree

    start = time.perf_counter()
    check_tree(cards)
    return time.perf_counter() - start


def cold(cards: Path, out: Path) -> None:
    """Forget everything a previous build left: lock, cache, package."""
    (cards / "redeck.lock").unlink(missing_ok=True)
    shutil.rmtree(out.parent / ".redeck-cache", ignore_errors=True)
    shutil.rmtree(cards.parent / "build", ignore_errors=True)
    out.unlink(missing_ok=True)


def edit_one_file(cards: Path, round_: int) -> None:
    first = sorted(cards.rglob("*.yaml"))[0]
    text = first.read_text()
    first.write_text(text.replace("What is the **critical batch**", f"What is the **critical batch** (edit {round_})", 1))


def peak_memory_mb(command: list[str], cwd: Path) -> float:
    """Peak resident memory of a child process (ru_maxrss of the children), in MB."""
    code = (
        "import resource, subprocess, sys\n"
        f"subprocess.run({command!r}, cwd={str(cwd)!r}, check=True, stdout=subprocess.DEVNULL)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout.strip()) / 1024


def process_seconds(command: list[str], cwd: Path, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def bench_size(n: int, repeat: int, work: Path) -> dict[str, float]:
    root = work / f"n{n}"
    cards = write_tree(root, n)
    out = root / "build" / "deck.apkg"
    floors, colds, edits, checks = [], [], [], []
    for round_ in range(repeat):  # interleaved, so load changes on the machine hit both alike
        floors.append(floor_seconds(n, root / "floor.apkg"))
        cold(cards, out)
        colds.append(build_seconds(cards, out))
        edit_one_file(cards, round_)
        edits.append(build_seconds(cards, out))
        checks.append(check_seconds(cards))
    redeck = str(Path(sys.executable).with_name("redeck"))
    cold(cards, out)
    memory = peak_memory_mb([redeck, "build", "--cards", str(cards), "-o", str(out)], root)
    floor = median(floors)
    return {"n": n, "floor": floor, "cold": median(colds), "edit": median(edits), "check": median(checks),
            "cold_ratio": median(colds) / floor, "edit_vs_cold": median(edits) / median(colds),
            "check_ratio": median(checks) / floor, "peak_mb": memory}  # fmt: skip


def bench_noop(repeat: int, shipped: Path) -> dict[str, float]:
    """The shipped deck, nothing changed: the whole `redeck build` process, Python start-up included."""
    work = Path(tempfile.mkdtemp(prefix="redeck-noop-"))
    shutil.copytree(shipped, work / "cards")
    redeck = str(Path(sys.executable).with_name("redeck"))
    subprocess.run([redeck, "build"], cwd=work, check=True, capture_output=True)
    noop = process_seconds([redeck, "build"], work, repeat)
    help_ = process_seconds([redeck, "--help"], work, repeat)
    python = process_seconds([sys.executable, "-c", "pass"], work, repeat)
    shutil.rmtree(work)
    return {"noop": noop, "help": help_, "python": python}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 20000, 100000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path, help="Also write the results here.")
    parser.add_argument("--cards", type=Path, default=ROOT / "cards", help="The shipped deck, for the no-op rebuild.")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="redeck-bench-"))
    try:
        rows = [bench_size(n, args.repeat if n < 100000 else max(1, args.repeat // 2), work) for n in args.sizes]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    noop = bench_noop(args.repeat, args.cards)

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.system()} {platform.release()}; median of {args.repeat} interleaved runs")  # fmt: skip
    print()
    print("| cards | genanki floor | cold build | × floor | one-file edit | edit ÷ cold | check | check × floor | peak memory |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['n']:,} | {r['floor']:.3f} s | {r['cold']:.3f} s | {r['cold_ratio']:.2f} | {r['edit']:.3f} s | "
              f"{r['edit_vs_cold']:.2f} | {r['check']:.3f} s | {r['check_ratio']:.2f} | {r['peak_mb']:.0f} MB |")  # fmt: skip
    print()
    print(f"No-op rebuild of the shipped deck (whole process): {noop['noop']:.3f} s; "
          f"`redeck --help`: {noop['help']:.3f} s; bare Python start-up: {noop['python']:.3f} s")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps({"sizes": rows, "noop": noop}, indent=2))


if __name__ == "__main__":
    main()

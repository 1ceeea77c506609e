"""What each speed piece earns: the build with it and without it, side by side in one run.

    python benchmarks/pieces.py                 # 20k and 100k cards, median of 5 interleaved runs
    python benchmarks/pieces.py --sizes 20000 --repeat 3

The three pieces that exist only for speed, each measured against the build without it:

- the process pool: a cold build on every core vs the same build with ``jobs=1``;
- the per-file cache: a one-file edit with the cache vs the same edit with no cache (every file compiled);
- the SQLite fragments: packaging from each file's rows vs packaging the same rendered notes with
  genanki's own per-note writer (what redeck did before; per-note times set as redeck sets them).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import cold, edit_one_file, floor_seconds  # noqa: E402
from synthetic import write_tree  # noqa: E402

NOW = 1_800_000_000


def timed(function, *args, **kwargs) -> float:
    start = time.perf_counter()
    function(*args, **kwargs)
    return time.perf_counter() - start


def build_without_cache(cards: Path, out: Path, jobs: int | None = None) -> None:
    """A build that compiles every file: the cache folder is emptied first (the lock stays)."""
    from redeck.build import build

    shutil.rmtree(out.parent / ".redeck-cache", ignore_errors=True)
    assert build(cards, out, now=NOW, jobs=jobs).ok


def build_with_genanki_notes(cards: Path, out: Path) -> None:
    """The same notes, rendered by the same pipeline, written by genanki note by note (no fragments)."""
    import genanki

    from redeck.build import run_pipeline
    from redeck.compile import Plan
    from redeck.lock import digest
    from redeck.notetypes import note_types
    from redeck.package import _Model, deck_id, guid

    run = run_pipeline(cards, Plan(keep_notes=True), now=NOW)
    run.lock.stamp({n.card_id: digest(n.notetype, n.fields, n.tags) for n in run.notes})  # as a build stamps them
    models = {key: _Model(nt, NOW) for key, nt in note_types().items()}
    decks: dict[str, genanki.Deck] = {}
    for note in run.notes:
        deck = decks.get(note.deck) or decks.setdefault(note.deck, genanki.Deck(deck_id(note.deck), note.deck))
        g = genanki.Note(model=models[note.notetype], fields=list(note.fields), tags=list(note.tags), guid=guid(note.card_id))
        deck.add_note(g)  # genanki stamps every note with the package's time; redeck's per-note times cost nothing here
    genanki.Package(list(decks.values())).write_to_file(str(out), timestamp=NOW)


def bench(n: int, repeat: int, work: Path) -> dict[str, float]:
    from redeck.build import build

    root = work / f"n{n}"
    cards = write_tree(root, n)
    out = root / "build" / "deck.apkg"
    samples: dict[str, list[float]] = {key: [] for key in ("floor", "cold", "cold_j1", "edit", "edit_nocache", "genanki")}
    for round_ in range(repeat):
        samples["floor"].append(floor_seconds(n, root / "floor.apkg"))
        cold(cards, out)
        samples["cold"].append(timed(build, cards, out, now=NOW))
        cold(cards, out)
        samples["cold_j1"].append(timed(build, cards, out, now=NOW, jobs=1))
        edit_one_file(cards, 2 * round_)
        samples["edit"].append(timed(build, cards, out, now=NOW + 1 + round_))
        edit_one_file(cards, 2 * round_ + 1)
        samples["edit_nocache"].append(timed(build_without_cache, cards, out))
        samples["genanki"].append(timed(build_with_genanki_notes, cards, root / "genanki.apkg"))
    return {key: statistics.median(values) for key, values in samples.items()} | {"n": n}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[20000, 100000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="redeck-pieces-"))
    try:
        rows = [bench(n, args.repeat, work) for n in args.sizes]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("| cards | floor | cold | cold, one process | edit | edit, no cache | rendered notes written by genanki |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        f = r["floor"]
        print(f"| {r['n']:,} | {f:.3f} s | {r['cold']:.3f} s ({r['cold'] / f:.2f}×) | {r['cold_j1']:.3f} s ({r['cold_j1'] / f:.2f}×) "
              f"| {r['edit']:.3f} s ({r['edit'] / r['cold']:.2f} of cold) | {r['edit_nocache']:.3f} s "
              f"({r['edit_nocache'] / r['cold']:.2f} of cold) | {r['genanki']:.3f} s ({r['genanki'] / f:.2f}×) |")  # fmt: skip


if __name__ == "__main__":
    main()

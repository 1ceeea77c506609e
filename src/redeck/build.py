"""Build: run the pipeline over a card tree; `check` stops before writing, `build` writes package and lock together."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from redeck.compile import CompiledFile, Plan, across_files, compile_tree, cyclic_gc_paused
from redeck.model import Card, Note, Position, Problem, RedeckError, excerpt
from redeck.tree import CardFile, card_files

if TYPE_CHECKING:
    from redeck.deckfile import DeckFile
    from redeck.lock import Lock, StampLine
    from redeck.package import Fragment

DEFAULT_CARDS = Path("cards")
DEFAULT_OUTPUT = Path("build/research-engineering.apkg")
# The lock keys of what is stamped besides notes; a ':' keeps them apart from card ids.
PRESET_KEY = "preset:options"


class TreeError(RedeckError):
    """The card tree itself is missing or holds no card file: there is nothing to build, and nothing is replaced."""


@dataclass(frozen=True)
class CheckResult:
    """Every problem found in a card tree, sorted by place, and how much the tree holds."""

    problems: list[Problem]
    files: int = 0
    cards: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "warning"]


@dataclass(frozen=True)
class Run:
    """One pass of the pipeline over a tree: each file's result, their check, and the lock they were stamped by."""

    files: list[CompiledFile]
    check: CheckResult
    lock: Lock
    deck_file: DeckFile | None = None
    top_description: str = ""  # the deck file's description of the top deck, as HTML
    release_notes: str = ""  # the deck file's release notes, as HTML
    top_media: Mapping[str, Path] = field(default_factory=dict)  # the images it shows, by name in the package

    @property
    def ok(self) -> bool:
        return not self.check.errors

    @property
    def stamps(self) -> list[StampLine]:
        return [stamp for f in self.files for stamp in f.stamps]

    @property
    def cards(self) -> list[Card]:
        """The loaded cards, in build order (with ``Plan.keep_cards``)."""
        return [card for f in self.files for card in f.cards]

    @property
    def notes(self) -> list[Note]:
        """The rendered notes, in build order (with ``Plan.keep_notes``)."""
        return [note for f in self.files for note in f.notes]

    @property
    def media(self) -> dict[str, Path]:
        """Each image's name in the package and the file it comes from."""
        return {name: Path(path) for f in self.files for path, name in f.media}


@dataclass(frozen=True)
class BuildResult:
    """What a build did: the problems that stopped it, or the package it wrote (or, dry, would write)."""

    check: CheckResult
    output: Path
    notes: int = 0
    cards: int = 0
    changed: list[str] = field(default_factory=list)  # ids of notes new or edited since the last build
    written: bool = False  # False when the package on disk already had these bytes, or on a dry run
    run: Run | None = None
    package: bytes = b""  # the package's bytes (written or, on a dry run, not)

    @property
    def ok(self) -> bool:
        return not self.check.errors


def run_pipeline(cards_dir: Path, plan: Plan, now: int | None = None, cache: Path | None = None,
                 jobs: int | None = None) -> Run:  # fmt: skip
    """Every card file under ``cards_dir`` through every stage, with what ``plan`` keeps; nothing is written.

    ``now`` is the time given to notes that are new or changed (default: the clock); notes that did
    not change keep the time in the lock file. This is the one pipeline: check, build, preview, stats
    and sync all run it, so none of them passes what another rejects.
    """
    from dataclasses import replace

    from redeck.deckfile import in_study_order, read_deck_file
    from redeck.lock import read_lock

    if not cards_dir.is_dir():
        raise TreeError(cards_dir, "card folder does not exist")
    deck_file, problems = read_deck_file(cards_dir)
    files_found = in_study_order(card_files(cards_dir), deck_file, cards_dir)
    if not files_found:
        raise TreeError(cards_dir, "no card files (*.yaml) in the card folder; nothing to build")
    if plan.strict and deck_file is not None and deck_file.glossary:
        plan = replace(plan, glossary=tuple(term.value for term, _card in deck_file.glossary))
    release = deck_file.release.value if deck_file is not None and deck_file.release is not None else ""
    if release and deck_file is not None and deck_file.report is not None:
        plan = replace(plan, report=deck_file.report.value)
    lock = read_lock(cards_dir, int(time.time()) if now is None else now, release)
    with cyclic_gc_paused():
        files = compile_tree(files_found, lock, plan, cache=cache, jobs=jobs)
        problems += [p for f in files for p in f.problems] + across_files(files) + list(lock.problems)
        problems += tree_problems(deck_file, files_found, files, cards_dir, lock, strict=plan.strict)
        about, notes, top_media = "", "", dict[str, Path]()
        if deck_file is not None:
            about, notes, top_media, description_problems = _top_description(deck_file, cards_dir)
            problems += description_problems
    check = CheckResult(sorted(set(problems)), files=len(files), cards=sum(len(f.ids) for f in files))
    return Run(files, check, lock, deck_file, about, notes, top_media)


def tree_problems(
    deck_file: DeckFile | None,
    found: list[CardFile],
    files: list[CompiledFile],
    cards_dir: Path,
    lock: Lock,
    strict: bool = False,
) -> list[Problem]:
    """What only the whole tree shows: the study order, decks described twice or (strict) not at all, retired ids, the glossary."""
    from redeck.deckfile import check_glossary, check_order, check_retired, described_decks
    from redeck.lock import RETIRED

    decks = [(deck, Position(f.path, line, col)) for f in files for deck, _about, line, col in f.decks]
    descriptions, problems = described_decks(files)
    if strict and deck_file is not None:
        problems += [
            Problem.at(
                pos,
                "deck-description",
                f"deck '{excerpt(deck)}' has no description: say what it teaches, what it assumes and where it sits in the order",
                "warning",
            )  # fmt: skip
            for deck, pos in dict(reversed(decks)).items()
            if deck not in descriptions
        ]
    if deck_file is not None:
        problems += check_order(deck_file, found, decks, cards_dir)
        problems += check_retired(deck_file, files, [key for key, s in lock.stamps.items() if s.place == RETIRED])
        problems += check_glossary(deck_file, files)
    return problems


def check_tree(cards_dir: Path = DEFAULT_CARDS, strict: bool = False, jobs: int | None = None) -> CheckResult:
    """Every problem a build of ``cards_dir`` would find (``strict`` adds the quality lint); writes nothing."""
    return run_pipeline(cards_dir, Plan(strict=strict), jobs=jobs).check


def build(
    cards_dir: Path = DEFAULT_CARDS,
    output: Path = DEFAULT_OUTPUT,
    now: int | None = None,
    jobs: int | None = None,
    dry_run: bool = False,
    keep_cards: bool = False,
    protected: tuple[Path, ...] = (),
    keep_notes: bool = False,
) -> BuildResult:
    """Check the tree and, if it has no errors, write the package and the lock file, both or neither.

    Compiled files are cached beside the package, so a rebuild recompiles only the files that changed.
    ``dry_run`` does everything but write (and uses no cache); ``keep_cards`` keeps the loaded cards in
    ``result.run``. ``output`` must be a safe place for a package (see `output.check_output`; ``protected``
    adds paths it must not be, such as a collection).
    """
    from redeck.cache import cache_dir, usable
    from redeck.output import check_output, write_together

    check_output(output, cards_dir, protected)
    cache = cache_dir(output)
    plan = Plan(package=True, keep_cards=keep_cards, keep_notes=keep_notes)
    use_cache = not dry_run and plan.cacheable and usable(cache)
    run = run_pipeline(cards_dir, plan, now, cache if use_cache else None, jobs)
    if not run.ok:
        return BuildResult(run.check, output, run=run)
    data, lock_bytes, retired = _package(run)
    # The lock first: should the package not follow, the next build makes the same package from it.
    written = False if dry_run else write_together([(run.lock.path, lock_bytes), (output, data)])[1]
    return BuildResult(run.check, output, notes=len(run.stamps), cards=sum(f.anki_cards for f in run.files),
                       changed=run.lock.changed([*run.stamps, *retired]), written=written, run=run, package=data)  # fmt: skip


def _package(run: Run) -> tuple[bytes, bytes, list[StampLine]]:
    """The package's bytes, the lock file's, and the stamps of the tombstones it carries, from a run without errors."""
    from redeck.deckfile import described_decks
    from redeck.lock import Stamp, line_of
    from redeck.notetypes import note_types
    from redeck.package import Decks, Preset, package_bytes
    from redeck.release import RETIRED_DECK, RETIRED_DECK_ABOUT, summary

    types = note_types()
    descriptions = described_decks(run.files)[0]
    preset = None
    deck_file = run.deck_file
    fragments = [f.fragment for f in run.files if f.fragment is not None]
    retired: list[StampLine] = []
    if deck_file is not None and deck_file.deck is not None:
        top = deck_file.deck.value
        if run.lock.release:
            fragment, retired = _tombstones(run, top, {i.value: r.value for i, r in deck_file.retired})
            if fragment is not None:
                fragments.append(fragment)
                descriptions[f"{top}::{RETIRED_DECK}"] = RETIRED_DECK_ABOUT
        about = run.top_description
        if run.lock.release:
            stamps_now = [Stamp(digest, mod, *rest) for _key, digest, mod, *rest in [*run.stamps, *retired]]
            about += summary(run.lock.release, stamps_now, run.release_notes)
        if about:
            descriptions[top] = about
        preset = Preset(f"{top} (redeck)", deck_file.new_per_day)
    # Note types and the preset reach learners only when newer than what they have: they are stamped as notes are.
    digests = {f"notetype:{key}": nt.digest for key, nt in types.items()} | ({PRESET_KEY: preset.digest} if preset else {})
    stamps = run.lock.stamp(digests)
    if preset is not None:
        preset = Preset(preset.name, preset.new_per_day, stamps[PRESET_KEY].mod)
    data = package_bytes(
        fragments,
        types,
        type_mods={key: stamps[f"notetype:{key}"].mod for key in types},
        media={**run.media, **run.top_media},
        decks=Decks(descriptions, preset),
    )
    lock_bytes = run.lock.contents([*run.stamps, *retired, *(line_of(key, s) for key, s in stamps.items())])
    return data, lock_bytes, retired


def _tombstones(run: Run, top: str, reasons: dict[str, str]) -> tuple[Fragment | None, list[StampLine]]:
    """The notes whose cards left the tree, as tombstones: a fragment of their rows and their stamps."""
    from redeck.lock import RETIRED, digest, line_of
    from redeck.notetypes import note_types
    from redeck.package import fragment, guid
    from redeck.release import tombstone

    gone = run.lock.gone(line[0] for line in run.stamps)
    if not gone:
        return None, []
    notes = []
    for card_id, old in sorted(gone.items()):
        # Retired once, a tombstone keeps its release: the next release must not announce it again.
        release = old.changed if old.place == RETIRED and old.changed else run.lock.release
        notes.append(tombstone(card_id, old.kind or "basic", top, release, reasons.get(card_id, "")))
    stamps = run.lock.stamp(
        {n.card_id: digest(n.notetype, n.fields, n.tags) for n in notes},
        kinds={n.card_id: n.notetype for n in notes},
        places=dict.fromkeys(gone, RETIRED),
    )
    mods = [stamps[n.card_id].mod for n in notes]
    return fragment(notes, mods, [guid(n.card_id) for n in notes], note_types()), [line_of(k, s) for k, s in stamps.items()]


def _top_description(deck_file: DeckFile, cards_dir: Path) -> tuple[str, str, dict[str, Path], list[Problem]]:
    """The deck file's description and release notes as HTML, the images they show, and the problems with them."""
    from redeck.media import Media
    from redeck.render import Renderer

    renderer = Renderer(Media(cards_dir))
    about = renderer.field(deck_file.description, cards_dir) if deck_file.description is not None else ""
    notes = renderer.field(deck_file.release_notes, cards_dir) if deck_file.release_notes is not None else ""
    return about, notes, {name: path for path, name in renderer.media.names.items()}, renderer.problems

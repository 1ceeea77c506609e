"""Compile: each card file through the pipeline (load, check, render, stamp, package), on every core, cached.

`check` and `build` both run this; they differ only in what they keep (`Plan`), never in which stages
can fail, so check can never pass a file that build rejects.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from redeck.check import check_cards, duplicate_ids
from redeck.load import decode, load_text
from redeck.model import Card, Note, Position, Problem, RedeckError, anki_cards
from redeck.tree import CardFile

if TYPE_CHECKING:
    from redeck.lock import Lock, StampLine
    from redeck.package import Fragment

# Each worker process should get at least this much card text: below it, starting one costs more than it saves.
PARALLEL_MIN_BYTES = 256 * 1024
# Past this many workers the main process's own share of a build (stitching, writing) dominates.
MAX_AUTO_JOBS = 8


class WorkerError(RedeckError):
    """A worker process died: the build cannot know what it would have compiled."""


@dataclass(frozen=True)
class Plan:
    """What a run keeps beyond the problems and stamps, which every run finds."""

    strict: bool = False  # the quality lint too (`check --strict`)
    glossary: tuple[str, ...] = ()  # with strict: terms whose uses are found, to check they come after their card
    report: str = ""  # the deck file's report-a-problem URL template ("" for none)
    package: bool = False  # each file's package fragment (`build`)
    keep_cards: bool = False  # the loaded cards (`stats`, `sync`)
    keep_notes: bool = False  # the rendered notes (`preview`)

    @property
    def cacheable(self) -> bool:
        """Only what a build makes is cached; keeping cards or notes, or linting, is for one-off commands."""
        return self.package and not (self.strict or self.keep_cards or self.keep_notes)


@dataclass(frozen=True)
class CompiledFile:
    """One card file through the pipeline: all that the steps across files need.

    Small and flat on purpose: it crosses process boundaries and lives in the cache.
    """

    path: str
    problems: tuple[Problem, ...]
    ids: tuple[tuple[str, int, int], ...]  # each card's id and the line and column it is written at
    anki_cards: int
    # Every image the renderer looked at, with its state then: a cached result is stale when one changes.
    images: tuple[tuple[str, int, int, int, int], ...] = ()
    # Each deck the file's cards are in: its name, its description as HTML ("" if none), where it is written.
    decks: tuple[tuple[str, str, int, int], ...] = ()
    # Only for a file without errors:
    stamps: tuple[StampLine, ...] = ()  # each note's id, content digest and time, for the lock file
    fragment: Fragment | None = None  # with Plan.package
    media: tuple[tuple[str, str], ...] = ()  # image files used, and their names in the package
    fronts: tuple[tuple[str, int, int, bool], ...] = ()  # with Plan.strict: what duplicate-front compares, see front_keys
    term_uses: tuple[tuple[str, str, int, int], ...] = ()  # with Plan.glossary: (term, card id, line, col) of each use
    cards: tuple[Card, ...] = ()  # with Plan.keep_cards
    notes: tuple[Note, ...] = ()  # with Plan.keep_notes

    @property
    def ok(self) -> bool:
        return not any(p.level == "error" for p in self.problems)

    def to_record(self) -> tuple[Any, ...]:
        """The cached part as plain tuples, strings, numbers and bytes (the cache stores no objects)."""
        assert not (self.fronts or self.cards or self.notes), "only a build's results are cached"
        fragment = None if self.fragment is None else (self.fragment.database, self.fragment.notes, self.fragment.cards,
                                                       self.fragment.deck_notetypes)  # fmt: skip
        problems = tuple((p.path, p.line, p.col, p.level, p.rule, p.message) for p in self.problems)
        return (self.path, problems, self.ids, self.anki_cards, self.images, self.decks, self.stamps, fragment, self.media)

    @classmethod
    def from_record(cls, record: tuple[Any, ...]) -> CompiledFile:
        from redeck.package import Fragment

        path, problems, ids, cards, images, decks, stamps, fragment, media = record
        return cls(path, tuple(Problem(*p) for p in problems), ids, cards, images, decks, stamps,
                   None if fragment is None else Fragment(*fragment), media)  # fmt: skip


def compile_file(card_file: CardFile, data: bytes, lock: Lock, plan: Plan) -> CompiledFile:
    """Run one card file, given its bytes, through every stage; stop after the stage that finds an error."""
    from redeck.lint import ALWAYS, lint_cards

    path = card_file.path
    text, problem = decode(data, str(path))
    cards, problems = load_text(text, path, card_file.top_folder) if problem is None else ([], [problem])
    checked, renderable = check_cards(cards)
    problems.extend(checked)
    problems.extend(lint_cards(cards) if plan.strict else lint_cards(cards, ALWAYS))
    compiled = CompiledFile(
        path=str(path),
        problems=(),
        ids=tuple((card.id.value, card.id.pos.line, card.id.pos.col) for card in cards),
        anki_cards=sum(map(anki_cards, cards)),
        fronts=tuple(front_keys(cards)) if plan.strict else (),
        term_uses=tuple(term_uses(cards, plan.glossary)) if plan.glossary else (),
        cards=tuple(cards) if plan.keep_cards else (),
    )
    # Cards with errors of their own cannot be rendered; the rest are, so that their images are checked too.
    notes, decks, media, render_problems = _render(renderable, cards, card_file.root)
    problems.extend(render_problems)
    compiled = replace(compiled, problems=tuple(problems), images=media.watched(), decks=decks)
    if not compiled.ok:
        return compiled
    return _stamped(compiled, notes, renderable, card_file, media.names, lock, plan)


def front_keys(cards: list[Card]) -> Iterator[tuple[str, int, int, bool]]:
    """Each front as duplicate-front compares it, its place, and whether its card silences the rule."""
    from redeck.lint import front_key

    for card in cards:
        key = front_key(card)
        if key is not None and card.front is not None:
            silenced = any(silence.rule.value == "duplicate-front" for silence in card.lint)
            yield key, card.front.pos.line, card.front.pos.col, silenced


def term_uses(cards: list[Card], terms: tuple[str, ...]) -> Iterator[tuple[str, str, int, int]]:
    """Where each card names a glossary term (in its front, back or cloze, as a whole word, or its plural)."""
    import re

    patterns = [(term, re.compile(rf"(?<!\w){re.escape(term)}(?:e?s)?(?!\w)")) for term in terms]
    for card in cards:
        for text in (card.front, card.back, card.cloze):
            if text is None:
                continue
            for term, pattern in patterns:
                match = pattern.search(text.value)
                if match:
                    pos = text.locate(match.start())
                    yield term, card.id.value, pos.line, pos.col


def _render(
    renderable: list[Card], cards: list[Card], root: Path
) -> tuple[list[Note], tuple[tuple[str, str, int, int], ...], Any, list[Problem]]:
    """The notes of the renderable cards, and each deck of the file with its description as HTML."""
    from redeck.media import Media
    from redeck.render import Renderer

    renderer = Renderer(Media(root))
    notes = [renderer.render_card(card) for card in renderable]
    decks: dict[str, tuple[str, str, int, int]] = {}
    for card in cards:
        if card.deck.value not in decks:
            about = card.deck_description
            about_html = renderer.field(about, card.file.parent) if about is not None and about.value.strip() else ""
            decks[card.deck.value] = (card.deck.value, about_html, card.deck.pos.line, card.deck.pos.col)
    return notes, tuple(decks.values()), renderer.media, renderer.problems


def _stamped(
    compiled: CompiledFile,
    notes: list[Note],
    cards: list[Card],
    card_file: CardFile,
    media: dict[Path, str],
    lock: Lock,
    plan: Plan,
) -> CompiledFile:
    from redeck.lock import digest
    from redeck.release import released_note

    # The report link's template is content too: a new template must reach every note.
    stamps = lock.stamp(
        {note.card_id: digest(note.notetype, note.fields, note.tags, *((plan.report,) if plan.report else ())) for note in notes},
        kinds={note.card_id: note.notetype for note in notes},
        places={card.id.value: f"{card_file.relative}:{card.pos.line}" for card in cards},
    )
    if lock.release:
        notes = [released_note(note, stamps[note.card_id], plan.report) for note in notes]
    fragment = None
    if plan.package:
        from redeck.notetypes import note_types
        from redeck.package import fragment as make_fragment
        from redeck.package import guid

        mods = [stamps[note.card_id].mod for note in notes]
        fragment = make_fragment(notes, mods, [guid(note.card_id) for note in notes], note_types())
    return replace(
        compiled,
        stamps=tuple((card_id, *stamp) for card_id, stamp in stamps.items()),
        fragment=fragment,
        media=tuple((str(path), name) for path, name in media.items()),
        notes=tuple(notes) if plan.keep_notes else (),
    )


def across_files(files: list[CompiledFile]) -> list[Problem]:
    """The problems no single file shows: ids repeated across files, and (strict) repeated fronts."""
    problems: list[Problem] = []
    ids = [card_id for f in files for card_id, _line, _col in f.ids]
    if len(set(ids)) < len(ids):
        problems.extend(duplicate_ids((card_id, Position(f.path, line, col)) for f in files for card_id, line, col in f.ids))
    if any(f.fronts for f in files):
        from redeck.lint import duplicate_fronts

        fronts = ((key, Position(f.path, line, col), silenced) for f in files for key, line, col, silenced in f.fronts)
        problems.extend(duplicate_fronts(fronts))
    return problems


@dataclass(frozen=True)
class Job:
    """One card file to compile, and where to cache the result.

    Small on purpose: it is pickled to a worker, and a big job that fills the pipe to a worker that
    died would leave the pool waiting forever. The worker reads the file itself.
    """

    index: int
    card_file: CardFile
    size: int
    cache_key: str = ""
    compiler: str = ""
    cache: Path | None = None


def compile_tree(
    card_files: list[CardFile], lock: Lock, plan: Plan, cache: Path | None = None, jobs: int | None = None
) -> list[CompiledFile]:
    """Compile these card files, in their order.

    With ``cache`` (and a plan whose result is cacheable), a file whose bytes, images and stamps are
    unchanged since a build that used the same folder comes from it. The others are compiled on every
    core when there is enough to do; ``jobs`` sets the number of processes instead (1: none started).
    """
    from redeck import cache as cached

    if not plan.cacheable:
        cache = None
    compiler = cached.compiler_key() if cache is not None else ""
    compiled: dict[int, CompiledFile] = {}
    todo: list[Job] = []
    keys: set[str] = set()
    for index, card_file in enumerate(card_files):
        if card_file.problem is not None:  # a file the walk could not read, or may not
            compiled[index] = CompiledFile(str(card_file.path), (card_file.problem,), (), 0)
            continue
        try:
            data = card_file.path.read_bytes()
        except OSError as exc:
            compiled[index] = CompiledFile(str(card_file.path), (card_file.unreadable(exc),), (), 0)
            continue
        key = cached.file_key(compiler, card_file, data) if cache is not None else ""
        hit = cached.read(cache, key, lock) if cache is not None else None
        if hit is not None:
            compiled[index] = hit
        else:
            todo.append(Job(index, card_file, len(data), key, compiler, cache))
        keys.add(key)
    compiled.update(_compile_all(todo, lock, plan, jobs))
    if cache is not None:
        cached.prune(cache, keys)
    return [compiled[index] for index in range(len(card_files))]


def _compile_all(todo: list[Job], lock: Lock, plan: Plan, jobs: int | None) -> Iterator[tuple[int, CompiledFile]]:
    if jobs is None:
        size = sum(job.size for job in todo)
        jobs = min(_cores(), MAX_AUTO_JOBS, size // PARALLEL_MIN_BYTES) or 1
    if jobs > 1 and len(todo) > 1 and _can_fork():
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed
        from concurrent.futures.process import BrokenProcessPool

        _import_pipeline()
        # Forked workers inherit the lock and plan instead of receiving them pickled with every job.
        pool = ProcessPoolExecutor(min(jobs, len(todo)), multiprocessing.get_context("fork"), initializer=_start_worker,
                                   initargs=(lock, plan))  # fmt: skip
        try:
            # Workers are forked at the first submit; a Ctrl-C then must wait until their own handler is set.
            unblocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
            try:
                # Largest files first, so no process is left with a big one at the end.
                futures = [pool.submit(_worker_job, job) for job in sorted(todo, key=lambda job: -job.size)]
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, unblocked)
            for future in as_completed(futures):
                yield future.result()
        except BrokenProcessPool as exc:
            raise WorkerError("redeck", "a worker process stopped (out of memory?)") from exc
        finally:
            # On Ctrl-C or an error, drop the queued files instead of compiling them first.
            pool.shutdown(wait=True, cancel_futures=True)
    else:
        for job in todo:
            yield _compile_job(job, lock, plan)


def _import_pipeline() -> None:
    """Import what workers use before forking them, so that each does not import it again."""
    import redeck.lint  # noqa: F401
    import redeck.lock  # noqa: F401
    import redeck.media  # noqa: F401
    import redeck.notetypes  # noqa: F401
    import redeck.package  # noqa: F401
    import redeck.render  # noqa: F401


_worker_state: list[tuple[Lock, Plan]] = []  # set once in each worker process, by `_start_worker`


def _start_worker(lock: Lock, plan: Plan) -> None:
    # Ctrl-C is the main process's to handle: it cancels the queued files, and each worker finishes the
    # one file it has (a worker that exits mid-job can leave the pool hanging), without a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    _worker_state.append((lock, plan))


def _worker_job(job: Job) -> tuple[int, CompiledFile]:
    return _compile_job(job, *_worker_state[0])


def _compile_job(job: Job, lock: Lock, plan: Plan) -> tuple[int, CompiledFile]:
    try:
        data = job.card_file.path.read_bytes()
    except OSError as exc:
        return job.index, CompiledFile(str(job.card_file.path), (job.card_file.unreadable(exc),), (), 0)
    with cyclic_gc_paused():
        result = compile_file(job.card_file, data, lock, plan)
    if job.cache is not None:
        from redeck import cache as cached

        # Saved again since the main process read it: compile what is there now, but cache it under no key.
        if cached.file_key(job.compiler, job.card_file, data) == job.cache_key:
            cached.write(job.cache, job.cache_key, result)
    return job.index, result


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _can_fork() -> bool:
    # A forked worker starts at once with everything imported; where fork is not the safe
    # default (macOS, Windows), spawning would re-import redeck per worker: compile in process.
    return sys.platform.startswith("linux")


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the duration of a pipeline run.

    The pipeline allocates millions of small objects that form no cycles; the collector rescans
    them as they accumulate and frees nothing, which took two thirds of `check` at 100k cards.
    Reference counting still frees everything as usual.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()

"""Compile: each card file through load, check, render and packaging, on every core, cached by content."""

from __future__ import annotations

import gc
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from redeck.cache import file_state
from redeck.check import check_cards, local_images
from redeck.lint import ALWAYS, lint_cards
from redeck.load import card_files, decode, load_text, top_folder, unreadable
from redeck.model import Card, Problem, RedeckError, anki_cards

if TYPE_CHECKING:
    from redeck.lock import Stamp
    from redeck.package import Fragment

# Each worker process should get at least this much card text: below it, starting one costs more than it saves.
PARALLEL_MIN_BYTES = 256 * 1024
# Past this many workers the main process's own share of a build (stitching, writing) dominates.
MAX_AUTO_JOBS = 8


class WorkerError(RedeckError):
    """A worker process died: the build cannot know what it would have compiled."""


@dataclass(frozen=True)
class Stamping:
    """How a build stamps notes: with their time in the old lock file, or ``now`` if new or changed."""

    old: dict[str, Stamp]
    now: int

    def is_current(self, stamps: tuple[tuple[str, str, int], ...]) -> bool:
        """Whether these (id, digest, time) stamps are exactly what the old lock file holds."""
        return all(self.old.get(card_id) == (digest, mod) for card_id, digest, mod in stamps)


@dataclass(frozen=True)
class CompiledFile:
    """One card file through the pipeline: all that the steps across files need.

    Small and flat on purpose: it crosses process boundaries and lives in the cache.
    """

    path: str
    problems: tuple[Problem, ...]
    ids: tuple[tuple[str, int, int], ...]  # each card's id and the line and column it is written at
    anki_cards: int
    # When packaging (and so caching): every image named, with its `file_state`, to tell when the entry is stale.
    images: tuple[tuple[str, int, int, int, int], ...] = ()
    # Only when packaging a file without errors:
    stamps: tuple[tuple[str, str, int], ...] = ()  # each note's id, content digest and time, for the lock file
    fragment: Fragment | None = None
    media: tuple[tuple[Path, str], ...] = ()  # image files used, and their names in the package


def compile_file(path: Path, top_folder: str, data: bytes, stamping: Stamping | None = None) -> CompiledFile:
    """Load and check one card file from its bytes; with ``stamping``, also package it if it has no errors."""
    text, problem = decode(data, str(path))
    cards, problems = load_text(text, path, top_folder) if problem is None else ([], [problem])
    problems.extend(check_cards(cards))
    problems.extend(lint_cards(cards, ALWAYS))
    compiled = CompiledFile(
        path=str(path),
        problems=tuple(problems),
        ids=tuple((card.id.value, card.id.pos.line, card.id.pos.col) for card in cards),
        anki_cards=sum(map(anki_cards, cards)),
        images=_image_states(cards) if stamping is not None else (),  # only packaged results are cached
    )
    if stamping is None or any(p.level == "error" for p in problems):
        return compiled
    return _packaged(compiled, cards, stamping)


def _packaged(compiled: CompiledFile, cards: list[Card], stamping: Stamping) -> CompiledFile:
    from dataclasses import replace

    from redeck.lock import digest, restamp
    from redeck.notetypes import note_types
    from redeck.package import fragment, guid
    from redeck.render import Renderer

    renderer = Renderer()
    notes = [renderer.render_card(card) for card in cards]
    images = _image_states(cards, renderer.media_states) if renderer.media_states else compiled.images
    if renderer.problems:
        return replace(compiled, problems=compiled.problems + tuple(renderer.problems), images=images)
    stamps = restamp(stamping.old, {note.card_id: digest(note.notetype, note.fields, note.tags) for note in notes}, stamping.now)
    mods = [stamps[note.card_id].mod for note in notes]
    return replace(
        compiled,
        stamps=tuple((card_id, stamp.digest, stamp.mod) for card_id, stamp in stamps.items()),
        fragment=fragment(notes, mods, [guid(note.card_id) for note in notes], note_types()),
        media=tuple(renderer.media.items()),
        images=images,
    )


def _image_states(
    cards: list[Card], rendered: dict[Path, tuple[int, int, int, int]] | None = None
) -> tuple[tuple[str, int, int, int, int], ...]:
    """The state of every image the cards name, so that a cached result is dropped when one changes.

    An image the renderer read keeps the state it had before it was read.
    """
    states = {card.file.parent / ref: None for card in cards for _text, _offset, ref in local_images(card)}
    states.update(rendered or {})
    return tuple(sorted((str(path), *(state or file_state(path))) for path, state in states.items()))


@dataclass(frozen=True)
class Job:
    """One card file to compile, and where to cache the result.

    Small on purpose: it is pickled to a worker, and a big job that fills the pipe to a worker that
    died would leave the pool waiting forever. The worker reads the file itself.
    """

    index: int
    path: Path
    top_folder: str
    size: int
    cache_key: str = ""
    compiler: str = ""
    cache: Path | None = None


def compile_tree(
    cards_dir: Path, stamping: Stamping | None = None, cache: Path | None = None, jobs: int | None = None
) -> list[CompiledFile]:
    """Compile every card file under ``cards_dir``, in build order; with ``stamping``, package them too.

    When packaging, a file whose bytes, images and stamps are unchanged since a build that used the
    same ``cache`` folder comes from it. The others are compiled on every core when there is enough to do;
    ``jobs`` sets the number of processes instead (1: none started).
    """
    from redeck import cache as cached

    if stamping is None:
        cache = None  # a file only checked is quick to check again; only packaged results are cached
    compiler = cached.compiler_key() if cache is not None else ""
    compiled: dict[int, CompiledFile] = {}
    todo: list[Job] = []
    keys: set[str] = set()
    paths = card_files(cards_dir)
    for index, path in enumerate(paths):
        top = top_folder(cards_dir, path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            compiled[index] = CompiledFile(str(path), (unreadable(path, exc),), (), 0)
            continue
        key = cached.file_key(compiler, str(path), top, data) if cache is not None else ""
        hit = cached.read(cache, key) if cache is not None else None
        if isinstance(hit, CompiledFile) and _still_valid(hit, stamping):
            compiled[index] = hit
        else:
            todo.append(Job(index, path, top, len(data), key, compiler, cache))
        keys.add(key)
    compiled.update(_compile_all(todo, stamping, jobs))
    if cache is not None:
        cached.prune(cache, keys)
    return [compiled[index] for index in range(len(paths))]


def _still_valid(hit: CompiledFile, stamping: Stamping | None) -> bool:
    """A cached file holds if its images are as they were and the lock still has its stamps."""
    if hit.images != tuple((path, *file_state(Path(path))) for path, *_ in hit.images):
        return False
    return stamping is None or stamping.is_current(hit.stamps)


def _compile_all(todo: list[Job], stamping: Stamping | None, jobs: int | None) -> Iterator[tuple[int, CompiledFile]]:
    if jobs is None:
        size = sum(job.size for job in todo)
        jobs = min(_cores(), MAX_AUTO_JOBS, size // PARALLEL_MIN_BYTES) or 1
    if jobs > 1 and len(todo) > 1 and _can_fork():
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed
        from concurrent.futures.process import BrokenProcessPool

        _import_pipeline(packaging=stamping is not None)
        # Forked workers inherit `stamping` (the whole old lock) instead of receiving it pickled with every job.
        pool = ProcessPoolExecutor(min(jobs, len(todo)), multiprocessing.get_context("fork"), initializer=_start_worker,
                                   initargs=(stamping,))  # fmt: skip
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
            raise WorkerError("redeck: error: a worker process stopped (out of memory?); try again with -j 1") from exc
        finally:
            # On Ctrl-C or an error, drop the queued files instead of compiling them first.
            pool.shutdown(wait=True, cancel_futures=True)
    else:
        for job in todo:
            yield _compile_job(job, stamping)


def _import_pipeline(packaging: bool) -> None:
    """Import what workers use before forking them, so that each does not import it again."""
    import redeck.lock  # noqa: F401

    if packaging:
        import redeck.notetypes  # noqa: F401
        import redeck.package  # noqa: F401
        import redeck.render  # noqa: F401


_worker_stamping: list[Stamping | None] = []  # set once in each worker process, by `_start_worker`


def _start_worker(stamping: Stamping | None) -> None:
    # Ctrl-C is the main process's to handle: it cancels the queued files, and each worker finishes the
    # one file it has (a worker that exits mid-job can leave the pool hanging), without a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    _worker_stamping.append(stamping)


def _worker_job(job: Job) -> tuple[int, CompiledFile]:
    return _compile_job(job, _worker_stamping[0])


def _compile_job(job: Job, stamping: Stamping | None) -> tuple[int, CompiledFile]:
    try:
        data = job.path.read_bytes()
    except OSError as exc:
        return job.index, CompiledFile(str(job.path), (unreadable(job.path, exc),), (), 0)
    with cyclic_gc_paused():
        result = compile_file(job.path, job.top_folder, data, stamping)
    if job.cache is not None:
        from redeck import cache as cached

        # Saved again since the main process read it: compile what is there now, but cache it under no key.
        if cached.file_key(job.compiler, str(job.path), job.top_folder, data) == job.cache_key:
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

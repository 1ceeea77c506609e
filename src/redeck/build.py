"""Build: run the pipeline (load → check → render → package) and write outputs atomically."""

from __future__ import annotations

import gc
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from redeck.check import IMAGE_HINT, check_cards, duplicate_ids, image_paths
from redeck.lint import lint_cards
from redeck.load import card_files, decode, load_text, load_tree
from redeck.model import CLOZE_NUMBER, Card, Note, Position, Problem

DEFAULT_CARDS = Path("cards")
DEFAULT_OUTPUT = Path("build/research-engineering.apkg")
# Below this much card text to compile, starting worker processes costs more than it saves.
PARALLEL_MIN_BYTES = 256 * 1024


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
class BuildResult:
    """What a build did: the problems that stopped it, or the package it wrote."""

    check: CheckResult
    output: Path
    notes: int = 0
    cards: int = 0
    changed: list[str] = field(default_factory=list)  # ids of notes new or edited since the last build
    written: bool = False  # False when the package on disk already had these bytes

    @property
    def ok(self) -> bool:
        return not self.check.errors


@dataclass(frozen=True)
class CompiledFile:
    """One card file through load, check and render: all that the steps across files need.

    Small and flat on purpose: it crosses process boundaries and lives in the cache.
    """

    path: str
    problems: tuple[Problem, ...]
    ids: tuple[tuple[str, int, int], ...]  # each card's id and the line and column it is written at
    anki_cards: int
    notes: tuple[Note, ...] = ()  # empty unless rendered, and never rendered for a file with errors
    digests: tuple[str, ...] = ()  # per note: its content digest for the lock file
    guids: tuple[str, ...] = ()  # per note: its Anki GUID
    media: tuple[tuple[Path, str], ...] = ()  # image files used, and their names in the package
    images: tuple[tuple[str, int, int], ...] = ()  # every image referred to: path, mtime (ns), size; -1 if missing

    @property
    def errors(self) -> bool:
        return any(p.level == "error" for p in self.problems)


def compile_file(path: Path, top_folder: str, data: bytes, render: bool) -> CompiledFile:
    """Load and check one card file from its bytes and, if ``render`` and it has no errors, render it."""
    text, problem = decode(data, str(path))
    cards, problems = load_text(text, path, top_folder) if problem is None else ([], [problem])
    problems.extend(check_cards(cards))
    notes: tuple[Note, ...] = ()
    digests: tuple[str, ...] = ()
    guids: tuple[str, ...] = ()
    media: tuple[tuple[Path, str], ...] = ()
    if render and not any(p.level == "error" for p in problems):
        from redeck.lock import digest
        from redeck.package import guid
        from redeck.render import Renderer

        renderer = Renderer()
        notes = tuple(renderer.render_card(card) for card in cards)
        digests = tuple(digest(note.notetype, note.fields, note.tags) for note in notes)
        guids = tuple(guid(note.card_id) for note in notes)
        media = tuple(renderer.media.items())
    return CompiledFile(
        path=str(path),
        problems=tuple(problems),
        ids=tuple((card.id.value, card.id.pos.line, card.id.pos.col) for card in cards),
        anki_cards=sum(map(anki_cards, cards)),
        notes=notes,
        digests=digests,
        guids=guids,
        media=media,
        images=_image_stats(cards, [p for p, _ in media]),
    )


def _image_stats(cards: list[Card], rendered: list[Path]) -> tuple[tuple[str, int, int], ...]:
    """The state of every image the cards name, so a cached result is dropped when one changes."""
    paths = set(rendered)
    for card in cards:
        for text in (card.front, card.back, card.cloze, card.extra):
            if text is not None and IMAGE_HINT.search(text.value):
                paths.update(card.file.parent / ref for _offset, ref in image_paths(text.value))
    return tuple(sorted((str(path), *_stat(path)) for path in paths))


def _stat(path: Path) -> tuple[int, int]:
    try:
        st = path.stat()
    except OSError:
        return -1, -1
    return (st.st_mtime_ns, st.st_size) if path.is_file() else (-1, -1)


def compile_tree(cards_dir: Path, render: bool, cache: Path | None = None, jobs: int | None = None) -> list[CompiledFile]:
    """Compile every card file under ``cards_dir``, in build order.

    Files whose bytes (and images) are unchanged since a build that used the same ``cache``
    folder come from it. The others are compiled on every core when there is enough to do;
    ``jobs`` sets the number of processes instead (1: none started).
    """
    from redeck import cache as cached

    compiler = cached.compiler_key() + repr(render) if cache is not None else ""
    compiled: dict[int, CompiledFile] = {}
    todo: list[Job] = []
    keys: set[str] = set()
    paths = card_files(cards_dir)
    for index, path in enumerate(paths):
        rel = path.relative_to(cards_dir)
        top = rel.parts[0] if len(rel.parts) > 1 else ""
        try:
            data = path.read_bytes()
        except OSError as exc:
            problem = Problem(str(path), 1, 1, "error", "io", f"cannot read file: {exc.strerror}")
            compiled[index] = CompiledFile(str(path), (problem,), (), 0)
            continue
        key = cached.file_key(compiler, str(path), top, data)
        hit = cached.read(cache, key) if cache is not None else None
        if isinstance(hit, CompiledFile) and hit.images == tuple((p, *_stat(Path(p))) for p, _, _ in hit.images):
            compiled[index] = hit
        else:
            todo.append(Job(index, path, top, data, key, render, cache))
        keys.add(key)
    compiled.update(_compile_all(todo, jobs))
    if cache is not None:
        cached.prune(cache, keys)
    return [compiled[index] for index in range(len(paths))]


@dataclass(frozen=True)
class Job:
    """One card file to compile, and where to cache the result."""

    index: int
    path: Path
    top_folder: str
    data: bytes
    key: str
    render: bool
    cache: Path | None


def _compile_all(todo: list[Job], jobs: int | None) -> Iterator[tuple[int, CompiledFile]]:
    if jobs is None:
        jobs = _cores() if sum(len(job.data) for job in todo) >= PARALLEL_MIN_BYTES else 1
    if jobs > 1 and len(todo) > 1 and _can_fork():
        import multiprocessing

        # Largest files first, so no process is left with a big one at the end.
        ordered = sorted(todo, key=lambda job: -len(job.data))
        with multiprocessing.get_context("fork").Pool(min(jobs, len(todo))) as pool:
            yield from pool.imap_unordered(_compile_job, ordered)
    else:
        yield from map(_compile_job, todo)


def _compile_job(job: Job) -> tuple[int, CompiledFile]:
    with cyclic_gc_paused():
        result = compile_file(job.path, job.top_folder, job.data, job.render)
    if job.cache is not None:
        from redeck import cache as cached

        cached.write(job.cache, job.key, result)
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


def tree_problems(files: list[CompiledFile]) -> list[Problem]:
    """Every problem in these files plus the ids repeated across them, sorted by place."""
    problems = [p for f in files for p in f.problems]
    problems.extend(duplicate_ids((card_id, Position(f.path, line, col)) for f in files for card_id, line, col in f.ids))
    return sorted(set(problems))


def check_tree(cards_dir: Path = DEFAULT_CARDS, strict: bool = False, jobs: int | None = None) -> CheckResult:
    """Load and check every card file under ``cards_dir``; ``strict`` adds the quality lint."""
    if strict:
        return load_checked(cards_dir, strict=True)[1]
    with cyclic_gc_paused():
        files = compile_tree(cards_dir, render=False, jobs=jobs)
        return CheckResult(tree_problems(files), files=len(files), cards=sum(len(f.ids) for f in files))


def load_checked(cards_dir: Path = DEFAULT_CARDS, strict: bool = False) -> tuple[list[Card], CheckResult]:
    """The cards of a tree, in build order, and the check of them; in one process, for commands that need the cards."""
    with cyclic_gc_paused():
        cards, problems = load_tree(cards_dir)
        problems.extend(check_cards(cards))
        problems.extend(duplicate_ids((card.id.value, card.id.pos) for card in cards))
        if strict:
            problems.extend(lint_cards(cards))
        return cards, CheckResult(sorted(set(problems)), files=len(card_files(cards_dir)), cards=len(cards))


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


def build(
    cards_dir: Path = DEFAULT_CARDS, output: Path = DEFAULT_OUTPUT, now: int | None = None, jobs: int | None = None
) -> BuildResult:
    """Check the tree and, if it has no errors, write the package and the lock file.

    ``now`` is the time given to notes that are new or changed (default: the clock); notes
    that did not change keep the time in the lock file, so an unchanged tree rebuilds the same bytes.
    Compiled files are cached beside the package, so a rebuild recompiles only the files that changed.
    """
    with cyclic_gc_paused():
        return _build(cards_dir, output, now, jobs)


def _build(cards_dir: Path, output: Path, now: int | None, jobs: int | None) -> BuildResult:
    from redeck.cache import cache_dir
    from redeck.lock import LOCK_NAME, format_lock, read_lock, restamp
    from redeck.notetypes import note_types
    from redeck.package import package_bytes

    files = compile_tree(cards_dir, render=True, cache=cache_dir(output), jobs=jobs)
    checked = CheckResult(tree_problems(files), files=len(files), cards=sum(len(f.ids) for f in files))
    if checked.errors:
        return BuildResult(checked, output)

    notes = [note for f in files for note in f.notes]
    types = note_types()
    digests = {note.card_id: d for f in files for note, d in zip(f.notes, f.digests, strict=True)}
    digests.update({f"notetype:{key}": nt.digest for key, nt in types.items()})
    lock_path = cards_dir / LOCK_NAME
    old = read_lock(lock_path)
    stamps = restamp(old, digests, int(time.time()) if now is None else now)
    data = package_bytes(
        notes,
        types,
        note_mods={note.card_id: stamps[note.card_id].mod for note in notes},
        type_mods={key: stamps[f"notetype:{key}"].mod for key in types},
        media={name: path for f in files for path, name in f.media},
        guids={note.card_id: g for f in files for note, g in zip(f.notes, f.guids, strict=True)},
    )
    written = write_atomically(output, data)
    write_atomically(lock_path, format_lock(stamps).encode())
    changed = [note.card_id for note in notes if old.get(note.card_id) != stamps[note.card_id]]
    return BuildResult(
        checked, output, notes=len(notes), cards=sum(f.anki_cards for f in files), changed=changed, written=written
    )


def anki_cards(card: Card) -> int:
    """How many Anki cards a card makes: one, two if reversed, one per cloze number."""
    if card.cloze is not None:
        return len(set(CLOZE_NUMBER.findall(card.cloze.value)))
    return 2 if card.reverse else 1


def write_atomically(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` through a temporary file and a rename; False if it was already there.

    A failed or interrupted write leaves the previous file whole.
    """
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True

"""Watch: rebuild the package whenever a file under the card folder changes, and push it into a running Anki."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from redeck.build import BuildResult, CheckResult, TreeError, build
from redeck.lock import is_lock
from redeck.model import Problem, RedeckError

if TYPE_CHECKING:
    from redeck.sync import Backend, SyncReport


@dataclass(frozen=True)
class Rebuild:
    """One rebuild: what it did and how long it took."""

    result: BuildResult
    seconds: float
    changed_paths: tuple[str, ...] = ()


def is_card_change(path: str) -> bool:
    """Card files and media count; the lock file (which builds write) and editor swap files do not."""
    name = Path(path).name
    return not is_lock(name) and not name.startswith((".", "#")) and not name.endswith(("~", ".swp", ".tmp"))


def rebuilds(cards_dir: Path, output: Path, stop: threading.Event | None = None, debounce_ms: int = 100) -> Iterator[Rebuild]:
    """Build once, then again after every change under ``cards_dir``, until ``stop`` is set.

    A build with errors writes nothing, so a broken save leaves the last good package in place.
    """
    from watchfiles import watch

    yield timed_build(cards_dir, output)
    changes = watch(cards_dir, watch_filter=lambda _change, path: is_card_change(path), stop_event=stop,
                    debounce=debounce_ms, rust_timeout=200, yield_on_timeout=False)  # fmt: skip
    for batch in changes:
        paths = tuple(sorted({path for _change, path in batch}))
        # The watcher has a thread of its own now, and forking beside a running thread is unsafe:
        # rebuilds compile in this process (usually one changed file; the rest come from the cache).
        yield timed_build(cards_dir, output, paths, jobs=1)


def timed_build(cards_dir: Path, output: Path, paths: tuple[str, ...] = (), jobs: int | None = None) -> Rebuild:
    """One build, timed. A card folder that vanished (or emptied) is a problem like any other: the package stays."""
    start = time.perf_counter()
    try:
        result = build(cards_dir, output, jobs=jobs)
    except TreeError as exc:
        result = BuildResult(CheckResult([Problem(f"{cards_dir}/", 1, 1, "error", "io", exc.message)]), output)
    return Rebuild(result, time.perf_counter() - start, paths)


@dataclass(frozen=True)
class Push:
    """One push of a rebuilt package into a running Anki: what changed there, or why it could not."""

    report: SyncReport | None
    seconds: float
    error: str = ""

    @property
    def notes(self) -> int:
        """Notes the push added or updated."""
        return 0 if self.report is None else self.report.new + self.report.updated


def push_rebuild(backend: Backend, rebuild: Rebuild) -> Push:
    """Import a good rebuild into the running Anki with the plan `redeck sync` uses (no prune).

    An Anki that stopped answering is reported, not raised: the watch goes on, and the next save
    pushes everything the collection still lacks.
    """
    from redeck.sync import SyncReport, push

    start = time.perf_counter()
    report = SyncReport(rebuild.result)
    try:
        push(backend, rebuild.result, report)
    except RedeckError as exc:
        return Push(None, time.perf_counter() - start, str(exc))
    return Push(report, time.perf_counter() - start)

"""`redeck watch` with real file changes: rebuilds on save, keeps the last good package on a broken save."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time

from conftest import BASIC_FILE
from redeck.watch import is_card_change, rebuilds


def next_rebuild(events: queue.Queue, timeout: float = 20):
    item = events.get(timeout=timeout)
    if isinstance(item, BaseException):
        raise item
    return item


def test_rebuilds_on_change_and_keeps_last_good_package(tree):
    path = tree.write("r.yaml", BASIC_FILE)
    stop = threading.Event()
    events: queue.Queue = queue.Queue()

    def watch() -> None:
        try:
            for rebuild in rebuilds(tree.cards, tree.output, stop=stop, debounce_ms=50):
                events.put(rebuild)
        except BaseException as exc:  # surface failures in the test thread
            events.put(exc)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    try:
        first = next_rebuild(events)
        assert first.result.ok and first.result.notes == 3
        time.sleep(0.3)  # let the watcher start before the first save

        path.write_text(BASIC_FILE.replace("w + r > n", "w + r > n (strict quorum)"))
        edited = next_rebuild(events)
        assert edited.result.ok and edited.result.changed == ["repl-quorum-condition"]
        assert edited.seconds > 0 and any(p.endswith("r.yaml") for p in edited.changed_paths)
        good = tree.output.read_bytes()

        path.write_text(BASIC_FILE + "  - id: Broken\n")
        broken = next_rebuild(events)
        assert not broken.result.ok and {p.rule for p in broken.result.check.errors} == {"id", "card-kind"}
        assert tree.output.read_bytes() == good
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()


def test_builds_own_writes_do_not_trigger_rebuilds():
    assert is_card_change("/x/cards/systems/r.yaml")
    assert is_card_change("/x/cards/media/plot.svg")
    assert not is_card_change("/x/cards/redeck.lock")
    assert not is_card_change("/x/cards/.redeck.lock.abc.tmp")
    assert not is_card_change("/x/cards/.r.yaml.swp")


def test_watch_command_prints_each_rebuild_and_stops_on_ctrl_c(tree):
    path = tree.write("r.yaml", BASIC_FILE)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from redeck.cli import main; main()", "watch"],
        cwd=tree.root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stderr], daemon=True).start()
    try:
        assert lines.get(timeout=20).startswith("✓ build/research-engineering.apkg written in ")
        time.sleep(0.5)
        path.write_text(BASIC_FILE + "  - id: Broken\n")
        line = lines.get(timeout=20)
        assert line.startswith("✗ 2 errors in ") and "kept the last good" in line
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0
    assert "cards/r.yaml:14:9: error: invalid id 'Broken'" in out


def test_a_card_folder_that_disappears_keeps_the_package_and_is_not_recreated(tree):
    tree.write("r.yaml", BASIC_FILE)
    stop = threading.Event()
    events: queue.Queue = queue.Queue()

    def watch() -> None:
        try:
            for rebuild in rebuilds(tree.cards, tree.output, stop=stop, debounce_ms=50):
                events.put(rebuild)
        except BaseException as exc:  # surface failures in the test thread
            events.put(exc)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    try:
        assert next_rebuild(events).result.notes == 3
        good = tree.output.read_bytes()
        time.sleep(0.3)
        shutil.rmtree(tree.cards)  # a branch switch, a mistaken rm -r
        gone = next_rebuild(events)
        assert not gone.result.ok and [p.rule for p in gone.result.check.errors] == ["io"]
        assert "card folder does not exist" in gone.result.check.errors[0].message
        assert tree.output.read_bytes() == good and not tree.cards.exists()
    finally:
        stop.set()
        thread.join(timeout=10)

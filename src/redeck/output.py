"""Output: where redeck may write, and writing a package and its lock file together, atomically.

Card trees take contributions, and ``-o`` is typed by hand: nothing here writes over a card file,
the lock, a collection, a device, or a file that is not a package redeck wrote, and a build leaves
both its files as they were or both new.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path

from redeck.model import RedeckError

PACKAGE_SUFFIX = ".apkg"
# Written into every package's zip comment, so that redeck knows a file it may replace.
PACKAGE_MARK = b"redeck package"
# Packages written before the mark have every entry at this time; the mark is checked first.
OLD_PACKAGE_TIME = (2020, 1, 1, 0, 0, 0)


class OutputError(RedeckError):
    """An output that redeck refuses to write: it would destroy something that is not its own."""


def check_output(output: Path, cards_dir: Path, protected: Iterable[Path] = ()) -> None:
    """Raise `OutputError` unless ``output`` is a place a package may be written.

    It must end in ``.apkg``, lie outside the card tree, not be a link, a folder or a device, not be
    any of ``protected`` (a collection being synced), and, if it exists, be a package redeck wrote.
    """
    if output.suffix.lower() != PACKAGE_SUFFIX:
        raise OutputError(output, f"a package's name ends in {PACKAGE_SUFFIX}")
    if "\0" in str(output):
        raise OutputError(repr(str(output)), "holds a NUL character, which no file name can")
    if output.is_symlink():
        raise OutputError(output, "is a link; give the path of the file itself")
    _outside_tree(output, cards_dir)
    for path in protected:
        if output.resolve() == path.resolve():
            raise OutputError(output, "is the collection itself; a package is written beside it, never over it")
    if output.exists() or _is_dangling(output):
        st = output.stat()
        if not stat.S_ISREG(st.st_mode):
            raise OutputError(output, "exists and is not a regular file; refusing to replace it")
        if not is_redeck_package(output):
            raise OutputError(output, "exists and is not a package redeck wrote; refusing to replace it")


def check_folder_output(out_dir: Path, cards_dir: Path) -> None:
    """Raise `OutputError` unless ``out_dir`` may hold a site redeck writes (outside the tree, not a link)."""
    if "\0" in str(out_dir):
        raise OutputError(repr(str(out_dir)), "holds a NUL character, which no folder name can")
    if out_dir.is_symlink():
        raise OutputError(out_dir, "is a link; give the path of the folder itself")
    _outside_tree(out_dir, cards_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(out_dir, "exists and is not a folder")


def _outside_tree(path: Path, cards_dir: Path) -> None:
    root = cards_dir.resolve()
    target = path.resolve()
    if target == root or target.is_relative_to(root):
        raise OutputError(path, f"is inside the card tree {cards_dir}; write outputs elsewhere (build/ by default)")


def _is_dangling(path: Path) -> bool:
    return not path.exists() and path.is_symlink()


def is_redeck_package(path: Path) -> bool:
    """Whether ``path`` is a zip that redeck wrote (its mark, or the fixed entry times of older versions)."""
    try:
        with zipfile.ZipFile(path) as archive:
            if archive.comment == PACKAGE_MARK:
                return True
            infos = archive.infolist()
            return (
                bool(infos)
                and infos[0].filename == "collection.anki2"
                and all(info.date_time == OLD_PACKAGE_TIME for info in infos)
            )
    except (OSError, zipfile.BadZipFile, ValueError):
        return False


def same_bytes(path: Path, data: bytes) -> bool:
    """Whether the regular file ``path`` holds exactly ``data`` (read only if the size matches)."""
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode) or st.st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False


def write_together(files: list[tuple[Path, bytes]]) -> list[bool]:
    """Write each (path, data) through a temporary file and a rename, all of them or none; say which changed.

    Every file is written and synced in full before any is renamed into place, so a full disk or a
    kill leaves the old files whole. Should a rename fail after an earlier one succeeded, the earlier
    files are put back. Temporary files a killed build left behind are removed.
    """
    changed = [not same_bytes(path, data) for path, data in files]
    staged: list[tuple[Path, str, bytes | None]] = []  # (path, its temporary file, what it held before)
    done: list[tuple[Path, str, bytes | None]] = []
    try:
        for (path, data), change in zip(files, changed, strict=True):
            if change:
                path.parent.mkdir(parents=True, exist_ok=True)
                remove_stale_temporaries(path)
                old = path.read_bytes() if path.is_file() else None
                staged.append((path, _staged(path, data), old))
        for entry in staged:
            os.replace(entry[1], entry[0])
            done.append(entry)
    except BaseException:
        for _path, tmp, _old in staged:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        for path, _tmp, old in done:
            with contextlib.suppress(OSError):
                if old is None:
                    path.unlink()
                else:
                    os.replace(_staged(path, old), path)
        raise
    return changed


def _staged(path: Path, data: bytes) -> str:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return tmp


def remove_stale_temporaries(path: Path) -> None:
    """Delete temporary files of ``path`` whose writer is no longer running (a build killed mid-write)."""
    pattern = re.compile(rf"^\.{re.escape(path.name)}\.(\d+)\.[^.]+\.tmp$")
    try:
        names = os.listdir(path.parent)
    except OSError:
        return
    for name in names:
        match = pattern.match(name)
        if match and not _running(int(match.group(1))):
            with contextlib.suppress(OSError):
                os.unlink(path.parent / name)


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True

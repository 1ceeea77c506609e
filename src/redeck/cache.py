"""Cache: each card file's compiled result, kept under build/ and keyed by the file's bytes."""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sys
from pathlib import Path
from typing import Any

import redeck

CACHE_NAME = ".redeck-cache"
# Bump when the shape of what is cached changes; redeck's own sources are keyed as well (see `compiler_key`).
FORMAT = 1


def cache_dir(output: Path) -> Path:
    """Where the cache for a package lives: beside it (under build/ by default), one folder per package."""
    return output.parent / CACHE_NAME / output.name


def compiler_key() -> str:
    """What else a compiled file depends on: redeck's code and the versions of the libraries it compiles with.

    redeck's modules are keyed by size and modification time, so an upgraded (or, in a checkout,
    edited) compiler never serves results an older one made.
    """
    import genanki
    import pygments
    import pyromark
    import yaml

    package = Path(redeck.__file__).parent
    sources = sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in package.glob("*.py"))
    libraries = (pyromark.__version__, pygments.__version__, yaml.__version__, yaml.__with_libyaml__, genanki.__version__)
    return repr((FORMAT, redeck.__version__, sys.version_info[:2], libraries, sources))


def usable(folder: Path) -> bool:
    """Make the cache folder if needed, and say whether it is safe to read.

    Entries are pickles, and reading a pickle runs what it says: only a folder of this user's that
    no one else can write to will do (``-o /tmp/deck.apkg`` would otherwise read ``/tmp/.redeck-cache``).
    A build without a usable cache still works; it only compiles every file.
    """
    try:
        folder.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder.mkdir(mode=0o700, exist_ok=True)
        return all(_private(path.stat()) for path in (folder.parent, folder))
    except OSError:
        return False


def _private(st: os.stat_result) -> bool:
    if not hasattr(os, "getuid"):  # Windows: no owner or mode bits here; folders are per user by their ACLs
        return True
    return st.st_uid == os.getuid() and not st.st_mode & 0o022


def file_key(compiler: str, path: str, top_folder: str, data: bytes) -> str:
    """The cache key of one card file: its bytes, its name (problems quote it) and the compiler."""
    h = hashlib.blake2b(data, digest_size=16)
    h.update(f"\0{path}\0{top_folder}\0{compiler}".encode())
    return h.hexdigest()


def read(folder: Path, key: str) -> Any | None:
    """The entry stored under ``key``, or None if there is none or it cannot be read."""
    try:
        with open(folder / f"{key}.pickle", "rb") as f:
            return pickle.load(f)
    except Exception:  # a missing, truncated or foreign file is a miss; the build rewrites it
        return None


def write(folder: Path, key: str, entry: Any) -> None:
    """Store ``entry`` under ``key``; a rename makes it appear whole or not at all.

    Not fsynced, and a failed write is ignored: a lost or unreadable entry only costs a recompile.
    """
    tmp = folder / f".{key}.{os.getpid()}.tmp"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, folder / f"{key}.pickle")
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()


def prune(folder: Path, keep: set[str]) -> None:
    """Delete entries no longer used, and any write a crash left half done; the cache stays the size of the tree."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if name.endswith(".tmp") or (name.endswith(".pickle") and name.removesuffix(".pickle") not in keep):
            # Gone already, or not ours to delete: either way not this build's concern.
            with contextlib.suppress(OSError):
                (folder / name).unlink()

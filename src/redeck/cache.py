"""Cache: each card file's compiled result, kept under build/ and keyed by the file's bytes."""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import stat
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

    Entries are pickles, and reading a pickle runs what it says: only real folders (not links) of this
    user's that no one else can write to will do, so that ``-o /tmp/deck.apkg`` cannot be made to read
    someone else's ``/tmp/.redeck-cache``. A folder of ours that others could write to (older versions
    made it so under umask 002) is closed and emptied, since anything in it may have been planted.
    A build without a usable cache still works; it compiles every file.
    """
    try:
        folder.parent.parent.mkdir(parents=True, exist_ok=True)
        opened = False
        for level in (folder.parent, folder):
            level.mkdir(mode=0o700, exist_ok=True)
            st = level.lstat()
            if not stat.S_ISDIR(st.st_mode) or (hasattr(os, "getuid") and st.st_uid != os.getuid()):
                return False
            if hasattr(os, "getuid") and st.st_mode & 0o022:
                os.chmod(level, 0o700)
                opened = True
        if opened:
            for entry in folder.iterdir():
                entry.unlink()
        return True
    except OSError:
        return False


def file_state(path: Path) -> tuple[int, int, int, int]:
    """What tells that a file changed without reading it, as git's index does: a copy that keeps the
    modification time (``cp -p``, ``rsync -a``) still gets a new inode or change time. All -1 if missing."""
    try:
        st = path.stat()
    except OSError:
        return -1, -1, -1, -1
    return (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino) if stat.S_ISREG(st.st_mode) else (-1, -1, -1, -1)


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

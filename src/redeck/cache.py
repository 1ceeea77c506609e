"""Cache: each card file's compiled result, kept under build/, keyed by the file's bytes and checked when read.

Entries are plain data (`marshal` of tuples, strings, numbers and bytes: reading one runs no code,
unlike a pickle) behind a digest of their content, so an entry that was altered or cut short is a
miss, never a wrong package. This module owns the keys and when an entry stops holding.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import redeck

if TYPE_CHECKING:
    from redeck.compile import CompiledFile
    from redeck.lock import Lock
    from redeck.tree import CardFile

CACHE_NAME = ".redeck-cache"
SUFFIX = ".entry"
# Bump when the shape of what is cached changes; redeck's own sources are keyed as well (see `compiler_key`).
FORMAT = 2
DIGEST_SIZE = 32


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


def file_key(compiler: str, card_file: CardFile, data: bytes) -> str:
    """The cache key of one card file: its bytes, its name (problems quote it), its tree and the compiler."""
    h = hashlib.blake2b(data, digest_size=16)
    h.update(f"\0{card_file.path}\0{card_file.root}\0{card_file.top_folder}\0{compiler}".encode())
    return h.hexdigest()


def usable(folder: Path) -> bool:
    """Make the cache folder if needed, and say whether it is safe to use.

    Only real folders (not links) of this user's that no one else can write to will do, so that
    ``-o /tmp/deck.apkg`` cannot be made to read entries someone else planted in ``/tmp/.redeck-cache``.
    A folder of ours that others could write to (older versions made it so under umask 002) is closed
    and emptied. A build without a usable cache still works; it compiles every file.
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


def read(folder: Path, key: str, lock: Lock) -> CompiledFile | None:
    """The entry stored under ``key`` if it is whole and still holds: its images unchanged, its stamps in the lock."""
    from redeck.compile import CompiledFile
    from redeck.media import still_as_watched

    try:
        data = (folder / f"{key}{SUFFIX}").read_bytes()
    except OSError:
        return None
    body = data[DIGEST_SIZE:]
    if data[:DIGEST_SIZE] != _digest(key, body):
        return None  # cut short, altered, or another key's entry renamed
    try:
        entry = CompiledFile.from_record(marshal.loads(body))
    except Exception:  # a record of an older shape: a miss, rewritten by this build
        return None
    if not still_as_watched(entry.images) or not lock.holds(entry.stamps):
        return None
    return entry


def write(folder: Path, key: str, entry: CompiledFile) -> None:
    """Store ``entry`` under ``key``; a rename makes it appear whole or not at all.

    Not fsynced, and a failed write is ignored: a lost or unreadable entry only costs a recompile.
    """
    body = marshal.dumps(entry.to_record())
    tmp = folder / f".{key}.{os.getpid()}.tmp"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(_digest(key, body) + body)
        os.replace(tmp, folder / f"{key}{SUFFIX}")
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()


def prune(folder: Path, keep: set[str]) -> None:
    """Delete entries no longer used, and anything else (a crash's half-written entry, an older format's file)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if not (name.endswith(SUFFIX) and name.removesuffix(SUFFIX) in keep):
            # Gone already, or not ours to delete: either way not this build's concern.
            with contextlib.suppress(OSError):
                (folder / name).unlink()


def _digest(key: str, body: bytes) -> bytes:
    h = hashlib.blake2b(key.encode() + b"\0", digest_size=DIGEST_SIZE, person=b"redeck-cache")
    h.update(body)
    return h.digest()

"""Durable file primitives: exclusive create, fsync'd append, atomic replace."""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Iterator
from pathlib import Path


def fsync_dir(path: Path) -> None:
    """Make a new directory entry survive a crash (the file's own fsync does not cover it)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _tmp_for(path: Path) -> Path:
    """Private per process and thread, so concurrent writers never share a temp file."""
    return path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")


def _write_fsync(path: Path, data: bytes, flags: int, durable: bool = True) -> int:
    """Write `data` (and fsync, if `durable`); the file's size afterwards."""
    fd = os.open(path, flags, 0o644)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        if durable:
            os.fsync(fd)
        return os.fstat(fd).st_size
    finally:
        os.close(fd)


def create_exclusive(path: Path, data: bytes) -> bool:
    """Write a complete file at `path` only if nothing is there; False if it already exists.

    The bytes go to a private temp file first and are hard-linked into place, so a reader
    never sees a half-written file and two writers can never both win.
    """
    tmp = _tmp_for(path)
    _write_fsync(tmp, data, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        os.link(tmp, path)
    except FileExistsError:
        return False
    finally:
        tmp.unlink(missing_ok=True)
    fsync_dir(path.parent)
    return True


def create_new_locked(path: Path, data: bytes) -> int | None:
    """Write a new file at `path` in place (O_EXCL), fsync it and its directory — cheaper than
    `create_exclusive` (one file created, not two) for files whose readers only look once
    something else, written later, names them — holding an exclusive flock on it from before
    its first byte:
    the returned descriptor is the creation's lock until the caller closes it (a dead
    creator's lock goes with its process). None if the file already exists."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
        fsync_dir(path.parent)
    except BaseException:
        os.close(fd)
        path.unlink(missing_ok=True)
        raise
    return fd


@contextlib.contextmanager
def try_flock(path: Path) -> Iterator[bool]:
    """Whether nobody holds `path`'s flock now (held for the block); False if it is gone."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        yield False
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def overwrite(path: Path, data: bytes) -> None:
    """Rewrite a small advisory file in place, no temp file and no fsync: a reader may catch
    it torn, so only files whose readers fall back on anything unreadable (or check what it
    names) use this. Written over, not truncated first: on ext4 a truncate to zero makes the
    close flush the file (`auto_da_alloc`), as dear as an fsync."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        os.pwrite(fd, data, 0)
        if os.fstat(fd).st_size > len(data):
            os.ftruncate(fd, len(data))
    finally:
        os.close(fd)


def append_durable(path: Path, data: bytes, durable: bool = True) -> int:
    """Append in one write (and fsync, unless the caller's next durable append will cover
    it: an fsync flushes every earlier write to the file); returns the size afterwards."""
    return _write_fsync(path, data, os.O_WRONLY | os.O_CREAT | os.O_APPEND, durable)


def replace_atomic(path: Path, data: bytes, durable: bool = True) -> None:
    """Readers see the old file or the new one, never a mix. `durable=False` skips the fsync
    for derived files (the index): a killed process still leaves old or new, and after a
    power cut a rebuild restores what the events say."""
    tmp = _tmp_for(path)
    _write_fsync(tmp, data, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, durable)
    os.replace(tmp, path)


def truncate_to(path: Path, size: int) -> None:
    with open(path, "r+b") as handle:
        handle.truncate(size)
        handle.flush()
        os.fsync(handle.fileno())


def size_or_none(path: Path) -> int | None:
    """The file's size in bytes, or None if it does not exist (one stat, no exists() race)."""
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return None


def read_bytes_or_none(path: Path) -> bytes | None:
    with contextlib.suppress(FileNotFoundError):
        return path.read_bytes()
    return None

"""One process works a request at a time; a free lock on an open item means "interrupted"."""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

from orchestrator.errors import OrchestrateError
from orchestrator.ledger import FileLedger


class Busy(OrchestrateError):
    """Another process is working this request right now."""

    exit_code = 7


def _path(ledger: FileLedger, request_id: str) -> Path:
    return ledger.locks_dir / f"run-{request_id}.lock"


# A probe (`show`, `resume --all`) holds the lock for microseconds; a run waits out that
# much before it calls the item busy. A real run elsewhere holds it for minutes.
_WAIT_S = 2.0
_POLL_S = 0.01


@contextlib.contextmanager
def hold(ledger: FileLedger, request_id: str) -> Iterator[None]:
    """flock on a descriptor of its own: other processes, and other threads of this one
    (each holds its own open file), are kept out until the run ends or the process dies."""
    ledger.ensure()
    fd = os.open(_path(ledger, request_id), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _acquire(fd, request_id)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


class Held:
    """A run lock taken without waiting (a worker's claim); `release` lets it go."""

    def __init__(self, fd: int) -> None:
        self._fd: int | None = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def try_take(ledger: FileLedger, request_id: str) -> Held | None:
    """The run lock if no one holds it now, else None: workers skip busy items at once."""
    ledger.ensure()
    fd = os.open(_path(ledger, request_id), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return Held(fd)


def _acquire(fd: int, request_id: str) -> None:
    deadline = time.monotonic() + _WAIT_S
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise Busy(f"{request_id} is being worked by another process") from None
            time.sleep(_POLL_S)


def is_running(ledger: FileLedger, request_id: str) -> bool:
    """Probe without waiting and without creating anything (read commands call this)."""
    path = _path(ledger, request_id)
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def is_abandoned(ledger: FileLedger, request_id: str, grace_s: float) -> bool:
    """No live process holds the run. A run that never took its lock (its submitter is
    between creating the request and starting the graph) counts only after `grace_s`."""
    if _path(ledger, request_id).exists():
        return not is_running(ledger, request_id)
    try:
        age = time.time() - ledger.events_path(request_id).stat().st_mtime
    except FileNotFoundError:
        return False
    return age >= grace_s

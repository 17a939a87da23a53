"""One process works a request at a time; a free lock on an open item means "interrupted".

Callers go through these functions; each backend brings its own locks (`ledger.run_locks`):
flock on this machine's files here, advisory locks in the database for PostgreSQL.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from orchestrator.errors import OrchestrateError

if TYPE_CHECKING:
    from orchestrator.ledger.files import FileLedger
    from orchestrator.ledger.repository import Held, LedgerRepository


class Busy(OrchestrateError):
    """Another process is working this request right now."""

    exit_code = 7


def hold(ledger: LedgerRepository, request_id: str) -> contextlib.AbstractContextManager[None]:
    return ledger.run_locks.hold(request_id)


def try_take(ledger: LedgerRepository, request_id: str) -> Held | None:
    """The run lock if no one holds it now, else None: workers skip busy items at once."""
    return ledger.run_locks.try_take(request_id)


def is_running(ledger: LedgerRepository, request_id: str) -> bool:
    return ledger.run_locks.is_running(request_id)


def is_abandoned(ledger: LedgerRepository, request_id: str, grace_s: float) -> bool:
    return ledger.run_locks.is_abandoned(request_id, grace_s)


# A probe (`show`, `resume --all`) holds the lock for microseconds; a run waits out that
# much before it calls the item busy. A real run elsewhere holds it for minutes.
WAIT_S = 2.0
_POLL_S = 0.01


class FileHeld:
    def __init__(self, fd: int) -> None:
        self._fd: int | None = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


class FileRunLocks:
    """flock on a descriptor of its own: other processes, and other threads of this one
    (each holds its own open file), are kept out until the run ends or the process dies."""

    def __init__(self, ledger: FileLedger) -> None:
        self.ledger = ledger

    def _path(self, request_id: str) -> Path:
        return self.ledger.locks_dir / f"run-{request_id}.lock"

    @contextlib.contextmanager
    def hold(self, request_id: str) -> Iterator[None]:
        self.ledger.ensure()
        fd = os.open(self._path(request_id), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            _acquire(fd, request_id)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def try_take(self, request_id: str) -> FileHeld | None:
        self.ledger.ensure()
        fd = os.open(self._path(request_id), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        return FileHeld(fd)

    def is_running(self, request_id: str) -> bool:
        """Probe without waiting and without creating anything (read commands call this)."""
        try:
            fd = os.open(self._path(request_id), os.O_RDWR)
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

    def is_abandoned(self, request_id: str, grace_s: float) -> bool:
        """No live process holds the run. A run that never took its lock (its submitter is
        between creating the request and starting the graph) counts only after `grace_s`."""
        if self._path(request_id).exists():
            return not self.is_running(request_id)
        try:
            age = time.time() - self.ledger.events_path(request_id).stat().st_mtime
        except FileNotFoundError:
            return False
        return age >= grace_s


def _acquire(fd: int, request_id: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise Busy(f"{request_id} is being worked by another process") from None
            time.sleep(_POLL_S)

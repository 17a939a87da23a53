"""One process works a request at a time; a free lock on an open item means "interrupted"."""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from orchestrator.errors import OrchestrateError
from orchestrator.ledger import FileLedger

if TYPE_CHECKING:
    from filelock import FileLock


class Busy(OrchestrateError):
    """Another process is working this request right now."""

    exit_code = 7


def _path(ledger: FileLedger, request_id: str) -> Path:
    return ledger.locks_dir / f"run-{request_id}.lock"


def _lock(ledger: FileLedger, request_id: str) -> FileLock:
    from filelock import FileLock  # only a run takes this lock; read commands never import it

    return FileLock(str(_path(ledger, request_id)))


# A probe (`show`, `resume --all`) holds the lock for microseconds; a run waits out that
# much before it calls the item busy. A real run elsewhere holds it for minutes.
_WAIT_S = 2.0


@contextlib.contextmanager
def hold(ledger: FileLedger, request_id: str) -> Iterator[None]:
    ledger.ensure()
    lock = _lock(ledger, request_id)
    from filelock import Timeout

    try:
        lock.acquire(timeout=_WAIT_S)
    except Timeout:
        raise Busy(f"{request_id} is being worked by another process") from None
    try:
        yield
    finally:
        lock.release()


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

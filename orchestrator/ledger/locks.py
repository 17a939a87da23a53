"""Cross-process locks for the ledger's hot path: `flock` on a descriptor kept open.

filelock (used for the rarely taken run lock and the breaker file) spends ~200 µs an
acquire on fork bookkeeping; a submit takes the ledger's locks ~16 times, so the ledger
keeps one descriptor per lock file and flocks it directly (~10 µs). Threads of one process
queue on a thread lock first, because flock does not exclude holders of the same open file.
"""

from __future__ import annotations

import fcntl
import os
import threading
from types import TracebackType


class ProcessFileLock:
    def __init__(self, path: str) -> None:
        self._path = path
        self._thread = threading.RLock()
        self._fd: int | None = None
        self._pid = 0
        self._depth = 0

    def _descriptor(self) -> int:
        """Reopen after a fork: a child sharing the parent's open file would share its lock."""
        if self._fd is None or self._pid != os.getpid():
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o644)
            self._pid = os.getpid()
        return self._fd

    def __enter__(self) -> ProcessFileLock:
        self._thread.acquire()
        try:
            if self._depth == 0:
                fcntl.flock(self._descriptor(), fcntl.LOCK_EX)
            self._depth += 1
        except BaseException:
            self._thread.release()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self._depth -= 1
            if self._depth == 0 and self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._thread.release()

    def __del__(self) -> None:
        if self._fd is not None and self._pid == os.getpid():
            os.close(self._fd)

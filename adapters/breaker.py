"""Per-runtime circuit breakers whose state outlives the process.

Fifty `orchestrate submit` runs from a cron job must not each hammer a dead provider, so the
state lives in a small JSON file (`<state_dir>/breakers.json`) that every process reads and
updates under a file lock, replacing it atomically.

- **closed**: calls flow; each transient failure (429, 408, 5xx, connection, timeout)
  counts, a success resets the count. `threshold` consecutive failures open it.
- **open**: calls are refused without touching the network until `cooldown_s` has passed.
- **half_open**: after the cooldown one caller (in any process) gets a trial call, holding a
  lease of `cooldown_s`; success closes the breaker, failure re-opens it for another
  cooldown. If the trial's process dies, the lease runs out and another caller tries.

Invalid replies, auth and permanent errors are not counted: the provider answered.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Literal

from filelock import FileLock
from pydantic import BaseModel, ValidationError

from adapters.errors import AdapterError

FILE_NAME = "breakers.json"
STATE_SUBDIR = "runtime-state"  # under the ledger root: `<ledger>/runtime-state/breakers.json`
State = Literal["closed", "open", "half_open"]


class CircuitOpen(AdapterError):
    """The runtime's breaker is open: skipped without a request."""

    kind = "circuit_open"


class BreakerState(BaseModel):
    state: State = "closed"
    failures: int = 0  # consecutive transient failures
    opened_at: float | None = None  # epoch seconds: wall clock, shared across processes
    lease_until: float | None = None  # half-open trial lease
    last_error_kind: str = ""
    last_error: str = ""
    times_opened: int = 0


class Admission(BaseModel):
    allowed: bool
    trial: bool = False  # the half-open trial call
    state: BreakerState


class Change(BaseModel):
    """What a recorded outcome did to the breaker, so the executor can report it."""

    opened: bool = False
    closed: bool = False
    state: BreakerState


class Breakers:
    """All runtimes' breakers; file-backed under `state_dir`, in memory when it is None."""

    def __init__(
        self,
        state_dir: Path | None,
        *,
        threshold: int = 5,
        cooldown_s: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(state_dir) / FILE_NAME if state_dir is not None else None
        self.threshold = max(1, threshold)
        self.cooldown_s = max(0.0, cooldown_s)
        self._clock = clock
        self._memory: dict[str, BreakerState] = {}
        self._thread_lock = threading.RLock()
        self._file_lock: FileLock | None = None  # made on the first write: most runs never
        self._seen: tuple[tuple[int, int], dict[str, BreakerState]] | None = None

    # -- queries ---------------------------------------------------------------------
    def snapshot(self) -> dict[str, BreakerState]:
        return self._read()

    def get(self, runtime: str) -> BreakerState:
        return self._read().get(runtime, BreakerState())

    def is_open(self, runtime: str) -> bool:
        return self.get(runtime).state != "closed"

    def retry_in(self, state: BreakerState) -> float:
        """Seconds until a caller may try again: the cooldown, or a running trial's lease."""
        if state.state == "half_open" and state.lease_until is not None:
            return max(0.0, state.lease_until - self._clock())
        if state.opened_at is None:
            return 0.0
        return max(0.0, state.opened_at + self.cooldown_s - self._clock())

    # -- transitions -----------------------------------------------------------------
    def admit(self, runtime: str) -> Admission:
        current = self.get(runtime)  # lock-free fast path: the file is replaced atomically
        if current.state == "closed":
            return Admission(allowed=True, state=current)
        with self._locked():
            states = self._read(fresh=True)
            st = states.get(runtime, BreakerState())
            now = self._clock()
            if st.state == "closed":
                return Admission(allowed=True, state=st)
            if st.state == "open" and now < (st.opened_at or 0) + self.cooldown_s:
                return Admission(allowed=False, state=st)
            if st.state == "half_open" and now < (st.lease_until or 0):
                return Admission(allowed=False, state=st)
            st = st.model_copy(update={"state": "half_open", "lease_until": now + self.cooldown_s})
            states[runtime] = st
            self._write(states)
            return Admission(allowed=True, trial=True, state=st)

    def success(self, runtime: str) -> Change:
        current = self.get(runtime)
        if current.state == "closed" and current.failures == 0:
            return Change(state=current)
        with self._locked():
            states = self._read(fresh=True)
            before = states.get(runtime, BreakerState())
            after = BreakerState(times_opened=before.times_opened)
            states[runtime] = after
            self._write(states)
            return Change(closed=before.state != "closed", state=after)

    def failure(self, runtime: str, error: AdapterError) -> Change:
        with self._locked():
            states = self._read(fresh=True)
            before = states.get(runtime, BreakerState())
            failures = before.failures + 1
            now = self._clock()
            reopen = before.state == "half_open"
            opens = reopen or (before.state == "closed" and failures >= self.threshold)
            after = before.model_copy(
                update={
                    "failures": failures,
                    "last_error_kind": error.kind,
                    "last_error": str(error)[:300],
                }
            )
            if opens:
                after = after.model_copy(
                    update={
                        "state": "open",
                        "opened_at": now,
                        "lease_until": None,
                        "times_opened": before.times_opened + 1,
                    }
                )
            states[runtime] = after
            self._write(states)
            return Change(opened=opens, state=after)

    def reset(self, runtime: str | None = None) -> None:
        with self._locked():
            states = self._read(fresh=True)
            for name in [runtime] if runtime else list(states):
                states.pop(name, None)
            self._write(states)

    # -- storage ---------------------------------------------------------------------
    def _locked(self) -> AbstractContextManager[object]:
        if self.path is None:
            return self._thread_lock
        if self._file_lock is None:
            self._file_lock = FileLock(str(self.path) + ".lock")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return _Both(self._thread_lock, self._file_lock)

    def _read(self, fresh: bool = False) -> dict[str, BreakerState]:
        """The states; `fresh` (under the lock, before a change) always parses the file. The
        lock-free path may reuse the last parse while the file's (mtime, inode) is the same:
        a replaced file can come back with both equal (a freed inode reused within one clock
        tick), and a stale look there costs at most one call; a stale count would not."""
        if self.path is None:
            with self._thread_lock:
                return dict(self._memory)
        if fresh:
            return self._parse()
        try:  # every call asks; the file is parsed again only when it was replaced
            stat = os.stat(self.path)
        except OSError:
            return {}
        version = (stat.st_mtime_ns, stat.st_ino)
        seen = self._seen
        if seen is not None and seen[0] == version:
            return dict(seen[1])
        states = self._parse()
        self._seen = (version, states)
        return dict(states)

    def _parse(self) -> dict[str, BreakerState]:
        assert self.path is not None
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}  # a damaged state file only loses breaker memory, never blocks work
        out: dict[str, BreakerState] = {}
        for name, value in (raw.get("runtimes", {}) if isinstance(raw, dict) else {}).items():
            try:
                out[str(name)] = BreakerState.model_validate(value)
            except ValidationError:
                continue
        return out

    def _write(self, states: dict[str, BreakerState]) -> None:
        if self.path is None:
            self._memory = dict(states)
            return
        body = {"version": 1, "runtimes": {n: s.model_dump() for n, s in sorted(states.items())}}
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".breakers.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(body, fh, indent=1)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


class _Both(AbstractContextManager[object]):
    """The thread lock, then the file lock (filelock alone is re-entrant per thread)."""

    def __init__(self, first: threading.RLock, second: FileLock) -> None:
        self._first, self._second = first, second

    def __enter__(self) -> object:
        self._first.acquire()
        try:
            self._second.acquire()
        except BaseException:
            self._first.release()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self._second.release()
        finally:
            self._first.release()

"""The queue on the file ledger: who waits for a worker, who holds what, and for how long.

The ledger is the truth (QUEUED, CLAIMED, LEASE_EXPIRED events); two small directories beside
it make claiming cheap and are rebuilt from it when they drift (`reconcile`):

- `queue/REQ-…`    the item waits for a worker;
- `leases/REQ-…`   the worker that holds it and until when (renewed while it runs).

A claim takes the item's run lock without waiting, so two workers — threads or processes —
never run one item. A worker that dies lets its run lock go at once; its lease then runs out
and another worker takes the item over (LEASE_EXPIRED, CLAIMED) and resumes it from the
ledger. A worker that hangs keeps its run lock: its item is never run twice, only late.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

from pydantic import BaseModel, ValidationError

from orchestrator.config import QueueSection
from orchestrator.ledger import FileLedger, ids, runlock
from orchestrator.ledger.events import Claimed, LeaseExpired
from orchestrator.ledger.lifecycle import is_open
from orchestrator.ledger.models import iso, utc_now
from orchestrator.ledger.repository import Draft, Held
from orchestrator.queue.base import MAX_ATTEMPTS, Claim

__all__ = ["MAX_ATTEMPTS", "Claim", "FileQueue", "Lease"]


class Lease(BaseModel):
    worker: str
    until: float  # epoch seconds: compared across processes on one machine
    attempt: int = 1


class FileQueue:
    def __init__(self, ledger: FileLedger, settings: QueueSection) -> None:
        self.ledger = ledger
        self.settings = settings
        self.waiting_dir = ledger.root / "queue"
        self.leases_dir = ledger.root / "leases"

    # -- producers --------------------------------------------------------------------
    def enqueue(self, request_id: str) -> None:
        """Mark a QUEUED item as waiting (the event is already durable; this is its index)."""
        self.waiting_dir.mkdir(parents=True, exist_ok=True)
        (self.waiting_dir / ids.validate(request_id)).touch()

    def depth(self) -> int:
        """Items waiting for a worker (claimed ones are not counted)."""
        try:
            return sum(1 for _ in os.scandir(self.waiting_dir))
        except FileNotFoundError:
            return 0

    # -- workers ----------------------------------------------------------------------
    def claim(self, worker: str) -> Claim | None:
        """The oldest item a worker may run now: an expired lease first (its worker died),
        then the oldest waiting item. None when there is nothing to do."""
        return self._take_over(worker) or self._take_waiting(worker)

    def renew(self, claim: Claim) -> None:
        self._write_lease(claim.request_id, claim.worker, claim.attempt)

    def release(self, claim: Claim, keep_lease: bool = False) -> None:
        """The run ended: let the item go. After a failure the lease stays, so the item is
        taken over once it lapses (up to MAX_ATTEMPTS claims)."""
        if not keep_lease:
            (self.leases_dir / claim.request_id).unlink(missing_ok=True)
        claim.held.release()

    def busy(self) -> bool:
        """Anything waiting or held under a lease that may still lapse to us (for `worker
        --drain`: a dead worker's item is taken over before draining ends)."""
        if self.depth() > 0:
            return True
        return any(lease.attempt < MAX_ATTEMPTS for _, lease in self._leases())

    def reconcile(self) -> int:
        """Rebuild `queue/` and `leases/` from the ledger's index (after a crash between an
        event and its marker, or a copied ledger): returns how many markers it added. The
        index is caught up first: a kill may have cut off an update after its event."""
        self.ledger.catch_up()
        added = 0
        for rid, view in self.ledger.index().items():
            if not is_open(view.state):
                continue
            if view.queue == "waiting" and not (self.waiting_dir / rid).exists():
                self.enqueue(rid)
                added += 1
            elif view.queue == "claimed" and not (self.leases_dir / rid).exists():
                self._write_lease(rid, view.worker or "unknown", 1, until=0.0)  # lapsed
                added += 1
        return added

    # -- the two ways in --------------------------------------------------------------
    def _take_waiting(self, worker: str) -> Claim | None:
        try:
            waiting = sorted(os.listdir(self.waiting_dir), key=ids.sort_key)
        except FileNotFoundError:
            return None
        for rid in waiting:
            if not ids.is_valid(rid):
                continue
            held = runlock.try_take(self.ledger, rid)
            if held is None:
                continue  # another worker is just taking it
            if not (self.waiting_dir / rid).exists() or not self._open(rid):
                (self.waiting_dir / rid).unlink(missing_ok=True)
                held.release()
                continue
            return self._claimed(rid, worker, 1, held, expired=None)
        return None

    def _take_over(self, worker: str) -> Claim | None:
        now = time.time()
        for rid, lease in self._leases():
            if lease.until > now or lease.attempt >= MAX_ATTEMPTS:
                continue
            held = runlock.try_take(self.ledger, rid)
            if held is None:
                continue  # lapsed but its worker still holds the run: never run it twice
            if not self._open(rid):
                (self.leases_dir / rid).unlink(missing_ok=True)
                held.release()
                continue
            return self._claimed(rid, worker, lease.attempt + 1, held, expired=lease)
        return None

    def _claimed(
        self, rid: str, worker: str, attempt: int, held: Held, expired: Lease | None
    ) -> Claim:
        drafts = []
        if expired is not None:
            drafts.append(
                Draft("queue", LeaseExpired(worker=expired.worker, expired_at=iso(utc_now())))
            )
        drafts.append(
            Draft(worker, Claimed(worker=worker, lease_s=self.settings.lease_s, attempt=attempt))
        )
        try:
            self.ledger.append_many(rid, drafts)
        except BaseException:
            held.release()
            raise
        self._write_lease(rid, worker, attempt)
        (self.waiting_dir / rid).unlink(missing_ok=True)
        return Claim(rid, worker, attempt, held)

    # -- files ------------------------------------------------------------------------
    def _open(self, rid: str) -> bool:
        return self.ledger.has_events(rid) and is_open(self.ledger.view(rid).state)

    def _leases(self) -> list[tuple[str, Lease]]:
        try:
            names = sorted(os.listdir(self.leases_dir), key=ids.sort_key)
        except FileNotFoundError:
            return []
        out = []
        for rid in names:
            lease = _read_lease(self.leases_dir / rid)
            if lease is not None and ids.is_valid(rid):
                out.append((rid, lease))
        return out

    def _write_lease(self, rid: str, worker: str, attempt: int, until: float | None = None) -> None:
        self.leases_dir.mkdir(parents=True, exist_ok=True)
        lease = Lease(
            worker=worker,
            until=time.time() + self.settings.lease_s if until is None else until,
            attempt=attempt,
        )
        path = self.leases_dir / rid
        tmp = path.with_name(f".{rid}.{os.getpid()}-{threading.get_ident()}.tmp")
        tmp.write_text(lease.model_dump_json(), encoding="utf-8")
        os.replace(tmp, path)


def _read_lease(path: Path) -> Lease | None:
    try:
        return Lease.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, ValidationError):
        return None

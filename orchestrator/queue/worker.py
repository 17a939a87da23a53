"""`orchestrate worker`: claim queued items and run them, N at a time, until told to stop.

Each slot is a thread with its own Orchestrator (its own graph and checkpoint connection);
one heartbeat thread renews the leases of everything in flight. `drain` stops once nothing
waits and nothing runs. `stop()` (SIGTERM) stops claiming; runs in flight finish, or, past
the grace period, are left to their leases: another worker resumes them from the ledger.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable

from orchestrator.config import Config
from orchestrator.queue.base import Claim, Queue
from orchestrator.run.observer import RunObserver
from orchestrator.run.results import SubmitResult
from orchestrator.run.runner import Orchestrator

Observe = Callable[[str], RunObserver | None]
Done = Callable[[SubmitResult], None]


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Worker:
    def __init__(
        self,
        config: Config,
        *,
        concurrency: int = 1,
        drain: bool = False,
        name: str | None = None,
        observe: Observe | None = None,
        done: Done | None = None,
    ) -> None:
        self.config = config
        self.concurrency = max(1, concurrency)
        self.drain = drain
        self.name = name or worker_name()
        self.observe = observe
        self.done = done
        self.finished = 0
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._in_flight: dict[str, Claim] = {}
        self._orchestrators: list[Orchestrator] = []
        self._slots: list[threading.Thread] = []

    # -- control ----------------------------------------------------------------------
    def stop(self) -> None:
        self._stop.set()

    @property
    def in_flight(self) -> int:
        with self._lock:
            return len(self._in_flight)

    def alive(self) -> bool:
        return not self._stop.is_set()

    def slots_alive(self) -> int:
        """Slots still working (a slot never dies of one item, but say so if one did)."""
        return sum(1 for slot in self._slots if slot.is_alive())

    def run(self) -> int:
        """Work until stopped (or, with `drain`, until the queue is empty); items finished."""
        ledger = Orchestrator(self.config).ledger
        ledger.ensure()
        queue = ledger.open_queue(self.config.queue)
        queue.reconcile()
        beat = threading.Thread(target=self._heartbeat, args=(queue,), daemon=True)
        beat.start()
        slots = self._slots = [
            threading.Thread(target=self._slot, args=(queue, n), name=f"worker-{n}")
            for n in range(self.concurrency)
        ]
        for slot in slots:
            slot.start()
        for slot in slots:
            slot.join()
        self._stop.set()
        return self.finished

    # -- the slots --------------------------------------------------------------------
    def _slot(self, queue: Queue, number: int) -> None:
        orch = Orchestrator(self.config)
        with self._lock:
            self._orchestrators.append(orch)
        name = f"{self.name}/{number}"
        try:
            while not self._stop.is_set():
                claim = queue.claim(name)
                if claim is None:
                    if self.drain and not self._others_busy(queue):
                        return
                    self._stop.wait(self.config.queue.poll_s)
                    continue
                self._work(orch, queue, claim)
        finally:
            orch.close()

    def _others_busy(self, queue: Queue) -> bool:
        """Something still waits, or is held under a lease (ours, or one that may lapse)."""
        return self.in_flight > 0 or queue.busy()

    def _work(self, orch: Orchestrator, queue: Queue, claim: Claim) -> None:
        with self._lock:
            self._in_flight[claim.request_id] = claim
        failed = True
        try:
            observer = self.observe(claim.request_id) if self.observe else None
            result = orch.work(claim, observer)
            failed = False
            with self._lock:
                self.finished += 1
            if self.done is not None:
                self.done(result)
        except Exception as exc:  # a slot never dies of one item; its lease retries it later
            with self._lock:
                self.failures.append(f"{claim.request_id}: {type(exc).__name__}: {exc}")
        finally:
            with self._lock:
                self._in_flight.pop(claim.request_id, None)
            queue.release(claim, keep_lease=failed)

    def _heartbeat(self, queue: Queue) -> None:
        period = max(0.05, self.config.queue.lease_s / 3)
        while True:
            if self._stop.wait(period) and not self.in_flight:
                return
            with self._lock:
                claims = list(self._in_flight.values())
            for claim in claims:
                queue.renew(claim)

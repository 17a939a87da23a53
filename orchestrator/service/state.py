"""One service process's parts, built once and shared by every route: the intake side's
Orchestrator, admission, auth, metrics, the in-process workers and write-back.

`start` reconciles the queue with the ledger and starts the workers; `stop` (SIGTERM, via
the app's lifespan) stops claiming, lets runs in flight finish for `[queue] grace_s`, and
leaves any still running to their leases: the next worker resumes them from the ledger.
"""

from __future__ import annotations

import logging
import os
import threading

from orchestrator.config import Config
from orchestrator.queue.worker import Worker
from orchestrator.run.observer import Fanout
from orchestrator.run.people import Correction
from orchestrator.run.results import SubmitResult
from orchestrator.run.runner import Orchestrator
from orchestrator.service.admission import Admission
from orchestrator.service.auth import TOKEN_VAR, Auth
from orchestrator.service.followups import Followups
from orchestrator.service.metrics import ServiceMetrics
from orchestrator.service.sources import SOURCES

log = logging.getLogger("orchestrate.service")


class ServiceState:
    def __init__(self, config: Config, workers: int | None = None) -> None:
        self.config = config
        self.orch = Orchestrator(config)
        self.ledger = self.orch.ledger
        self.auth = Auth(os.environ.get(TOKEN_VAR) or None, config.service.session_hours)
        self.secrets = {name: os.environ.get(s.secret_var) or None for name, s in SOURCES.items()}
        self.admission = Admission(self.orch, config.service)
        self.slots = config.service.workers if workers is None else workers
        self.worker: Worker | None = None
        self._worker_thread: threading.Thread | None = None
        self.metrics = ServiceMetrics(self.ledger, self._depth, self.slots_alive)
        self.followups = Followups(
            self.ledger, config.github, config.retry,
            counted=lambda outcome: self.metrics.writebacks.labels(outcome).inc(),
        )  # fmt: skip
        self.accepting = False

    # -- lifecycle ---------------------------------------------------------------------
    def start(self) -> None:
        self.ledger.ensure()
        self.orch.queue().reconcile()
        self.orch.preflight()  # a role with no usable runtime refuses to start the service
        self.followups.start()
        if self.slots > 0:
            self.worker = Worker(
                self.config, concurrency=self.slots, observe=self._observe, name=None
            )
            self._worker_thread = threading.Thread(
                target=self.worker.run, name="workers", daemon=True
            )
            self._worker_thread.start()
        self.accepting = True
        for name, secret in self.secrets.items():
            if secret is None:
                var = SOURCES[name].secret_var
                log.warning("%s is not set: POST /webhooks/%s answers 503", var, name)

    def stop(self) -> bool:
        """Stop intake and workers; True if every run in flight finished in time."""
        self.accepting = False
        grace = self.config.queue.grace_s
        finished = True
        if self.worker is not None and self._worker_thread is not None:
            self.worker.stop()
            self._worker_thread.join(grace)
            finished = not self._worker_thread.is_alive()
            if not finished:
                log.warning(
                    "%d run(s) still going after %.0f s; left to their leases (resumable)",
                    self.worker.in_flight,
                    grace,
                )
        self.followups.stop(timeout_s=max(1.0, grace / 2))
        self.orch.close()
        return finished

    # -- people in the loop ------------------------------------------------------------
    def reclassify(self, request_id: str, actor: str, reason: str, fix: Correction) -> SubmitResult:
        """A person's correction (the API's and the dashboard's): recorded, an open item
        queued to run on, and the GitHub issue's labels and comment follow — no run observes
        it, since it is written before any run."""
        result = self.orch.reclassify(request_id, actor, reason, fix, detach=True)
        self.followups.submit(request_id, "corrected")
        return result

    # -- readiness ---------------------------------------------------------------------
    def slots_alive(self) -> int:
        if self.worker is None or self._worker_thread is None:
            return 0
        return self.worker.slots_alive() if self._worker_thread.is_alive() else 0

    def problems(self) -> list[str]:
        """Why the service is not ready (empty when it is)."""
        found = []
        if not self.accepting:
            found.append("not accepting (starting or stopping)")
        problem = self.ledger.problem()
        if problem is not None:
            found.append(problem)
        if self.slots > 0 and self.slots_alive() < self.slots:
            found.append(f"{self.slots_alive()} of {self.slots} worker slots alive")
        return found

    def _depth(self) -> int:
        return self.orch.queue().depth()

    def _observe(self, request_id: str) -> Fanout:
        return Fanout(self.metrics.observer(request_id), self.followups.observer(request_id))

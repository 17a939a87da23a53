"""Write-back as runs go: after triage and when an item closes or blocks, its GitHub issue
gets its labels and its one comment — from a thread of its own, so a slow or failing
GitHub never holds up a run, and every attempt is a ledger event (WRITEBACK_*).

`observer(rid)` is what a worker hands each run; it only enqueues. The thread reads the
item back from the ledger (the comment id of the last write-back included), applies
`WriteBack` (which never raises and retries with the shared policy) and records the
outcome. `stop` finishes what is queued, up to a deadline.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

from adapters.github.settings import GitHubSettings
from adapters.policy import RetryPolicy
from orchestrator.ledger import LedgerRepository
from orchestrator.ledger.events import Action, StateChanged
from orchestrator.ledger.lifecycle import State
from orchestrator.ledger.models import LedgerEvent
from orchestrator.service.writeback import item_state, record_of, target_of

log = logging.getLogger("orchestrate.service")

_TRIGGERS: dict[State, str] = {State.CLOSED: "closed", State.BLOCKED: "blocked"}
Job = tuple[str, str]  # request id, trigger


class Followups:
    def __init__(
        self,
        ledger: LedgerRepository,
        settings: GitHubSettings,
        policy: RetryPolicy,
        counted: Callable[[str], None] = lambda outcome: None,
    ) -> None:
        self.ledger = ledger
        self.settings = settings
        self.policy = policy
        self.counted = counted
        self._jobs: queue.Queue[Job | None] = queue.Queue()
        self._thread = threading.Thread(target=self._drain, name="writeback", daemon=True)
        self._started = False

    def start(self) -> None:
        if not self._started:
            self._started = True
            self._thread.start()

    def observer(self, request_id: str) -> _Watch | None:
        """A watch for items that came from a GitHub issue; nothing to watch otherwise."""
        if target_of(self.ledger.read_request(request_id).source) is None:
            return None
        return _Watch(self)

    def submit(self, request_id: str, trigger: str) -> None:
        self._jobs.put((request_id, trigger))

    def stop(self, timeout_s: float) -> bool:
        """Finish what is queued (up to `timeout_s`); False if some was left unsent."""
        if not self._started:
            return True
        self._jobs.put(None)
        self._thread.join(timeout_s)
        return not self._thread.is_alive()

    def pending(self) -> int:
        return self._jobs.qsize()

    def _drain(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            try:
                self.run(*job)
            except Exception:  # one item's trouble must not stop the others' write-backs
                log.exception("write-back of %s failed", job[0])

    def run(self, request_id: str, trigger: str) -> None:
        """One write-back, recorded; nothing for items that came from no GitHub issue."""
        from adapters.github.writeback import WriteBack

        packet = self.ledger.read_request(request_id)
        if target_of(packet.source) is None:
            return
        state = item_state(packet, self.ledger.read_events(request_id))
        if state is None:
            return
        started = time.monotonic()
        outcome = WriteBack(self.settings, self.policy).apply(state)
        self.ledger.append(request_id, "github", record_of(outcome, trigger))
        self.counted(outcome.outcome)
        log.info(
            "write-back %s %s %s in %.0f ms",
            request_id, trigger, outcome.outcome, (time.monotonic() - started) * 1000,
        )  # fmt: skip


class _Watch:
    """A run's observer that asks for a write-back after TRIAGED and at CLOSED/BLOCKED (a
    person's correction asks for its own: it is recorded before any run)."""

    def __init__(self, followups: Followups) -> None:
        self.followups = followups

    def created(self, request_id: str) -> None:
        return None

    def recorded(self, event: LedgerEvent) -> None:
        if event.action is Action.TRIAGED:
            self.followups.submit(event.request_id, "triaged")
        elif event.action is Action.STATE_CHANGED:
            trigger = _TRIGGERS.get(event.read(StateChanged).to)
            if trigger is not None:
                self.followups.submit(event.request_id, trigger)

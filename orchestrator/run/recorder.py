"""One run's view of the ledger: appends events and answers "did this step already happen?".

Resume relies on it: a step whose event is already in the ledger is not done again, so a
killed run continues without repeating a paid model call or duplicating an event.

Durability is by step (group commit): what a model call produced (TRIAGED, ROLE_COMPLETED)
and what ends a run (CLOSED, BLOCKED) is fsync'd as it is written; bookkeeping between them
(ROLE_STARTED, runtime retries and fallbacks, intermediate state changes, review bounces)
is written at once and made durable by the next fsync of the same file.
"""

from __future__ import annotations

import threading

from orchestrator.ledger import LedgerRepository
from orchestrator.ledger.events import Blocked, D, Details, StateChanged
from orchestrator.ledger.lifecycle import State, is_behind
from orchestrator.ledger.models import LedgerEvent
from orchestrator.ledger.repository import Draft
from orchestrator.run.observer import Quiet, RunObserver


class Recorder:
    def __init__(
        self, ledger: LedgerRepository, request_id: str, observer: RunObserver | None = None
    ) -> None:
        self.ledger = ledger
        self.request_id = request_id
        self.observer = observer or Quiet()
        self._lock = threading.Lock()
        self._events: list[LedgerEvent] = ledger.read_events(request_id)

    @property
    def events(self) -> list[LedgerEvent]:
        with self._lock:
            return list(self._events)

    @property
    def last_seq(self) -> int:
        with self._lock:
            return self._events[-1].seq if self._events else 0

    def append(self, actor: str, details: Details, durable: bool = True) -> LedgerEvent:
        return self.record([Draft(actor, details)], durable)[0]

    def record(self, drafts: list[Draft], durable: bool = True) -> list[LedgerEvent]:
        """Write one step's events together: all of them or none (one fsync if `durable`)."""
        if not drafts:
            return []
        with self._lock:
            events = self.ledger.append_many(self.request_id, drafts, durable)
            self._events.extend(events)
        for event in events:
            self.observer.recorded(event)
        return events

    def find(self, model: type[D], **match: object) -> D | None:
        """The newest event of `model`'s action whose details have these field values."""
        for event in reversed(self.events):
            if event.action == model.action:
                details = event.read(model)
                if all(getattr(details, k) == v for k, v in match.items()):
                    return details
        return None

    def once(self, actor: str, details: D, *keys: str, durable: bool = True) -> D:
        """Append unless an event of this action with the same key fields is already there."""
        existing = self.find(type(details), **{k: getattr(details, k) for k in keys})
        if existing is None:
            self.append(actor, details, durable)
            return details
        return existing

    def state(self) -> State:
        changed = self.find(StateChanged)
        return State.PROPOSED if changed is None else changed.to

    def moves(self, *targets: tuple[State, str]) -> list[Draft]:
        """Drafts that move forward through `targets`, skipping any already reached or passed:
        a resumed run repeats the step that was cut off and may find the ledger ahead."""
        current = self.state()
        drafts = []
        for target, reason in targets:
            if is_behind(current, target):
                drafts.append(Draft.state(target, "orchestrator", reason))
                current = target
        return drafts

    def advance(self, target: State, reason: str = "", durable: bool = True) -> None:
        self.record(self.moves((target, reason)), durable)

    def reopening(self, reason: str) -> list[Draft]:
        """DELIVERED → IN_PROGRESS when a reviewer sends work back (only from DELIVERED)."""
        if self.state() is State.DELIVERED:
            return [Draft.state(State.IN_PROGRESS, "orchestrator", reason)]
        return []

    def block(self, reason: str, role: str | None = None) -> None:
        if self.state() is State.BLOCKED:
            return
        note = Draft("orchestrator", Blocked(reason=reason, role=role))
        self.record([note, Draft.state(State.BLOCKED, "orchestrator", reason)])

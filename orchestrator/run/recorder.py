"""One run's view of the ledger: appends events and answers "did this step already happen?".

Resume relies on it: a step whose event is already in the ledger is not done again, so a
killed run continues without repeating a paid model call or duplicating an event.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

from pydantic import JsonValue

from orchestrator.ledger import FileLedger
from orchestrator.ledger.lifecycle import State
from orchestrator.ledger.models import Action, LedgerEvent
from orchestrator.ledger.repository import Draft

# the lifecycle's forward order is the enum's order; BLOCKED sits outside it
_FORWARD_RANK: dict[State, int] = {
    state: rank for rank, state in enumerate(s for s in State if s is not State.BLOCKED)
}


class Recorder:
    def __init__(self, ledger: FileLedger, request_id: str) -> None:
        self.ledger = ledger
        self.request_id = request_id
        self._lock = threading.Lock()
        self._events: list[LedgerEvent] = ledger.read_events(request_id)

    @property
    def events(self) -> list[LedgerEvent]:
        return list(self._events)

    @property
    def last_seq(self) -> int:
        with self._lock:
            return self._events[-1].seq if self._events else 0

    def append(
        self, actor: str, action: Action, details: Mapping[str, JsonValue] | None = None
    ) -> LedgerEvent:
        return self.record([Draft(actor=actor, action=action, details=dict(details or {}))])[0]

    def record(self, drafts: list[Draft]) -> list[LedgerEvent]:
        """Write one step's events together: one fsync, and all of them or none."""
        if not drafts:
            return []
        with self._lock:
            events = self.ledger.append_many(self.request_id, drafts)
            self._events.extend(events)
            return events

    def find(self, action: Action, **match: JsonValue) -> LedgerEvent | None:
        with self._lock:
            for event in reversed(self._events):
                if event.action is action and all(
                    event.details.get(k) == v for k, v in match.items()
                ):
                    return event
        return None

    def once(
        self, actor: str, action: Action, details: Mapping[str, JsonValue], *keys: str
    ) -> LedgerEvent:
        """Append unless an event of this action with the same key fields is already there."""
        existing = self.find(action, **{k: details[k] for k in keys})
        return existing or self.append(actor, action, details)

    def state(self) -> State:
        with self._lock:
            for event in reversed(self._events):
                if event.action is Action.STATE_CHANGED:
                    return State(str(event.details["to"]))
        return State.PROPOSED

    def moves(self, *targets: tuple[State, str]) -> list[Draft]:
        """Drafts that move forward through `targets`, skipping any already reached or passed:
        a resumed run repeats the step that was cut off and may find the ledger ahead."""
        current = self.state()
        drafts = []
        for target, reason in targets:
            if current is target or _FORWARD_RANK.get(current, -1) > _FORWARD_RANK.get(target, 99):
                continue
            drafts.append(Draft.state(target, "orchestrator", reason))
            current = target
        return drafts

    def advance(self, target: State, reason: str = "") -> None:
        self.record(self.moves((target, reason)))

    def reopening(self, reason: str) -> list[Draft]:
        """DELIVERED → IN_PROGRESS when a reviewer sends work back (only from DELIVERED)."""
        if self.state() is State.DELIVERED:
            return [Draft.state(State.IN_PROGRESS, "orchestrator", reason)]
        return []

    def reopen(self, reason: str) -> None:
        self.record(self.reopening(reason))

    def block(self, reason: str, role: str | None = None) -> None:
        if self.state() is State.BLOCKED:
            return
        note = Draft(
            actor="orchestrator", action=Action.BLOCKED, details={"reason": reason, "role": role}
        )
        self.record([note, Draft.state(State.BLOCKED, "orchestrator", reason)])

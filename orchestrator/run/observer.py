"""Who watches a run as it happens: the CLI's progress lines (and, later, tracing).

The runner tells an observer once when the item exists and then about every event as it
is written, from whichever thread wrote it (Ops ∥ Dev run in parallel), so an observer
must be quick and thread-safe. Observing never changes what a run does.
"""

from __future__ import annotations

from typing import Protocol

from orchestrator.ledger.models import LedgerEvent


class RunObserver(Protocol):
    def created(self, request_id: str) -> None: ...

    def recorded(self, event: LedgerEvent) -> None: ...


class Quiet:
    """The default: nobody is watching."""

    def created(self, request_id: str) -> None:
        return None

    def recorded(self, event: LedgerEvent) -> None:
        return None


class Fanout:
    """Several observers of one run (progress, metrics, write-back), told in order."""

    def __init__(self, *observers: RunObserver | None) -> None:
        self.observers = [o for o in observers if o is not None]

    def created(self, request_id: str) -> None:
        for observer in self.observers:
            observer.created(request_id)

    def recorded(self, event: LedgerEvent) -> None:
        for observer in self.observers:
            observer.recorded(event)

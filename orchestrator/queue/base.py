"""What the worker and the service need of a queue, whichever backend keeps it."""

from __future__ import annotations

from typing import Protocol

from orchestrator.ledger.repository import Held

MAX_ATTEMPTS = 5  # claims of one item before the queue leaves it for a person (`list` shows it)


class Claim:
    """An item a worker holds: its run lock, and the lease it keeps renewing."""

    def __init__(self, request_id: str, worker: str, attempt: int, held: Held) -> None:
        self.request_id = request_id
        self.worker = worker
        self.attempt = attempt
        self.held = held


class Queue(Protocol):
    def enqueue(self, request_id: str) -> None: ...

    def depth(self) -> int: ...

    def claim(self, worker: str) -> Claim | None: ...

    def renew(self, claim: Claim) -> None: ...

    def release(self, claim: Claim, keep_lease: bool = False) -> None: ...

    def busy(self) -> bool: ...

    def reconcile(self) -> int: ...

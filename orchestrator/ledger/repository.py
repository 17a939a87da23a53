"""The ledger's small interface: the file ledger implements it; a shared backend can follow."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from pydantic import BaseModel

from orchestrator.ledger.events import Action, Details, StateChanged
from orchestrator.ledger.fold import ItemView
from orchestrator.ledger.lifecycle import State
from orchestrator.ledger.models import LedgerEvent, RequestPacket, Source


@dataclass(frozen=True)
class Draft:
    """An event not yet written: `append_many` chains, checks and writes several at once.

    A STATE_CHANGED draft names only `to` (and `reason`); the ledger fills `from` under its
    lock and refuses the whole batch if the lifecycle does not allow the move.
    """

    actor: str
    details: Details

    @property
    def action(self) -> Action:
        return Action(type(self.details).action)

    @classmethod
    def state(cls, target: State, actor: str, reason: str = "") -> Draft:
        return cls(actor=actor, details=StateChanged(to=target, reason=reason))


class Created(BaseModel):
    """A new packet, or the existing one when its idempotency key was already used."""

    packet: RequestPacket
    created: bool


class LedgerRepository(Protocol):
    """What the run, the read commands and the API need of a ledger; the file ledger
    implements it, and a shared backend implements the same methods."""

    def exists(self) -> bool: ...

    def require(self) -> None: ...

    def create_request(
        self,
        text: str,
        title: str,
        *,
        source: Source | None = None,
        idempotency_key: str | None = None,
        then: Sequence[Details] = (),
    ) -> Created: ...

    def append(self, request_id: str, actor: str, details: Details) -> LedgerEvent: ...

    def append_many(
        self, request_id: str, drafts: Sequence[Draft], durable: bool = True
    ) -> list[LedgerEvent]: ...

    def transition(self, request_id: str, target: State, actor: str, reason: str = "") -> None: ...

    def has_request(self, request_id: str) -> bool: ...

    def has_events(self, request_id: str) -> bool: ...

    def read_request(self, request_id: str) -> RequestPacket: ...

    def read_events(self, request_id: str) -> list[LedgerEvent]: ...

    def view(self, request_id: str, upto: int | None = None) -> ItemView: ...

    def request_ids(self) -> list[str]: ...

    def index(self) -> dict[str, ItemView]: ...

    def reindex(self) -> int: ...

    def find_by_idempotency_key(self, key: str) -> str | None: ...

    def find_by_text(self, text: str) -> str | None: ...

    def find_by_subject(self, subject: str) -> str | None: ...

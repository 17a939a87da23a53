"""The ledger's small interface: the file ledger and the PostgreSQL ledger implement it.

Beside the records themselves a backend brings its companions — run locks, the queue and the
checkpoint store — since each must live where the records live (one machine's files, or one
database many machines share).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from pydantic import BaseModel, JsonValue

from orchestrator.errors import OrchestrateError
from orchestrator.ledger.chain import Finding
from orchestrator.ledger.events import Action, Details, StateChanged
from orchestrator.ledger.fold import ItemView
from orchestrator.ledger.lifecycle import State
from orchestrator.ledger.models import LedgerEvent, RequestPacket, Source

if TYPE_CHECKING:
    from langgraph.checkpoint.base import BaseCheckpointSaver

    from orchestrator.config import QueueSection
    from orchestrator.queue.base import Queue


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


class Held(Protocol):
    """A run lock taken without waiting (a worker's claim); `release` lets it go."""

    def release(self) -> None: ...


class RunLocks(Protocol):
    """One process works a request at a time; a free lock on an open item means
    "interrupted". Held by a live process only: a dead one's lock goes with it."""

    def hold(self, request_id: str) -> AbstractContextManager[None]: ...

    def try_take(self, request_id: str) -> Held | None: ...

    def is_running(self, request_id: str) -> bool: ...

    def is_abandoned(self, request_id: str, grace_s: float) -> bool: ...


class CheckpointStore(Protocol):
    """Where LangGraph's checkpoints live beside the ledger; `check` refuses a broken store
    before a run writes anything."""

    label: str

    def check(self, thorough: bool = False) -> None: ...

    def open_saver(self) -> BaseCheckpointSaver[str]: ...

    def close(self, saver: BaseCheckpointSaver[str]) -> None: ...

    def broken(self, exc: BaseException) -> OrchestrateError: ...


@dataclass(frozen=True)
class SealedRecord:
    """One request as written: its packet's bytes and its chain's lines (None: missing)."""

    request_id: str
    packet: bytes | None
    events: bytes | None


class Sealed(Protocol):
    """The records as written, for `verify` and `db copy`: each chain's lines and each
    packet's bytes, which every backend keeps exactly as sealed."""

    def request_ids(self) -> list[str]: ...

    def sealed_records(self, request_ids: Sequence[str]) -> Iterator[SealedRecord]: ...

    def sealed_index(self) -> tuple[dict[str, JsonValue] | None, list[Finding]]: ...

    def orphans(self) -> list[Finding]: ...

    def import_sealed(self, record: SealedRecord) -> None: ...


class LedgerRepository(Sealed, Protocol):
    """What the run, the read commands and the API need of a ledger; the file ledger
    implements it, and the PostgreSQL ledger implements the same methods.

    `root` is where this machine keeps its own state (runtime breakers): the ledger itself
    for files, the configured `[ledger] path` beside a database."""

    root: Path

    @property
    def location(self) -> str: ...  # for messages: a path, or a URL without its password

    @property
    def run_locks(self) -> RunLocks: ...

    def checkpoints(self) -> CheckpointStore: ...

    def open_queue(self, settings: QueueSection) -> Queue: ...

    def problem(self) -> str | None: ...  # why it cannot take writes now (readiness)

    def exists(self) -> bool: ...

    def require(self) -> None: ...

    def ensure(self) -> None: ...

    def catch_up(self) -> int: ...

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

    def index(self, state: State | None = None, kind: str | None = None) -> dict[str, ItemView]: ...

    def reindex(self) -> int: ...

    def find_by_idempotency_key(self, key: str) -> str | None: ...

    def find_by_text(self, text: str) -> str | None: ...

    def find_by_subject(self, subject: str) -> str | None: ...

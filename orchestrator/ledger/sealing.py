"""Chaining a batch of drafts onto a request's head: the one place events get their bytes.

Both backends seal through here, so a line in PostgreSQL is byte for byte the line a file
ledger writes (same canonical JSON, same hash), and `db copy` moves chains without rehashing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from orchestrator.ledger.canonical import GENESIS, sealed_line
from orchestrator.ledger.events import Action, StateChanged, dump
from orchestrator.ledger.fold import Folding
from orchestrator.ledger.lifecycle import check_transition
from orchestrator.ledger.models import LedgerEvent, iso, utc_now
from orchestrator.ledger.repository import Draft


@dataclass(frozen=True)
class Sealed:
    """The batch as it is to be written, and the fold once it is."""

    events: list[LedgerEvent]
    lines: list[bytes]
    folding: Folding


def seal(
    request_id: str,
    head: Folding,
    drafts: Sequence[Draft],
    check_first: Callable[[Action], None],
) -> Sealed:
    """Chain and fold every draft before anything is written, so an illegal transition or an
    event the read model cannot take refuses the whole batch. `check_first` vets the draft
    that would start a chain (only `create_request` may)."""
    folding, seq, prev = head.copy(), head.last_seq, head.head or GENESIS
    events: list[LedgerEvent] = []
    lines: list[bytes] = []
    for draft in drafts:
        if seq == 0:
            check_first(draft.action)
        typed = draft.details
        if isinstance(typed, StateChanged):
            check_transition(folding.state, typed.to)
            typed = typed.model_copy(update={"from_": folding.state})
        details, ts = dump(typed), iso(utc_now())
        body = {
            "seq": seq + 1,
            "ts": ts,
            "request_id": request_id,
            "actor": draft.actor,
            "action": draft.action.value,
            "details": details,
            "prev": prev,
        }
        digest, line = sealed_line(body)
        event = LedgerEvent.sealed(
            seq=seq + 1, ts=ts, request_id=request_id, actor=draft.actor,
            typed=typed, details=details, prev=prev, hash=digest,
        )  # fmt: skip
        folding.step(event)
        events.append(event)
        lines.append(line)
        seq, prev = event.seq, digest
    return Sealed(events=events, lines=lines, folding=folding)

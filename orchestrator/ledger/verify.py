"""`orchestrate verify`: every chain, every line's schema, packets and the index, in one pass."""

from __future__ import annotations

import json

from pydantic import BaseModel, Field, ValidationError

from orchestrator.ledger import chain, ids
from orchestrator.ledger.chain import Finding
from orchestrator.ledger.events import Action, RequestCreated, StateChanged
from orchestrator.ledger.files import packet_sha256, parse_line
from orchestrator.ledger.fold import ItemView, fold, index_entry
from orchestrator.ledger.lifecycle import TRANSITIONS, State
from orchestrator.ledger.models import LedgerEvent, RequestPacket
from orchestrator.ledger.repository import Sealed


class Report(BaseModel):
    """Findings fail verification; `stale` index entries (a faithful but older snapshot, left
    by a crash between an append and the index write) do not: `reindex` or the next append
    refreshes them."""

    requests: int = 0
    events: int = 0
    findings: list[Finding] = Field(default_factory=list)
    stale: list[str] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


def _check_packet(raw: bytes | None, rid: str, events: list[LedgerEvent]) -> list[Finding]:
    rel = f"requests/{rid}.json"
    if raw is None:
        return [Finding(file=rel, reason="request file missing")]
    try:
        stored = json.loads(raw)
        packet = RequestPacket.model_validate(stored)
    except (ValidationError, ValueError):
        return [Finding(file=rel, reason="request file unreadable or not a packet")]
    if not events or events[0].action is not Action.REQUEST_CREATED:
        return [
            Finding(file=f"events/{rid}.jsonl", line=1, reason="first event is not REQUEST_CREATED")
        ]
    try:
        recorded = events[0].read(RequestCreated).packet_sha256
    except ValidationError:
        return [Finding(file=f"events/{rid}.jsonl", line=1, reason="REQUEST_CREATED unreadable")]
    if recorded != packet_sha256(stored):
        return [
            Finding(file=rel, reason="request file edited (sha256 differs from REQUEST_CREATED)")
        ]
    if packet.request_id != rid:
        return [Finding(file=rel, reason=f"request file names {packet.request_id}")]
    return []


def _check_entry(
    report: Report, rid: str, entry: object, events: list[LedgerEvent], view: ItemView
) -> None:
    """The entry must be the fold of the events; an older but faithful snapshot is only stale,
    and an entry ahead of the file means lines were cut from its end."""
    if entry is None:
        report.findings.append(Finding(file="index.json", reason=f"{rid} missing from the index"))
        return
    if _same(entry, index_entry(view)):
        return
    seq = entry.get("last_seq") if isinstance(entry, dict) else None
    if isinstance(seq, int) and seq > view.last_seq:
        reason = (
            f"missing line(s) at the end: index.json records seq {seq}, "
            f"the file ends at seq {view.last_seq}"
        )
        report.findings.append(
            Finding(file=f"events/{rid}.jsonl", line=view.last_seq + 1, reason=reason)
        )
    elif (
        isinstance(seq, int)
        and 0 < seq < view.indexed_seq
        and _same(entry, _dump(rid, events, seq))
    ):
        report.stale.append(rid)
    else:
        reason = f"{rid} entry differs from its events (edited?)"
        report.findings.append(Finding(file="index.json", reason=reason))


def _same(entry: object, expected: dict[str, object]) -> bool:
    """The stored entry says what the events say. An index written by an older version lacks
    the fields added since: a missing one agrees when the events leave it at its default."""
    if not isinstance(entry, dict) or set(entry) - set(expected):
        return False
    defaults = ItemView.model_fields
    return all(
        entry[key] == value
        if key in entry
        else value == defaults[key].get_default(call_default_factory=True)
        for key, value in expected.items()
    )


def _check_lifecycle(rel: str, events: list[LedgerEvent]) -> list[Finding]:
    """Every state change is one the lifecycle allows from the state before it, and a move
    out of BLOCKED follows a person's UNBLOCKED (`retry`)."""
    state, unblocked = State.PROPOSED, False
    for line, event in enumerate(events, start=1):
        if event.action is Action.UNBLOCKED:
            unblocked = True
        if event.action is not Action.STATE_CHANGED:
            continue
        try:
            target = event.read(StateChanged).to
        except ValidationError:
            return [Finding(file=rel, line=line, reason="STATE_CHANGED unreadable")]
        if target not in TRANSITIONS[state]:
            return [Finding(file=rel, line=line, reason=f"illegal transition {state} → {target}")]
        if state is State.BLOCKED and not unblocked:
            return [Finding(file=rel, line=line, reason="left BLOCKED without UNBLOCKED")]
        state, unblocked = target, False
    return []


def _dump(rid: str, events: list[LedgerEvent], upto: int) -> dict[str, object]:
    return index_entry(fold(rid, events, upto))


def verify(ledger: Sealed, only: list[str] | None = None) -> Report:
    """Linear in events: each line is parsed and hashed once, each chain folded once. Any
    backend: it judges the records as written, which every backend keeps byte for byte."""
    report = Report()
    wanted = [ids.validate(r) for r in only] if only else None
    rids = wanted if wanted is not None else ledger.request_ids()
    entries, index_findings = ledger.sealed_index()
    report.findings.extend(index_findings)
    for record in ledger.sealed_records(rids):
        rid = record.request_id
        rel = f"events/{rid}.jsonl"
        if record.events is None:
            report.findings.append(Finding(file=rel, reason="unknown request (no events file)"))
            continue
        events, findings = chain.walk(rel, record.events)
        report.requests += 1
        report.events += len(events)
        report.findings.extend(findings)
        report.findings.extend(_check_packet(record.packet, rid, events))
        report.findings.extend(
            Finding(file=rel, line=i, reason=f"line names request {e.request_id}")
            for i, e in enumerate(events, start=1)
            if e.request_id != rid
        )
        if findings:
            continue
        report.findings.extend(_check_lifecycle(rel, events))
        try:
            view = fold(rid, events)
        except ValueError as exc:
            report.findings.append(Finding(file=rel, reason=f"cannot fold the events: {exc}"))
            continue
        if entries is not None:
            _check_entry(report, rid, entries.get(rid), events, view)
    if entries is None and not index_findings and report.requests:
        reason = "missing (run `orchestrate reindex`)"
        report.findings.append(Finding(file="index.json", reason=reason))
    if wanted is None:
        report.findings.extend(ledger.orphans())
        for rid in sorted(set(entries or {}) - set(rids), key=ids.sort_key):
            report.findings.append(
                Finding(file="index.json", reason=f"{rid} is an unknown request")
            )
    return report


__all__ = ["Finding", "Report", "parse_line", "verify"]

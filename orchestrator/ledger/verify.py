"""`orchestrate verify`: every chain, every line's schema, packets and the index, in one pass."""

from __future__ import annotations

import json

from pydantic import BaseModel, ValidationError

from orchestrator import ids
from orchestrator.canonical import GENESIS, event_hash
from orchestrator.ledger.files import FileLedger, packet_sha256, parse_line
from orchestrator.ledger.fold import ItemView, fold
from orchestrator.models import Action, LedgerEvent, RequestPacket


class Finding(BaseModel):
    """One broken place: the file, the 1-based line where it applies, and why."""

    file: str
    line: int | None = None
    reason: str


class Report(BaseModel):
    requests: int = 0
    events: int = 0
    findings: list[Finding] = []

    @property
    def ok(self) -> bool:
        return not self.findings


def _check_chain(rel: str, data: bytes) -> tuple[list[LedgerEvent], list[Finding]]:
    """Walk the lines once; each line is judged against the one before it."""
    findings: list[Finding] = []
    events: list[LedgerEvent] = []
    lines = data.split(b"\n")
    torn = lines.pop() if lines else b""
    prev_hash, prev_seq = GENESIS, 0
    for number, raw in enumerate(lines, start=1):
        try:
            obj = json.loads(raw)
        except ValueError:
            findings.append(Finding(file=rel, line=number, reason="bad JSON"))
            continue
        try:
            event = LedgerEvent.model_validate(obj)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            findings.append(
                Finding(file=rel, line=number, reason=f"schema: {where}: {first['msg']}")
            )
            continue
        if event_hash(obj) != event.hash:
            findings.append(Finding(file=rel, line=number, reason="edited (hash mismatch)"))
        if event.seq > prev_seq + 1:
            gap = event.seq - prev_seq - 1
            findings.append(
                Finding(
                    file=rel,
                    line=number,
                    reason=f"missing line: {gap} event(s) before seq {event.seq}",
                )
            )
        elif event.seq <= prev_seq:
            findings.append(
                Finding(
                    file=rel, line=number, reason=f"reordered: seq {event.seq} after seq {prev_seq}"
                )
            )
        elif event.prev != prev_hash:
            findings.append(
                Finding(file=rel, line=number, reason="chain broken: prev does not match")
            )
        prev_hash, prev_seq = event.hash, max(prev_seq, event.seq)
        events.append(event)
    if torn:
        findings.append(
            Finding(
                file=rel,
                line=len(lines) + 1,
                reason=f"torn tail: {len(torn)} bytes without a newline",
            )
        )
    return events, findings


def _check_packet(ledger: FileLedger, rid: str, events: list[LedgerEvent]) -> list[Finding]:
    rel = f"requests/{rid}.json"
    path = ledger.requests_dir / f"{rid}.json"
    if not path.exists():
        return [Finding(file=rel, reason="request file missing")]
    try:
        packet = RequestPacket.model_validate_json(path.read_bytes())
    except (ValidationError, OSError):
        return [Finding(file=rel, reason="request file unreadable or not a packet")]
    if not events or events[0].action is not Action.REQUEST_CREATED:
        return [
            Finding(file=f"events/{rid}.jsonl", line=1, reason="first event is not REQUEST_CREATED")
        ]
    if events[0].details.get("packet_sha256") != packet_sha256(packet):
        return [
            Finding(file=rel, reason="request file edited (sha256 differs from REQUEST_CREATED)")
        ]
    if packet.request_id != rid:
        return [Finding(file=rel, reason=f"request file names {packet.request_id}")]
    return []


def _check_index(ledger: FileLedger, views: dict[str, ItemView], complete: bool) -> list[Finding]:
    raw = ledger.index_path.read_bytes() if ledger.index_path.exists() else None
    if raw is None:
        return (
            [Finding(file="index.json", reason="missing (run `orchestrate reindex`)")]
            if views
            else []
        )
    try:
        entries = json.loads(raw)["requests"]
    except (ValueError, KeyError, TypeError):
        return [Finding(file="index.json", reason="unreadable (run `orchestrate reindex`)")]
    findings = []
    for rid, view in views.items():
        entry = entries.get(rid)
        if entry is None:
            findings.append(Finding(file="index.json", reason=f"{rid} missing from the index"))
        elif (entry.get("state"), entry.get("last_seq"), entry.get("head")) != (
            view.state.value,
            view.last_seq,
            view.head,
        ):
            findings.append(
                Finding(file="index.json", reason=f"{rid} is stale or edited in the index")
            )
    if complete:
        for rid in sorted(set(entries) - set(views)):
            findings.append(Finding(file="index.json", reason=f"{rid} is an unknown request"))
    return findings


def verify(ledger: FileLedger, only: list[str] | None = None) -> Report:
    """Linear in events: each line is parsed and hashed once."""
    report = Report()
    wanted = [ids.validate(r) for r in only] if only else None
    rids = wanted if wanted is not None else ledger.request_ids()
    views: dict[str, ItemView] = {}
    for rid in rids:
        path = ledger.events_dir / f"{rid}.jsonl"
        rel = f"events/{rid}.jsonl"
        if not path.exists():
            report.findings.append(Finding(file=rel, reason="unknown request (no events file)"))
            continue
        events, findings = _check_chain(rel, path.read_bytes())
        report.requests += 1
        report.events += len(events)
        report.findings.extend(findings)
        report.findings.extend(_check_packet(ledger, rid, events))
        report.findings.extend(
            Finding(file=rel, line=i, reason=f"line names request {e.request_id}")
            for i, e in enumerate(events, start=1)
            if e.request_id != rid
        )
        if not findings:
            views[rid] = fold(rid, events)
    if wanted is None:
        report.findings.extend(_orphans(ledger))
    report.findings.extend(_check_index(ledger, views, complete=wanted is None))
    return report


def _orphans(ledger: FileLedger) -> list[Finding]:
    """Request files without events, and stray files that are not ledger records."""
    findings = []
    known = set(ledger.request_ids())
    if ledger.requests_dir.is_dir():
        for path in sorted(ledger.requests_dir.glob("*.json")):
            if ids.is_valid(path.stem) and path.stem not in known:
                findings.append(
                    Finding(
                        file=f"requests/{path.name}", reason="no events (creation interrupted?)"
                    )
                )
    if ledger.events_dir.is_dir():
        for path in sorted(ledger.events_dir.glob("*.jsonl")):
            if not ids.is_valid(path.stem):
                findings.append(
                    Finding(file=f"events/{path.name}", reason="unknown request (bad file name)")
                )
    return findings


__all__ = ["Finding", "Report", "parse_line", "verify"]

"""`orchestrate verify`: every chain, every line's schema, packets and the index, in one pass."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import NamedTuple

from pydantic import BaseModel, Field, ValidationError

from orchestrator.ledger import ids
from orchestrator.ledger.canonical import GENESIS, event_hash, sha256_hex
from orchestrator.ledger.events import Action, RequestCreated
from orchestrator.ledger.files import FileLedger, packet_sha256, parse_line
from orchestrator.ledger.fold import ItemView, fold, index_entry
from orchestrator.ledger.models import LedgerEvent, RequestPacket


class Finding(BaseModel):
    """One broken place: the file, the 1-based line where it applies, and why."""

    file: str
    line: int | None = None
    reason: str


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


class _Parsed(NamedTuple):
    number: int
    event: LedgerEvent
    rehash: str


def _parse_lines(rel: str, lines: list[bytes]) -> tuple[list[_Parsed | None], list[Finding]]:
    """Each line on its own: JSON, then schema; None marks a line that could not be read."""
    parsed: list[_Parsed | None] = []
    findings: list[Finding] = []
    for number, raw in enumerate(lines, start=1):
        try:
            event = LedgerEvent.model_validate_json(raw)
        except ValidationError:
            findings.append(_unreadable(rel, number, raw))
            parsed.append(None)
            continue
        parsed.append(_Parsed(number=number, event=event, rehash=_rehash(raw, event)))
    return parsed, findings


def _rehash(raw: bytes, event: LedgerEvent) -> str:
    """The hash the line's content deserves. Fast path: a line as the writer left it is the
    canonical body with `,"hash":"H"` spliced in, so hashing the line minus that splice and
    getting H proves it untouched without re-serialising (no input can contain its own hash).
    Anything else (an edit, or a harmless re-formatting) takes the canonical slow path."""
    splice = b',"hash":"' + event.hash.encode() + b'"'
    cut = raw.find(splice)
    if cut > 0 and sha256_hex(raw[:cut] + raw[cut + len(splice) :]) == event.hash:
        return event.hash
    try:
        return event_hash(json.loads(raw))
    except ValueError:  # the event parser was more lenient than json (e.g. bad UTF-8)
        return ""


def _unreadable(rel: str, number: int, raw: bytes) -> Finding:
    """Say whether the line is not JSON at all or JSON that is not an event, and where."""
    try:
        obj = json.loads(raw)
    except ValueError:
        return Finding(file=rel, line=number, reason="bad JSON")
    try:
        LedgerEvent.model_validate(obj)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return Finding(file=rel, line=number, reason=f"schema: {where}: {first['msg']}")
    return Finding(file=rel, line=number, reason="schema: not a ledger event")


def _check_chain(rel: str, data: bytes) -> tuple[list[LedgerEvent], list[Finding]]:
    """Walk the lines once, judging each against what came before it. A line that jumps ahead
    of a seq still to come is out of place (reordered) and does not move the expected seq on,
    so one misplaced or forged line yields one finding, not one for every line after it."""
    lines = data.split(b"\n")
    torn = lines.pop()
    parsed, findings = _parse_lines(rel, lines)
    present = {p.event.seq: p.number for p in parsed if p is not None}
    hashes: dict[int, str] = {0: GENESIS}
    line_of: dict[int, int] = {}
    ahead: set[int] = set()  # seqs met before their turn
    events: list[LedgerEvent] = []
    top = 0  # the last seq taken in order
    unreadable = 0  # unreadable lines since the last readable one: they may hold the gap

    def found(number: int, reason: str) -> None:
        findings.append(Finding(file=rel, line=number, reason=reason))

    for item in parsed:
        if item is None:
            unreadable += 1
            continue
        number, event, seq = item.number, item.event, item.event.seq
        unreadable, gap_unreadable = 0, unreadable
        if item.rehash != event.hash:
            found(number, "edited (hash mismatch)")
        if seq not in line_of:
            hashes[seq], line_of[seq] = event.hash, number
            events.append(event)
        else:
            found(number, f"duplicate: seq {seq} already at line {line_of[seq]}")
            events.append(event)
            continue
        if seq <= top:
            found(number, f"reordered: seq {seq} after seq {top}")
            continue
        later = _first_later(present, top, seq, number)
        if later is not None:
            found(number, f"reordered: seq {seq} before seq {later} (line {present[later]})")
            ahead.add(seq)
            continue
        skipped = seq - top - 1 - sum(1 for s in ahead if top < s < seq)
        if skipped > gap_unreadable:
            found(number, f"missing line: {skipped} event(s) before seq {seq}")
        elif seq - 1 in hashes and event.prev != hashes[seq - 1]:
            found(number, "chain broken: prev does not match the line before")
        top = seq
    if torn:
        found(len(lines) + 1, f"torn tail: {len(torn)} bytes without a newline")
    return events, findings


def _first_later(present: dict[int, int], top: int, seq: int, number: int) -> int | None:
    """The lowest skipped seq (top < s < seq) that sits further down the file, if any;
    bounded by the file's length however large a forged seq is."""
    if seq - top - 1 <= len(present):
        candidates: Iterable[int] = range(top + 1, seq)
    else:
        candidates = sorted(s for s in present if top < s < seq)
    return next((s for s in candidates if present.get(s, 0) > number), None)


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
    try:
        recorded = events[0].read(RequestCreated).packet_sha256
    except ValidationError:
        return [Finding(file=f"events/{rid}.jsonl", line=1, reason="REQUEST_CREATED unreadable")]
    if recorded != packet_sha256(packet):
        return [
            Finding(file=rel, reason="request file edited (sha256 differs from REQUEST_CREATED)")
        ]
    if packet.request_id != rid:
        return [Finding(file=rel, reason=f"request file names {packet.request_id}")]
    return []


def _load_index(ledger: FileLedger) -> tuple[dict[str, object] | None, list[Finding]]:
    if not ledger.index_path.exists():
        return None, []
    entries = ledger.index_store.entries()  # the snapshot with its journal applied
    if entries is None:
        return None, [Finding(file="index.json", reason="unreadable (run `orchestrate reindex`)")]
    return entries, []


def _check_entry(
    report: Report, rid: str, entry: object, events: list[LedgerEvent], view: ItemView
) -> None:
    """The entry must be the fold of the events; an older but faithful snapshot is only stale,
    and an entry ahead of the file means lines were cut from its end."""
    if entry is None:
        report.findings.append(Finding(file="index.json", reason=f"{rid} missing from the index"))
        return
    if entry == index_entry(view):
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
    elif isinstance(seq, int) and 0 < seq < view.indexed_seq and entry == _dump(rid, events, seq):
        report.stale.append(rid)
    else:
        reason = f"{rid} entry differs from its events (edited?)"
        report.findings.append(Finding(file="index.json", reason=reason))


def _dump(rid: str, events: list[LedgerEvent], upto: int) -> dict[str, object]:
    return index_entry(fold(rid, events, upto))


def verify(ledger: FileLedger, only: list[str] | None = None) -> Report:
    """Linear in events: each line is parsed and hashed once, each file folded once."""
    report = Report()
    wanted = [ids.validate(r) for r in only] if only else None
    rids = wanted if wanted is not None else ledger.request_ids()
    entries, index_findings = _load_index(ledger)
    report.findings.extend(index_findings)
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
        if findings:
            continue
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
        report.findings.extend(_orphans(ledger))
        for rid in sorted(set(entries or {}) - set(rids), key=ids.sort_key):
            report.findings.append(
                Finding(file="index.json", reason=f"{rid} is an unknown request")
            )
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

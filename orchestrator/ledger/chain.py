"""The hash chain of one request's events, checked in one place for verify and for appenders.

`walk` reads an events file's bytes once and judges every line against what came before it:
unreadable, edited, duplicated, reordered, missing, or linked to the wrong predecessor. The
appender refuses to extend a chain with any finding; `verify` reports them all.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import NamedTuple

from pydantic import BaseModel, ValidationError

from orchestrator.ledger.canonical import GENESIS, event_hash, sha256_hex
from orchestrator.ledger.models import LedgerEvent


class Finding(BaseModel):
    """One broken place: the file, the 1-based line where it applies, and why."""

    file: str
    line: int | None = None
    reason: str


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


def walk(rel: str, data: bytes) -> tuple[list[LedgerEvent], list[Finding]]:
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

"""A writer killed mid-append leaves a ledger that verifies or shows exactly a torn tail."""

from __future__ import annotations

import os
import random
import signal
import time
from pathlib import Path

import pytest

from orchestrator.errors import LedgerCorrupt
from orchestrator.ledger import FileLedger
from orchestrator.ledger import events as ev
from orchestrator.ledger.events import Action
from orchestrator.ledger.lifecycle import State
from orchestrator.ledger.verify import verify
from tests.ledger_helpers import lines_of, only_torn_tail, spawn, summary, write_lines

ROUNDS = 4


def _kill_mid_loop(root: Path, rid: str, ready: Path, rng: random.Random) -> None:
    proc = spawn("loop", str(root), rid, str(ready))
    end = time.monotonic() + 30
    while not ready.exists():
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < end, "the looping writer never got going"
        time.sleep(0.002)
    time.sleep(rng.uniform(0.01, 0.15))
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    ready.unlink()


@pytest.mark.slow
def test_sigkill_mid_appends_then_later_appends_work(tmp_path: Path) -> None:
    root = tmp_path / "coordination"
    ledger = FileLedger(root)
    rid = ledger.create_request("kill me", "kill test").packet.request_id
    rng = random.Random(7)
    for round_ in range(ROUNDS):
        _kill_mid_loop(root, rid, tmp_path / "ready", rng)
        report = verify(ledger)
        # a kill between the event's fsync and the index write may leave the index behind;
        # that is a faithful older snapshot, not a failure
        assert report.findings == [] or only_torn_tail(report.findings), summary(report)
        fresh = FileLedger(root)
        event = fresh.append(rid, "test", ev.Handoff(from_="test", round=round_))
        assert fresh.read_events(rid)[-1] == event
        assert not list(root.glob(".index.json.*.tmp")), "a killed index write left its temp"
        after = verify(fresh)
        assert summary(after) == [] and after.stale == []
    assert len(ledger.read_events(rid)) > ROUNDS * 5
    ledger.transition(rid, State.ACCEPTED, "test")
    assert verify(ledger).ok


def _torn(ledger: FileLedger, rid: str, keep: int) -> tuple[bytes, int]:
    """Simulate a killed write: the start of a next line, without its newline."""
    path = ledger.events_path(rid)
    lines = lines_of(path)
    whole = len(lines)
    nxt = lines[-1].replace(b'"seq":', b'"seq":9', 1)
    fragment = nxt[:keep]
    write_lines(path, [*lines, fragment])
    return fragment, whole


@pytest.mark.parametrize("keep", [1, 40, -1])
def test_simulated_torn_tail_is_reported_then_repaired(tmp_path: Path, keep: int) -> None:
    ledger = FileLedger(tmp_path / "coordination")
    rid = ledger.create_request("t", "torn").packet.request_id
    ledger.append(rid, "dev", ev.Handoff(from_="dev", to=["test"]))
    fragment, whole = _torn(ledger, rid, keep)
    # -1 keeps all but the newline: a complete-looking line that was never acknowledged

    report = verify(ledger)
    assert summary(report) == [
        (
            f"events/{rid}.jsonl",
            whole + 1,
            f"torn tail: {len(fragment)} bytes without a newline",
        )
    ]
    assert [e.seq for e in ledger.read_events(rid)] == [1, 2], "the tail is not part of the record"

    event = ledger.append(rid, "dev", ev.Handoff(from_="dev", to=["dev"]))
    events = ledger.read_events(rid)
    assert [e.action for e in events] == [
        Action.REQUEST_CREATED,
        Action.HANDOFF,
        Action.LEDGER_REPAIRED,
        Action.HANDOFF,
    ]
    repaired = events[2].details
    assert repaired["torn_bytes"] == len(fragment)
    quarantined = ledger.events_dir / str(repaired["quarantined_to"])
    assert quarantined.read_bytes() == fragment
    assert event.seq == 4
    assert ledger.events_path(rid).read_bytes().endswith(b"\n")
    assert all(line.endswith(b"\n") for line in lines_of(ledger.events_path(rid)))
    assert verify(ledger).ok and verify(ledger).stale == []
    assert ledger.view(rid).last_seq == 4
    assert ledger.index()[rid].last_seq == 1  # only REQUEST_CREATED changed what list shows


def test_torn_tail_is_repaired_by_a_transition_too(tmp_path: Path) -> None:
    ledger = FileLedger(tmp_path / "coordination")
    rid = ledger.create_request("t", "torn").packet.request_id
    ledger.transition(rid, State.ACCEPTED, "test")
    _torn(ledger, rid, 30)
    FileLedger(ledger.root).transition(rid, State.IN_PROGRESS, "test")
    actions = [e.action for e in ledger.read_events(rid)]
    assert actions[-2:] == [Action.LEDGER_REPAIRED, Action.STATE_CHANGED]
    assert ledger.view(rid).state is State.IN_PROGRESS
    assert verify(ledger).ok


def test_torn_first_line_is_reported_and_appends_refuse(tmp_path: Path) -> None:
    """A kill inside `create_request` can cut its very first event: that request was never
    acknowledged, so nothing may be appended to it and verify keeps saying so."""
    ledger = FileLedger(tmp_path / "coordination")
    rid = ledger.create_request("t", "cut short").packet.request_id
    path = ledger.events_path(rid)
    path.write_bytes(path.read_bytes()[:30])
    assert summary(verify(ledger)) == [
        (f"events/{rid}.jsonl", 1, "torn tail: 30 bytes without a newline"),
        (f"events/{rid}.jsonl", 1, "first event is not REQUEST_CREATED"),
    ]
    with pytest.raises(LedgerCorrupt, match="no REQUEST_CREATED"):
        FileLedger(ledger.root).append(rid, "dev", ev.Handoff(from_="dev"))
    assert path.read_bytes() == b"", "the torn fragment was quarantined, nothing was written"
    assert list(ledger.events_dir.glob(f"{rid}.jsonl.torn-*"))
    assert not verify(ledger).ok

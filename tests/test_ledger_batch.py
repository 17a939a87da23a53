"""`append_many`: one step's events land together, chained, or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.errors import IllegalTransition
from orchestrator.ledger import FileLedger
from orchestrator.ledger import events as ev
from orchestrator.ledger.lifecycle import State
from orchestrator.ledger.repository import Draft
from orchestrator.ledger.verify import verify

TRIAGED = ev.Triaged(kind="bug", severity="low", priority="P4", confidence=0.5)


def _ledger(tmp_path: Path) -> tuple[FileLedger, str]:
    ledger = FileLedger(tmp_path / "coordination")
    return ledger, ledger.create_request("text", "title").packet.request_id


def test_a_batch_is_chained_and_folds_in_order(tmp_path):
    ledger, rid = _ledger(tmp_path)
    events = ledger.append_many(
        rid,
        [
            Draft("triage", TRIAGED),
            Draft.state(State.ACCEPTED, "orchestrator", "triaged"),
            Draft.state(State.IN_PROGRESS, "orchestrator"),
        ],
    )
    assert [e.seq for e in events] == [2, 3, 4]
    assert events[1].details["from"] == "PROPOSED" and events[2].details["from"] == "ACCEPTED"
    assert ledger.view(rid).state is State.IN_PROGRESS
    assert ledger.index()[rid].state is State.IN_PROGRESS
    assert verify(ledger).ok


def test_an_illegal_move_anywhere_in_a_batch_writes_nothing(tmp_path):
    ledger, rid = _ledger(tmp_path)
    before = ledger.events_path(rid).read_bytes()
    with pytest.raises(IllegalTransition):
        ledger.append_many(
            rid,
            [
                Draft.state(State.ACCEPTED, "orchestrator"),
                Draft.state(State.CLOSED, "orchestrator"),
            ],
        )
    assert ledger.events_path(rid).read_bytes() == before
    assert FileLedger(ledger.root).view(rid).state is State.PROPOSED
    assert ledger.append(rid, "x", ev.Handoff(from_="x", to=["dev"])).seq == 2


def test_appends_stay_chained_when_the_head_cache_evicts(tmp_path):
    """A service appends to ever more requests; its head cache is bounded, and a request
    whose head was evicted is re-read from its file, so its chain goes on unbroken."""
    from orchestrator.ledger import files
    from orchestrator.ledger.events import Queued
    from orchestrator.ledger.verify import verify

    ledger = files.FileLedger(tmp_path / "coordination")
    ledger._heads = files._Heads(limit=2)
    rids = [ledger.create_request(f"item {n}", f"item {n}").packet.request_id for n in range(3)]
    for rid in rids + rids:  # each append evicts the head the next one needs
        ledger.append(rid, "test", Queued(via="test"))
    assert len(ledger._heads._heads) == 2
    assert verify(ledger).ok
    assert [len(ledger.read_events(r)) for r in rids] == [3, 3, 3]


def test_an_appended_event_equals_its_line_read_back(tmp_path):
    """The writer's event keeps its details model; that cache is not part of the event."""
    ledger, rid = _ledger(tmp_path)
    written = ledger.append_many(
        rid, [Draft("triage", TRIAGED), Draft("dev", ev.Handoff(from_="dev"))]
    )
    assert ledger.read_events(rid)[1:] == written
    assert written[0].read(ev.Triaged) == TRIAGED

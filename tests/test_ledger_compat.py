"""A ledger written by release 0.1.0 still reads, verifies and replays through today's models."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from orchestrator.ledger import FileLedger
from orchestrator.ledger.canonical import canonical_bytes
from orchestrator.ledger.events import MODELS, Action
from orchestrator.ledger.fold import Folding, fold, index_entry
from orchestrator.ledger.verify import verify

DATA = Path(__file__).parent / "data"
FIXTURE = DATA / "ledger-0.1.0"
EXPECTED = json.loads((DATA / "ledger-0.1.0.expected.json").read_text())


@pytest.fixture
def old_ledger(tmp_path: Path) -> Path:
    copy = tmp_path / "old"
    shutil.copytree(FIXTURE, copy)
    return copy


def test_it_verifies_as_written(old_ledger: Path) -> None:
    report = verify(FileLedger(old_ledger))
    assert report.ok, report.findings
    assert (report.requests, report.events) == (7, 117)


def test_every_event_reads_through_its_model(old_ledger: Path) -> None:
    ledger = FileLedger(old_ledger)
    seen: set[Action] = set()
    for rid in ledger.request_ids():
        for event in ledger.read_events(rid):
            assert isinstance(event.typed(), MODELS[event.action])
            seen.add(event.action)
    assert {Action.TRIAGED, Action.ROLE_COMPLETED, Action.RUNTIME_FALLBACK} <= seen
    assert {Action.CIRCUIT_OPENED, Action.REVIEW_REJECTED, Action.REPLAYED} <= seen


def test_show_tells_the_same_story_as_release_0_1_0(cli, old_ledger: Path) -> None:
    for rid, was in EXPECTED.items():
        out = cli("show", rid, "--json", "--ledger", str(old_ledger))
        assert out.exit_code == 0, out.output
        shown = json.loads(out.stdout)
        item = shown["item"]
        for key in ("state", "kind", "severity", "priority", "route", "blocked_reason", "title"):
            assert item[key] == was[key], (rid, key)
        roles = [{k: r[k] for k in was["roles"][0]} for r in shown["roles"]]
        assert roles == was["roles"], rid
        assert shown["total_tokens"] == was["total_tokens"]
        assert len(shown["events"]) == was["events"]


def test_list_and_replay_work_on_it(cli, old_ledger: Path) -> None:
    listed = json.loads(cli("list", "--json", "--ledger", str(old_ledger)).stdout)
    assert sorted(r["request_id"] for r in listed) == sorted(EXPECTED)
    replay = cli("replay", "--all", "--no-record", "--json", "--ledger", str(old_ledger))
    assert replay.exit_code == 0, replay.output
    report = json.loads(replay.stdout)
    assert report["total"] == 7 and report["unchanged"] == 7


def test_new_appends_extend_its_chains(cli, old_ledger: Path) -> None:
    out = cli("replay", "REQ-20261201-0002", "--ledger", str(old_ledger))
    assert out.exit_code == 0, out.output
    assert verify(FileLedger(old_ledger)).ok


def test_the_appenders_index_entry_is_the_one_reindex_writes(old_ledger: Path) -> None:
    """Appenders build the entry from the fold in progress; it must match the view's."""
    ledger = FileLedger(old_ledger)
    for rid in ledger.request_ids():
        events = ledger.read_events(rid)
        for upto in range(1, len(events) + 1):
            fast = Folding.of(rid, events[:upto]).entry()
            assert canonical_bytes(fast) == canonical_bytes(index_entry(fold(rid, events, upto)))

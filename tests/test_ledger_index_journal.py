"""Index updates go to a journal instead of rewriting index.json each time."""

from __future__ import annotations

from pathlib import Path

from orchestrator.ledger import FileLedger
from orchestrator.ledger import events as ev
from orchestrator.ledger.lifecycle import State
from orchestrator.ledger.verify import verify


def _journaled(tmp_path: Path, requests: int = 6) -> tuple[FileLedger, list[str]]:
    ledger = FileLedger(tmp_path / "coordination")
    rids = [ledger.create_request(f"t{i}", f"title {i}").packet.request_id for i in range(2)]
    ledger.index_store.fold_from = 1  # fold as soon as the journal outgrows half the snapshot
    rids += [
        ledger.create_request(f"t{i}", f"title {i}").packet.request_id for i in range(2, requests)
    ]
    return ledger, rids


def test_updates_go_to_the_journal_and_readers_see_them(tmp_path):
    ledger, rids = _journaled(tmp_path)
    snapshot = ledger.index_path.read_bytes()
    ledger.transition(rids[0], State.ACCEPTED, "test")
    assert ledger.index_path.read_bytes() == snapshot  # the snapshot was not rewritten
    assert ledger.index_store.journal.exists()
    assert ledger.index()[rids[0]].state is State.ACCEPTED
    assert set(ledger.index()) == set(rids)
    report = verify(ledger)
    assert report.ok and report.stale == []


def test_the_journal_is_folded_into_the_snapshot_when_it_grows(tmp_path):
    ledger, rids = _journaled(tmp_path)
    for _ in range(3):
        for rid in rids:
            ledger.append(rid, "x", ev.Blocked(reason="waiting on vendor " * 20))
    size = ledger.index_path.stat().st_size
    journal = ledger.index_store.journal
    assert not journal.exists() or journal.stat().st_size <= max(1, size // 2) + 4096
    assert all(v.blocked_reason for v in ledger.index().values())
    assert verify(ledger).ok


def test_a_torn_journal_line_is_ignored_and_reindex_clears_the_journal(tmp_path):
    ledger, rids = _journaled(tmp_path)
    ledger.transition(rids[1], State.ACCEPTED, "test")
    with open(ledger.index_store.journal, "ab") as handle:
        handle.write(b'{"request_id": "REQ-2')
    assert ledger.index()[rids[1]].state is State.ACCEPTED
    assert ledger.reindex() == len(rids)
    assert not ledger.index_store.journal.exists()
    assert verify(ledger).ok


def test_an_edited_journal_entry_is_caught(tmp_path):
    ledger, rids = _journaled(tmp_path)
    ledger.transition(rids[2], State.ACCEPTED, "test")
    journal = ledger.index_store.journal
    journal.write_bytes(journal.read_bytes().replace(b"ACCEPTED", b"CLOSED"))
    report = verify(ledger)
    assert not report.ok
    assert any(rids[2] in f.reason for f in report.findings)


def test_the_parsed_index_is_reused_until_a_writer_changes_it(tmp_path):
    """Polling `list` reuses one parse; any update — from this handle or another process's —
    is seen on the next read."""
    ledger, rids = _journaled(tmp_path)
    first = ledger.index()
    assert ledger.index()[rids[0]] is first[rids[0]]  # the same parse, not a new one
    other = FileLedger(tmp_path / "coordination")  # another writer
    other.transition(rids[1], State.ACCEPTED, "test")
    assert ledger.index()[rids[1]].state is State.ACCEPTED
    other.reindex()
    assert ledger.index()[rids[1]].state is State.ACCEPTED
    assert set(ledger.index()) == set(rids)

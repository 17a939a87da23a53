"""What a killed writer can leave behind, and how a starting worker or service mends it
before work resumes (`FileLedger.catch_up`, run by the queue's reconcile)."""

from __future__ import annotations

import json
import shutil

from orchestrator.config import QueueSection
from orchestrator.ledger import FileLedger
from orchestrator.ledger.events import Queued
from orchestrator.ledger.models import Source
from orchestrator.ledger.verify import verify
from orchestrator.queue.files import FileQueue

ALERT = Source(kind="alertmanager", group_key='{}:{alertname="Down"}')


def test_a_packet_without_events_is_set_aside(tmp_path):
    ledger = FileLedger(tmp_path / "coordination")
    kept = ledger.create_request("kept", "kept").packet
    cut = ledger.request_path("REQ-20261201-0099")  # killed between packet and first event
    cut.write_text(json.dumps({**kept.stored(), "request_id": "REQ-20261201-0099"}))
    assert not verify(ledger).ok
    assert ledger.catch_up() == 1
    assert verify(ledger).ok
    assert cut.with_name(cut.name + ".interrupted").exists()
    assert ledger.request_ids() == [kept.request_id]


def test_a_creation_killed_between_creating_its_events_file_and_writing_it_is_set_aside(
    tmp_path,
):
    ledger = FileLedger(tmp_path / "coordination")
    kept = ledger.create_request("kept", "kept").packet
    rid = "REQ-20261201-0099"
    cut = ledger.request_path(rid)
    cut.write_text(json.dumps({**kept.stored(), "request_id": rid}))
    ledger.events_path(rid).touch()  # O_CREAT done, the first write never happened
    assert not ledger.has_events(rid) and not verify(ledger).ok
    assert ledger.catch_up() == 1
    assert verify(ledger).ok and ledger.request_ids() == [kept.request_id]
    assert not ledger.events_path(rid).exists()
    assert cut.with_name(cut.name + ".interrupted").exists()


def test_an_item_the_index_lost_is_indexed_with_its_markers_and_queued_again(tmp_path):
    ledger = FileLedger(tmp_path / "coordination")
    first = ledger.create_request("first", "first").packet.request_id
    rid = ledger.create_request(
        "down", "down", source=ALERT, idempotency_key="k-1", then=[Queued(via="alertmanager")]
    ).packet.request_id
    # killed after the events: no index entry, no key or subject marker, no queue marker
    index = json.loads((ledger.root / "index.json").read_text())
    index["requests"].pop(rid, None)
    (ledger.root / "index.json").write_text(json.dumps(index))
    (ledger.root / "index.journal").unlink(missing_ok=True)
    shutil.rmtree(ledger.root / "idempotency")
    shutil.rmtree(ledger.root / "subjects")
    assert rid not in ledger.index() and not verify(ledger).ok

    queue = FileQueue(ledger, QueueSection())
    assert queue.reconcile() == 1  # the queue marker, once the index knows the item again
    assert set(ledger.index()) == {first, rid}
    assert ledger.find_by_idempotency_key("k-1") == rid
    assert ALERT.subject is not None and ledger.find_by_subject(ALERT.subject) == rid
    assert verify(ledger).ok
    claim = queue.claim("w")
    assert claim is not None and claim.request_id == rid


def test_a_creation_in_progress_is_left_alone(tmp_path):
    import os

    from orchestrator.ledger import fsio

    ledger = FileLedger(tmp_path / "coordination")
    ledger.create_request("kept", "kept")
    path = ledger.request_path("REQ-20261201-0099")
    creating = fsio.create_new_locked(path, b"{}\n")  # its first event is on its way
    assert creating is not None
    try:
        assert ledger.catch_up() == 0
        assert path.exists()
    finally:
        os.close(creating)
    assert ledger.catch_up() == 1  # its creator is gone now
    assert not path.exists()

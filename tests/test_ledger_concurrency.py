"""Many processes writing one ledger at once: ids stay unique and every chain stays whole."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from orchestrator.ledger import FileLedger, ids
from orchestrator.ledger.lifecycle import State
from orchestrator.ledger.models import utc_now
from orchestrator.ledger.verify import verify
from tests.ledger_helpers import open_at, spawn, summary

WORKERS = 5
CREATES = 24  # per worker; each create also makes 2 appends and some make a transition


@pytest.mark.slow
def test_concurrent_writers_keep_ids_unique_and_chains_whole(tmp_path: Path, location: str) -> None:
    """Five writers and a process rebuilding the index throughout, on either backend."""
    ledger = open_at(location)
    shared = [ledger.create_request(f"shared {n}", f"s{n}").packet.request_id for n in range(6)]
    (tmp_path / "shared.json").write_text(json.dumps(shared))
    go = tmp_path / "go"
    procs = [
        spawn("mixed", location, str(w), str(CREATES), str(tmp_path / "shared.json"), str(go))
        for w in range(WORKERS)
    ]
    reindexer = spawn("reindex", location, str(go), str(tmp_path / "stop"))
    go.touch()
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        results.append(json.loads(out))
    (tmp_path / "stop").touch()
    out, err = reindexer.communicate(timeout=60)
    assert reindexer.returncode == 0, err
    assert json.loads(out)["reindexed"] > 0

    created = [rid for r in results for rid in r["created"]]
    assert len(created) == WORKERS * CREATES
    assert len(set(created)) == len(created), "an id was handed out twice"
    assert all(ids.is_valid(rid) for rid in created)

    appended = Counter((rid, seq) for r in results for rid, seq in r["appended"])
    assert max(appended.values()) == 1, "two appends got the same seq"

    won = Counter(rid for r in results for rid in r["won"])
    assert won == Counter(shared), "each shared request is accepted exactly once"

    report = verify(ledger)
    assert summary(report) == []
    assert report.stale == []
    assert report.requests == len(shared) + len(created)
    # 1 created + 1 handoff per own request; shared: created + role starts + one transition
    assert report.events == len(created) * 2 + len(shared) * 2 + WORKERS * CREATES

    index = ledger.index()
    assert set(index) == set(created) | set(shared)
    for rid in shared:
        assert index[rid].state is State.ACCEPTED
        assert [e.seq for e in ledger.read_events(rid)] == list(
            range(1, ledger.view(rid).last_seq + 1)
        )
    assert ledger.request_ids() == sorted(created + shared, key=ids.sort_key)


def test_ids_keep_working_past_9999_in_a_day(tmp_path: Path) -> None:
    ledger = FileLedger(tmp_path / "coordination")
    ledger.ensure()
    day = ids.day_of(utc_now())
    (ledger.locks_dir / f"counter-{day}").write_text("9997")
    made = [ledger.create_request("t", f"n{n}").packet.request_id for n in range(3)]
    assert made == [f"REQ-{day}-9998", f"REQ-{day}-9999", f"REQ-{day}-10000"]

    # without the counter file the next number comes from the directory listing
    (ledger.locks_dir / f"counter-{day}").unlink()
    made.append(ledger.create_request("t", "again").packet.request_id)
    assert made[-1] == f"REQ-{day}-10001"

    assert ledger.request_ids() == made, "10000 sorts after 9999"
    assert list(ledger.index()) == made
    assert ledger.read_request(made[2]).request_id == made[2]
    assert summary(verify(ledger)) == []
    assert not ids.is_valid(f"REQ-{day}-09999"), "one spelling per number"


def test_counter_behind_the_directory_skips_taken_numbers(tmp_path: Path) -> None:
    """A counter that lost its last update (crash) must not reuse a number."""
    ledger = FileLedger(tmp_path / "coordination")
    first = ledger.create_request("t", "a").packet.request_id
    day = ids.day_of(utc_now())
    (ledger.locks_dir / f"counter-{day}").write_text("0")
    second = ledger.create_request("t", "b").packet.request_id
    assert ids.number_of(second) == ids.number_of(first) + 1
    assert summary(verify(ledger)) == []

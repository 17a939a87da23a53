"""Resume after a real crash (SIGKILL mid-graph), refusals that write nothing, time travel."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from orchestrator import Orchestrator, load_config
from orchestrator.ledger import FileLedger
from orchestrator.run.routing import flatten
from tests.helpers import actions, events_of

INCIDENT = "Production outage: checkout returns 503 for all users since the 14:02 deploy"
FEATURE = "Add support for exporting reports as CSV; it would be great for finance"
ENTRY = "from orchestrator.cli.app import main; main()"
OPEN = {"PROPOSED", "ACCEPTED", "IN_PROGRESS", "DELIVERED", "VERIFIED"}


def spawn_submit(text: str, ledger: Path, config: Path, cwd: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-c", ENTRY, "submit", text, "--ledger", str(ledger)]
    return subprocess.Popen(
        [*cmd, "--config", str(config)],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def completed(ledger: Path) -> dict[str, int]:
    """ROLE_COMPLETED lines per request file, read raw (a writer may be mid-line)."""
    counts = {}
    for path in (ledger / "events").glob("*.jsonl"):
        counts[path.stem] = path.read_bytes().count(b'"action":"ROLE_COMPLETED"')
    return counts


def kill_after_first_role(procs: list[subprocess.Popen], ledger: Path) -> None:
    """SIGKILL each submitter once its request has at least one completed role."""
    deadline = time.monotonic() + 30
    try:
        while time.monotonic() < deadline:
            counts = completed(ledger) if (ledger / "events").is_dir() else {}
            if len(counts) == len(procs) and all(counts.values()):
                break
            if any(p.poll() is not None for p in procs):
                errs = [p.stderr.read().decode() for p in procs if p.stderr]
                pytest.fail(f"a submitter finished before it was killed: {errs}")
            time.sleep(0.02)
        else:
            pytest.fail("no role completed in time")
    finally:
        for p in procs:
            p.kill()
            p.wait(timeout=10)
            if p.stderr:
                p.stderr.close()


def snapshot(ledger: Path) -> dict[str, bytes]:
    """Every ledger byte that matters (lock files are not history)."""
    return {
        str(p.relative_to(ledger)): p.read_bytes()
        for p in sorted(ledger.rglob("*"))
        if p.is_file() and ".locks" not in p.parts
    }


def assert_ran_once(ledger: Path, rid: str) -> None:
    events = events_of(ledger, rid)
    roles = Counter(e["details"]["role"] for e in events if e["action"] == "ROLE_COMPLETED")
    route = next(e for e in events if e["action"] == "TRIAGED")["details"]["route"]
    assert roles == Counter(route), roles  # every role of the route, each exactly once
    count = Counter(actions(events))
    assert count["REQUEST_CREATED"] == count["TRIAGED"] == 1
    started = Counter(e["details"]["role"] for e in events if e["action"] == "ROLE_STARTED")
    assert max(started.values()) == 1
    hops = [
        (e["details"]["from"], e["details"]["round"]) for e in events if e["action"] == "HANDOFF"
    ]
    assert len(hops) == len(set(hops))
    states = [e["details"]["to"] for e in events if e["action"] == "STATE_CHANGED"]
    assert states == ["ACCEPTED", "IN_PROGRESS", "DELIVERED", "VERIFIED", "CLOSED"]
    bodies = [(e["action"], json.dumps(e["details"], sort_keys=True)) for e in events]
    assert len(bodies) == len(set(bodies)), "an event was written twice"


def assert_time_travel_consistent(cli, ledger: Path, rid: str, min_checkpoints: int = 1) -> None:
    """Each checkpoint names the ledger seq its step is covered by; `show --at` that seq
    must tell the same story: same decision and route, the same completed roles (and
    rounds), and an open item exactly while the checkpoint has steps left."""
    history = Orchestrator(load_config(ledger=ledger)).checkpoint_history(rid)
    stamped = [c for c in history if c.ledger_seq]
    assert stamped, "no checkpoint carries a ledger seq"
    assert len(stamped) >= min_checkpoints, len(stamped)
    seqs = [c.ledger_seq for c in stamped]
    assert seqs == sorted(seqs)
    for cp in stamped:
        shown = cli("show", rid, "--at", str(cp.ledger_seq), "--ledger", str(ledger), "--json")
        item = json.loads(shown.stdout)["item"]
        for field in ("kind", "severity", "priority"):
            assert item[field] == cp.decision[field]
        assert item["route"] == flatten(cp.stages)
        rounds: dict[str, int] = {}
        for record in item["completed"]:
            rounds[record["role"]] = max(rounds.get(record["role"], 0), record["round"])
        assert rounds == cp.runs, (cp.step, rounds, cp.runs)
        if cp.next:
            assert item["state"] in OPEN
        else:
            assert item["state"] == {"closed": "CLOSED", "blocked": "BLOCKED"}[cp.outcome]


def test_sigkill_mid_graph_then_resume_finishes_without_repeating(
    cli, ledger_dir, write_config, tmp_path
):
    cfg = write_config("[runtimes.mock]\nlatency_ms = 700\n")
    kill_after_first_role([spawn_submit(INCIDENT, ledger_dir, cfg, tmp_path)], ledger_dir)
    [rid] = [p.stem for p in (ledger_dir / "events").glob("*.jsonl")]
    before = events_of(ledger_dir, rid)
    assert "ROLE_COMPLETED" in actions(before) and "CLOSED" not in json.dumps(before)

    shown = cli("show", rid, "--ledger", str(ledger_dir))
    assert "interrupted" in shown.stdout and f"orchestrate resume {rid}" in shown.stdout
    status = json.loads(cli("show", rid, "--ledger", str(ledger_dir), "--json").stdout)["status"]
    assert status == "interrupted"

    result = cli("resume", rid, "--ledger", str(ledger_dir), "--config", str(cfg), "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)[0]["state"] == "CLOSED"
    events = events_of(ledger_dir, rid)
    assert events[: len(before)] == before  # history before the crash is untouched
    assert actions(events).count("RESUMED") == 1
    assert_ran_once(ledger_dir, rid)
    assert cli("verify", "--ledger", str(ledger_dir)).exit_code == 0
    assert_time_travel_consistent(cli, ledger_dir, rid)

    again = cli("resume", rid, "--ledger", str(ledger_dir))
    assert again.exit_code != 0 and "already CLOSED" in again.stderr


def test_resume_all_finishes_every_interrupted_run(cli, ledger_dir, write_config, tmp_path):
    cfg = write_config("[runtimes.mock]\nlatency_ms = 700\n")
    procs = [spawn_submit(t, ledger_dir, cfg, tmp_path) for t in (INCIDENT, FEATURE)]
    kill_after_first_role(procs, ledger_dir)
    listed = json.loads(cli("list", "--ledger", str(ledger_dir), "--json").stdout)
    assert len(listed) == 2 and all(v["state"] in OPEN for v in listed)

    result = cli("resume", "--all", "--ledger", str(ledger_dir), "--config", str(cfg), "--json")
    assert result.exit_code == 0, result.stderr
    assert sorted(r["state"] for r in json.loads(result.stdout)) == ["CLOSED", "CLOSED"]
    for view in listed:
        assert_ran_once(ledger_dir, view["request_id"])
    assert cli("verify", "--ledger", str(ledger_dir)).exit_code == 0
    nothing = cli("resume", "--all", "--ledger", str(ledger_dir))
    assert nothing.exit_code == 0 and "nothing to resume" in nothing.stdout


@pytest.mark.parametrize("durability", ["exit", "async", "sync"])
def test_time_travel_matches_the_checkpoints_of_a_finished_run(
    cli, ledger_dir, write_config, durability
):
    cfg = write_config(f'[graph]\ndurability = "{durability}"\n')
    submitted = cli("submit", INCIDENT, "--ledger", str(ledger_dir), "--config", str(cfg), "--json")
    rid = json.loads(submitted.stdout)["request_id"]
    # "exit" saves the state once, when the run stops; the others after every step
    assert_time_travel_consistent(cli, ledger_dir, rid, 1 if durability == "exit" else 5)


def _interrupted_item(ledger: Path) -> str:
    """An item whose submitter died right after creating it: only REQUEST_CREATED."""
    created = FileLedger(ledger).create_request(FEATURE, "CSV export")
    return created.packet.request_id


def test_resuming_a_finished_item_or_unknown_id_writes_nothing(cli, ledger_dir):
    rid = json.loads(cli("submit", FEATURE, "--ledger", str(ledger_dir), "--json").stdout)[
        "request_id"
    ]
    before = snapshot(ledger_dir)
    finished = cli("resume", rid, "--ledger", str(ledger_dir))
    assert finished.exit_code == 4
    assert finished.stderr == f"error: {rid} is already CLOSED; nothing to resume\n"
    unknown = cli("resume", "REQ-20200101-0007", "--ledger", str(ledger_dir))
    assert unknown.exit_code == 3 and unknown.stderr.count("\n") == 1
    assert "unknown request REQ-20200101-0007" in unknown.stderr
    bad = cli("resume", "not-an-id", "--ledger", str(ledger_dir))
    assert bad.exit_code == 2 and bad.stderr.count("\n") == 1
    assert cli("resume", "--ledger", str(ledger_dir)).exit_code == 2
    assert snapshot(ledger_dir) == before


def test_a_corrupted_checkpoint_store_is_one_line_and_writes_nothing(cli, ledger_dir):
    rid = _interrupted_item(ledger_dir)
    store = ledger_dir / "checkpoints.sqlite"
    store.write_bytes(b"\x00garbage, not a database\xff" * 200)
    before = snapshot(ledger_dir)
    result = cli("resume", rid, "--ledger", str(ledger_dir))
    assert result.exit_code == 5
    assert result.stderr.count("\n") == 1 and "checkpoint store" in result.stderr
    assert "unreadable" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(ledger_dir) == before
    everything = cli("resume", "--all", "--ledger", str(ledger_dir))
    assert everything.exit_code in (0, 5)  # the fresh item may still be in its grace period
    assert snapshot(ledger_dir) == before

    store.rename(ledger_dir / "checkpoints.sqlite.broken")  # the message's advice
    done = cli("resume", rid, "--ledger", str(ledger_dir), "--json")
    assert done.exit_code == 0, done.stderr
    assert json.loads(done.stdout)[0]["state"] == "CLOSED"
    assert cli("verify", "--ledger", str(ledger_dir)).exit_code == 0


def test_resume_without_checkpoints_continues_from_the_ledger(cli, ledger_dir, write_config):
    cfg = write_config("[graph]\ncheckpoint = false\n")
    rid = _interrupted_item(ledger_dir)
    result = cli("resume", rid, "--ledger", str(ledger_dir), "--config", str(cfg), "--json")
    assert result.exit_code == 0, result.stderr
    assert not (ledger_dir / "checkpoints.sqlite").exists()
    assert_ran_once(ledger_dir, rid)
    resumed = next(e for e in events_of(ledger_dir, rid) if e["action"] == "RESUMED")
    assert resumed["details"] == {"from_seq": 1, "from_checkpoint": False}


def test_a_run_in_its_startup_grace_is_not_taken_by_resume_all(ledger_dir):
    rid = _interrupted_item(ledger_dir)
    orch = Orchestrator(load_config(ledger=ledger_dir))
    assert orch.interrupted() == []  # its submitter may be about to start the run
    assert orch.interrupted(grace_s=0) == [rid]


def test_resuming_an_item_another_process_is_working_writes_nothing(cli, ledger_dir):
    from orchestrator.ledger import runlock

    rid = _interrupted_item(ledger_dir)
    before = snapshot(ledger_dir)
    with runlock.hold(FileLedger(ledger_dir), rid):
        busy = cli("resume", rid, "--ledger", str(ledger_dir))
        shown = json.loads(cli("show", rid, "--ledger", str(ledger_dir), "--json").stdout)
    assert busy.exit_code == 7 and "being worked by another process" in busy.stderr
    assert shown["status"] == "running"
    assert snapshot(ledger_dir) == before


def test_a_repeated_step_finds_the_ledger_ahead_and_only_moves_forward(ledger_dir):
    """Killed after VERIFIED but before CLOSED: the re-run review step must not try
    VERIFIED → DELIVERED (illegal), only finish the move to CLOSED."""
    from orchestrator.ledger.lifecycle import State
    from orchestrator.run.recorder import Recorder

    ledger = FileLedger(ledger_dir)
    rid = _interrupted_item(ledger_dir)
    for target in (State.ACCEPTED, State.IN_PROGRESS, State.DELIVERED, State.VERIFIED):
        ledger.transition(rid, target, "test")
    rec = Recorder(ledger, rid)
    for target in (State.ACCEPTED, State.IN_PROGRESS, State.DELIVERED, State.VERIFIED):
        rec.advance(target)
    rec.record(rec.reopening("not from VERIFIED"))
    rec.advance(State.CLOSED)
    states = [
        e["details"]["to"] for e in events_of(ledger_dir, rid) if e["action"] == "STATE_CHANGED"
    ]
    assert states == ["ACCEPTED", "IN_PROGRESS", "DELIVERED", "VERIFIED", "CLOSED"]


def test_resume_all_names_an_item_it_cannot_resume_and_finishes_the_rest(cli, ledger_dir):
    import os

    good, bad = _interrupted_item(ledger_dir), _interrupted_item(ledger_dir)
    damaged = ledger_dir / "events" / f"{bad}.jsonl"
    damaged.write_bytes(damaged.read_bytes().replace(b'"seq":1', b'"seq":7', 1))
    for rid in (good, bad):  # both past the start-up grace period
        path = ledger_dir / "events" / f"{rid}.jsonl"
        old = path.stat().st_mtime - 120
        os.utime(path, (old, old))
    result = cli("resume", "--all", "--ledger", str(ledger_dir), "--json")
    assert result.exit_code == 5
    assert [r["request_id"] for r in json.loads(result.stdout)] == [good]
    assert f"error: {bad}:" in result.stderr and "Traceback" not in result.stderr

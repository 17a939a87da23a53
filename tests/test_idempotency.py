"""Idempotent submission: one request per key, from any process, even concurrently.

A plain repeated submit of identical text is *not* deduplicated: two reports of the same
symptom are two events. It creates a new request and warns, naming the earlier one.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.helpers import events_of

TEXT = "Login returns 500 for every user since this morning"
ENTRY = "from orchestrator.cli.app import main; main()"


def test_ten_concurrent_submits_with_one_key_create_exactly_one_request(cli, ledger_dir, tmp_path):
    cmd = [sys.executable, "-c", ENTRY, "submit", TEXT, "--ledger", str(ledger_dir)]
    procs = [
        subprocess.Popen(
            [*cmd, "--idempotency-key", "alert-4711", "--json"],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(10)
    ]
    outputs = []
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err.decode()
        outputs.append(json.loads(out))
    assert sorted(o["created"] for o in outputs) == [False] * 9 + [True]
    assert len({o["request_id"] for o in outputs}) == 1
    rid = outputs[0]["request_id"]
    assert [p.stem for p in (ledger_dir / "requests").glob("*.json")] == [rid]
    packet = json.loads((ledger_dir / "requests" / f"{rid}.json").read_text())
    assert packet["idempotency_key"] == "alert-4711"
    created = [e for e in events_of(ledger_dir, rid) if e["action"] == "REQUEST_CREATED"]
    assert len(created) == 1

    again = cli("submit", TEXT, "--ledger", str(ledger_dir), "--idempotency-key", "alert-4711")
    assert again.exit_code == 0, again.stderr
    assert "already submitted" in again.stdout and rid in again.stdout
    assert len(list((ledger_dir / "requests").glob("*.json"))) == 1
    assert cli("verify", "--ledger", str(ledger_dir)).exit_code == 0


def test_a_key_reused_with_different_text_is_refused(cli, ledger_dir: Path):
    first = cli("submit", TEXT, "--ledger", str(ledger_dir), "--idempotency-key", "k1")
    assert first.exit_code == 0
    other = cli("submit", "Add dark mode", "--ledger", str(ledger_dir), "--idempotency-key", "k1")
    assert other.exit_code == 2 and other.stderr.count("\n") == 1
    assert "was used for REQ-" in other.stderr and "different text" in other.stderr
    assert len(list((ledger_dir / "requests").glob("*.json"))) == 1


def test_a_plain_repeat_creates_a_new_request_and_warns(cli, ledger_dir: Path):
    first = json.loads(cli("submit", TEXT, "--ledger", str(ledger_dir), "--json").stdout)
    assert first["duplicate_of"] is None
    repeat = cli("submit", f"  {TEXT}\n", "--ledger", str(ledger_dir), "--json")
    assert repeat.exit_code == 0
    second = json.loads(repeat.stdout)  # stdout stays pure JSON; the warning is on stderr
    assert second["created"] and second["request_id"] != first["request_id"]
    assert second["duplicate_of"] == first["request_id"]
    assert f"same text as {first['request_id']}" in repeat.stderr
    assert "--idempotency-key" in repeat.stderr
    different = cli("submit", "Add dark mode to the settings page", "--ledger", str(ledger_dir))
    assert "same text" not in different.stderr
    keyed = cli("submit", TEXT, "--ledger", str(ledger_dir), "--idempotency-key", "fresh")
    assert "same text" not in keyed.stderr  # a key is the explicit answer; no warning

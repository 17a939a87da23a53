"""`submit --detach` and `orchestrate worker`: queued items are run once each, by any number of
worker processes, and a worker killed mid-role is taken over after its lease."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from tests.helpers import actions, events_of

ORCHESTRATE = str(Path(sys.executable).with_name("orchestrate"))
TEXTS = [
    "Production outage: checkout returns 503 for all users since the 14:02 deploy",
    "Add support for exporting reports as CSV",
    "Crash when saving a draft: expected the draft saved but got TypeError in editor.js",
]


def run(*args: str, cwd: Path, **kw: object) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORCHESTRATE_")}
    return subprocess.run(
        [ORCHESTRATE, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
        **kw,
    )  # fmt: skip


def spawn(*args: str, cwd: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORCHESTRATE_")}
    return subprocess.Popen(
        [ORCHESTRATE, *args], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip


def _completed(ledger: Path, rid: str) -> Counter[tuple[str, int]]:
    return Counter(
        (e["details"]["role"], e["details"]["round"])
        for e in events_of(ledger, rid)
        if e["action"] == "ROLE_COMPLETED"
    )


def test_detach_queues_and_returns_the_id_at_once(tmp_path):
    out = run("submit", TEXTS[0], "--detach", "--json", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    queued = json.loads(out.stdout)
    assert queued["state"] == "PROPOSED" and queued["created"] is True
    ledger = tmp_path / "coordination"
    assert actions(events_of(ledger, queued["request_id"])) == ["REQUEST_CREATED", "QUEUED"]
    listed = run("list", cwd=tmp_path).stdout
    assert "QUEUED" in listed
    again = run("submit", TEXTS[0], "--detach", "--idempotency-key", "k1", "--json", cwd=tmp_path)
    same = run("submit", TEXTS[0], "--detach", "--idempotency-key", "k1", "--json", cwd=tmp_path)
    assert json.loads(again.stdout)["request_id"] == json.loads(same.stdout)["request_id"]
    assert json.loads(same.stdout)["created"] is False


def test_four_worker_processes_run_each_item_exactly_once(tmp_path):
    (tmp_path / "orchestrate.toml").write_text("[runtimes.mock]\nlatency_ms = 20\n")
    rids = []
    for i in range(24):
        out = run("submit", f"{TEXTS[i % 3]} #{i}", "--detach", "--json", cwd=tmp_path)
        rids.append(json.loads(out.stdout)["request_id"])
    workers = [spawn("worker", "--drain", "--concurrency", "2", cwd=tmp_path) for _ in range(4)]
    for w in workers:
        assert w.wait(timeout=240) == 0, w.stderr.read() if w.stderr else ""
    ledger = tmp_path / "coordination"
    claims: Counter[str] = Counter()
    for rid in rids:
        events = events_of(ledger, rid)
        assert events[-1]["details"].get("to") == "CLOSED", rid
        claims[rid] = actions(events).count("CLAIMED")
        assert all(n == 1 for n in _completed(ledger, rid).values()), rid
    assert set(claims.values()) == {1}
    assert run("verify", cwd=tmp_path).returncode == 0
    assert not list((ledger / "queue").iterdir()) and not list((ledger / "leases").iterdir())


def test_a_killed_workers_item_is_taken_over_after_its_lease(tmp_path):
    (tmp_path / "orchestrate.toml").write_text(
        "[runtimes.mock]\nlatency_ms = 600\n[queue]\nlease_s = 1.5\npoll_s = 0.1\n"
    )
    rid = json.loads(run("submit", TEXTS[0], "--detach", "--json", cwd=tmp_path).stdout)[
        "request_id"
    ]
    ledger = tmp_path / "coordination"
    first = spawn("worker", cwd=tmp_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and "ROLE_COMPLETED" not in actions(events_of(ledger, rid)):
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    before = events_of(ledger, rid)
    assert "CLOSED" not in json.dumps(before)
    started = time.monotonic()
    second = run("worker", "--drain", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    events = events_of(ledger, rid)
    assert events[: len(before)] == before
    names = actions(events)
    assert names.count("LEASE_EXPIRED") == 1 and names.count("CLAIMED") == 2
    assert events[-1]["details"]["to"] == "CLOSED"
    assert all(n == 1 for n in _completed(ledger, rid).values())
    claims = [e["details"] for e in events if e["action"] == "CLAIMED"]
    assert claims[0]["worker"] != claims[1]["worker"] and claims[1]["attempt"] == 2
    assert time.monotonic() - started >= 0.0
    assert run("verify", cwd=tmp_path).returncode == 0

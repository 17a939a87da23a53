"""Done when: with `ORCHESTRATE_LEDGER=postgresql://…` the commands a user types behave as on
files — submit, submit --detach + four worker processes, verify, list, show, resume — a
SIGKILLed worker's item is finished by another with no role run twice, and `db copy` moves
the ledger out and back with every chain intact."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import psycopg
import pytest

from tests.ledger_helpers import open_pg

ORCHESTRATE = str(Path(sys.executable).with_name("orchestrate"))
TEXTS = [
    "Production outage: checkout returns 503 for all users since the 14:02 deploy",
    "Add support for exporting reports as CSV",
    "Crash when saving a draft: expected the draft saved but got TypeError in editor.js",
]


def _env(url: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("ORCHESTRATE_")}
    return {**base, "ORCHESTRATE_LEDGER": url}


def run(url: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ORCHESTRATE, *args], cwd=cwd, env=_env(url), capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip


def spawn(url: str, *args: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [ORCHESTRATE, *args], cwd=cwd, env=_env(url), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _actions(url: str, rid: str) -> list[str]:
    return [e.action.value for e in open_pg(url).read_events(rid)]


def _completed(url: str, rid: str) -> Counter[tuple[str, int]]:
    return Counter(
        (str(e.details["role"]), int(str(e.details["round"])))
        for e in open_pg(url).read_events(rid)
        if e.action.value == "ROLE_COMPLETED"
    )


@pytest.mark.slow
def test_submit_detach_four_workers_verify_list_show(tmp_path: Path, pg_url: str) -> None:
    (tmp_path / "orchestrate.toml").write_text("[runtimes.mock]\nlatency_ms = 20\n")
    direct = run(pg_url, "submit", TEXTS[0], "--json", cwd=tmp_path)
    assert direct.returncode == 0, direct.stderr
    assert json.loads(direct.stdout)["state"] == "CLOSED"
    rids = []
    for i in range(12):
        out = run(pg_url, "submit", f"{TEXTS[i % 3]} #{i}", "--detach", "--json", cwd=tmp_path)
        assert out.returncode == 0, out.stderr
        rids.append(json.loads(out.stdout)["request_id"])
    assert _actions(pg_url, rids[0]) == ["REQUEST_CREATED", "QUEUED"]
    workers = [spawn(pg_url, "worker", "--drain", cwd=tmp_path) for _ in range(4)]
    for w in workers:
        assert w.wait(timeout=240) == 0, w.stderr.read() if w.stderr else ""
    for rid in rids:
        names = _actions(pg_url, rid)
        assert names.count("CLAIMED") == 1 and names[-1] == "STATE_CHANGED", rid
        assert open_pg(pg_url).view(rid).state.value == "CLOSED"
        assert all(n == 1 for n in _completed(pg_url, rid).values()), rid
    verified = run(pg_url, "verify", cwd=tmp_path)
    assert verified.returncode == 0 and "13 requests" in verified.stdout, verified.stderr
    listed = run(pg_url, "list", "--json", cwd=tmp_path)
    assert {item["request_id"] for item in json.loads(listed.stdout)} >= set(rids)
    shown = run(pg_url, "show", rids[3], cwd=tmp_path)
    assert shown.returncode == 0 and "CLOSED" in shown.stdout and not shown.stderr
    assert run(pg_url, "resume", rids[3], cwd=tmp_path).returncode == 4  # already finished
    assert not (tmp_path / "coordination" / "events").exists()  # nothing went to files


@pytest.mark.slow
def test_a_killed_workers_item_is_finished_by_another(tmp_path: Path, pg_url: str) -> None:
    (tmp_path / "orchestrate.toml").write_text(
        "[runtimes.mock]\nlatency_ms = 600\n[queue]\nlease_s = 1.5\npoll_s = 0.1\n"
    )
    out = run(pg_url, "submit", TEXTS[0], "--detach", "--json", cwd=tmp_path)
    rid = json.loads(out.stdout)["request_id"]
    first = spawn(pg_url, "worker", cwd=tmp_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and "ROLE_COMPLETED" not in _actions(pg_url, rid):
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    before = open_pg(pg_url).read_events(rid)
    assert before[-1].action.value != "STATE_CHANGED" or "CLOSED" not in str(before[-1])
    second = run(pg_url, "worker", "--drain", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    events = open_pg(pg_url).read_events(rid)
    assert events[: len(before)] == before
    names = [e.action.value for e in events]
    assert names.count("LEASE_EXPIRED") == 1 and names.count("CLAIMED") == 2
    assert open_pg(pg_url).view(rid).state.value == "CLOSED"
    assert all(n == 1 for n in _completed(pg_url, rid).values())
    claims = [e.details for e in events if e.action.value == "CLAIMED"]
    assert claims[0]["worker"] != claims[1]["worker"] and claims[1]["attempt"] == 2
    assert run(pg_url, "verify", cwd=tmp_path).returncode == 0


@pytest.mark.slow
def test_db_copy_out_and_back_keeps_the_chains(
    tmp_path: Path, pg_url: str, make_database: object
) -> None:
    assert callable(make_database)
    for text in TEXTS:
        assert run(pg_url, "submit", text, cwd=tmp_path).returncode in (0, 1)
    out = tmp_path / "out"
    copied = run(pg_url, "db", "copy", pg_url, str(out), cwd=tmp_path)
    assert copied.returncode == 0, copied.stderr
    assert "byte-identical" in copied.stdout
    assert run(pg_url, "verify", "--ledger", str(out), cwd=tmp_path).returncode == 0
    again = make_database()
    back = run(pg_url, "db", "copy", str(out), again, cwd=tmp_path)
    assert back.returncode == 0, back.stderr
    assert run(again, "verify", cwd=tmp_path).returncode == 0
    for rid in open_pg(pg_url).request_ids():
        assert (
            next(open_pg(again).sealed_records([rid])).events
            == (out / "events" / f"{rid}.jsonl").read_bytes()
        )
    refused = run(pg_url, "db", "copy", str(out), again, cwd=tmp_path)
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1
    assert "not empty" in refused.stderr


@pytest.mark.slow
def test_a_killed_submit_resumes_from_postgres_checkpoints(tmp_path: Path, pg_url: str) -> None:
    (tmp_path / "orchestrate.toml").write_text(
        '[runtimes.mock]\nlatency_ms = 500\n[graph]\ndurability = "sync"\n'
    )
    proc = spawn(pg_url, "submit", TEXTS[2], cwd=tmp_path)
    deadline = time.monotonic() + 60
    rid = None
    while time.monotonic() < deadline:
        ids = open_pg(pg_url).request_ids()
        if ids and "ROLE_COMPLETED" in _actions(pg_url, ids[0]):
            rid = ids[0]
            break
        time.sleep(0.05)
    assert rid is not None
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    with psycopg.connect(pg_url) as conn:
        saved = conn.execute("SELECT count(*) FROM checkpoints WHERE thread_id = %s", (rid,))
        row = saved.fetchone()
    assert row is not None and row[0] > 0  # the graph's steps went to PostgresSaver
    resumed = run(pg_url, "resume", rid, cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    names = _actions(pg_url, rid)
    assert "RESUMED" in names and open_pg(pg_url).view(rid).state.value == "CLOSED"
    assert all(n == 1 for n in _completed(pg_url, rid).values())
    assert run(pg_url, "replay", rid, cwd=tmp_path).returncode == 0
    assert run(pg_url, "verify", cwd=tmp_path).returncode == 0


def test_db_upgrade_and_help_never_load_the_driver(tmp_path: Path, pg_url: str) -> None:
    upgraded = run(pg_url, "db", "upgrade", cwd=tmp_path)
    assert upgraded.returncode == 0 and "schema" in upgraded.stdout, upgraded.stderr
    probe = (
        "import sys; from orchestrator.cli.app import main; sys.argv = ['orchestrate'] + "
        "sys.argv[1:]\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
        "assert not [m for m in sys.modules if m.startswith('psycopg')], 'psycopg imported'"
    )
    for args in (["--help"], ["list", "--ledger", str(tmp_path / "none")]):
        env = {k: v for k, v in os.environ.items() if not k.startswith("ORCHESTRATE_")}
        done = subprocess.run(
            [sys.executable, "-c", probe, *args], cwd=tmp_path, env=env, capture_output=True,
            text=True, timeout=60,
        )  # fmt: skip
        assert "psycopg imported" not in done.stderr, done.stderr


def _grants(role: str, database: str) -> str:
    """The GRANT block the README shows, for this role and database."""
    text = (Path(__file__).parent.parent / "README.md").read_text()
    block = text.split("```sql\n", 1)[1].split("```", 1)[0]
    return block.replace("orchestrate_service", role).replace(
        "DATABASE orchestrate", f'DATABASE "{database}"'
    )


@pytest.mark.slow
def test_the_documented_least_privilege_role_runs_everything_but_edits(
    tmp_path: Path, pg_url: str
) -> None:
    assert run(pg_url, "db", "upgrade", cwd=tmp_path).returncode == 0
    role = f"orch_svc_{os.getpid()}_{int(time.time() * 1000) % 100000}"
    database = pg_url.rsplit("/", 1)[1]
    service_url = pg_url.replace("postgres@", f"{role}@")
    with psycopg.connect(pg_url, autocommit=True) as owner:
        owner.execute(_grants(role, database).encode())
    try:
        assert run(service_url, "submit", TEXTS[1], cwd=tmp_path).returncode == 0
        queued = run(service_url, "submit", TEXTS[2], "--detach", cwd=tmp_path)
        assert queued.returncode == 0, queued.stderr
        drained = run(service_url, "worker", "--drain", cwd=tmp_path)
        assert drained.returncode == 0, drained.stderr
        assert run(service_url, "verify", cwd=tmp_path).returncode == 0
        assert "CLOSED" in run(service_url, "list", cwd=tmp_path).stdout
        with psycopg.connect(service_url, autocommit=True) as service:
            for statement in ("UPDATE events SET action = 'X'", "DELETE FROM packets"):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    service.execute(statement.encode())
    finally:
        with psycopg.connect(pg_url, autocommit=True) as owner:
            owner.execute(f'DROP OWNED BY "{role}"'.encode())
            owner.execute(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          f"WHERE usename = '{role}'".encode())  # fmt: skip
            owner.execute(f'DROP ROLE "{role}"'.encode())


@pytest.mark.slow
def test_a_database_gone_mid_run_fails_in_one_line_and_the_item_resumes(
    tmp_path: Path, pg_url: str
) -> None:
    (tmp_path / "orchestrate.toml").write_text(
        "[runtimes.mock]\nlatency_ms = 700\n"
        "[retry]\nmax_attempts = 3\nbase_delay_s = 0.05\nmax_delay_s = 0.2\n"
    )
    database = pg_url.rsplit("/", 1)[1]
    proc = spawn(pg_url, "submit", TEXTS[2], cwd=tmp_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        rids = open_pg(pg_url).request_ids()
        if rids and "ROLE_STARTED" in _actions(pg_url, rids[0]):
            break
        time.sleep(0.05)
    rid = open_pg(pg_url).request_ids()[0]
    with psycopg.connect(pg_url.rsplit("/", 1)[0] + "/test", autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false'.encode())
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            (database,),
        )
        try:
            _, err = proc.communicate(timeout=120)
        finally:
            admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true'.encode())
    assert proc.returncode == 3, err
    assert err.count("\n") == 1 and "cannot reach the ledger database" in err, err
    assert open_pg(pg_url).view(rid).state.value not in ("CLOSED", "BLOCKED")
    resumed = run(pg_url, "resume", rid, cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert open_pg(pg_url).view(rid).state.value == "CLOSED"
    assert all(n == 1 for n in _completed(pg_url, rid).values())
    assert run(pg_url, "verify", cwd=tmp_path).returncode == 0


def test_people_in_the_loop_on_postgres(tmp_path: Path, pg_url: str) -> None:
    """approve, reject, retry, reclassify and accuracy behave as on files: the gated feature
    waits (8), approve runs it to CLOSED, a rejected one is retried, a correction is counted,
    and the chains verify."""
    (tmp_path / "orchestrate.toml").write_text('[approvals]\nfeature = ["dev"]\n')
    feature = "Add support for exporting reports as CSV"
    waits = run(pg_url, "submit", feature, "--json", cwd=tmp_path)
    assert waits.returncode == 8, waits.stderr
    rid = json.loads(waits.stdout)["request_id"]
    listed = run(pg_url, "list", "--waiting", cwd=tmp_path)
    assert rid in listed.stdout and "waits for dev" in listed.stdout
    ok = run(pg_url, "approve", rid, "--as", "alice", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert open_pg(pg_url).view(rid).state.value == "CLOSED"
    again = run(pg_url, "approve", rid, "--as", "alice", cwd=tmp_path)
    assert again.returncode == 4 and "CLOSED" in again.stderr

    second = json.loads(run(pg_url, "submit", f"{feature} too", "--json", cwd=tmp_path).stdout)
    other = second["request_id"]
    no = run(pg_url, "reject", other, "--as", "bob", "--reason", "later", cwd=tmp_path)
    assert no.returncode == 1 and open_pg(pg_url).view(other).state.value == "BLOCKED"
    fixed = run(pg_url, "reclassify", other, "--kind", "bug", "--as", "bob", "--reason", "r",
                cwd=tmp_path)  # fmt: skip
    assert fixed.returncode == 1, fixed.stderr  # recorded on the BLOCKED item
    retried = run(pg_url, "retry", other, "--as", "bob", cwd=tmp_path)
    assert retried.returncode == 0, retried.stderr  # a bug now: no approval gate on its route
    assert open_pg(pg_url).view(other).state.value == "CLOSED"
    assert _actions(pg_url, other).count("UNBLOCKED") == 1

    report = json.loads(run(pg_url, "accuracy", "--json", cwd=tmp_path).stdout)
    assert "mock" in json.dumps(report) and '"corrected": 1' in json.dumps(report)
    verified = run(pg_url, "verify", cwd=tmp_path)
    assert verified.returncode == 0, verified.stdout + verified.stderr

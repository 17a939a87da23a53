"""`orchestrate replay`: decisions re-derived from the record, drift reports, re-asking."""

from __future__ import annotations

import json

import pytest

from orchestrator import load_config
from orchestrator.ledger import FileLedger
from orchestrator.run import gate
from orchestrator.run.replay import Replayer
from tests.fakes.server import FakeProvider, ok
from tests.helpers import actions, events_of

INCIDENT = "Production outage: checkout returns 503 for all users since the 14:02 deploy"
FEATURE = "Add support for exporting reports as CSV; it would be great for finance"
BUG = "Crash when saving a draft: expected the draft saved but got TypeError in editor.js"

CLAUDE_SAYS = {
    "kind": "incident",
    "severity": "critical",
    "priority": "P1",
    "confidence": 0.93,
    "rationale": "exports failing for everyone right now",
    "signals": ["exporting"],
}


def submit(cli, ledger, text, *extra) -> str:
    result = cli("submit", text, "--ledger", str(ledger), "--json", *extra)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["request_id"]


def replay(cli, ledger, *args):
    return cli("replay", *args, "--ledger", str(ledger))


@pytest.mark.parametrize(
    ("text", "kind"), [(BUG, "bug"), (FEATURE, "feature"), (INCIDENT, "incident")]
)
def test_replay_of_each_kind_is_unchanged(cli, ledger_dir, text, kind):
    rid = submit(cli, ledger_dir, text)
    result = replay(cli, ledger_dir, rid, "--json")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["status"] == "unchanged" and out["changes"] == []
    assert out["recorded"]["kind"] == out["now"]["kind"] == kind
    assert out["recorded"]["stages"] == out["now"]["stages"]
    human = replay(cli, ledger_dir, rid)
    assert human.exit_code == 0
    assert "unchanged" in human.stdout and f"recorded on mock: {kind}/" in human.stdout


def test_editing_the_routing_matrix_makes_replay_all_report_drift(cli, ledger_dir, write_config):
    bug, feature, incident = (submit(cli, ledger_dir, t) for t in (BUG, FEATURE, INCIDENT))
    clean = replay(cli, ledger_dir, "--all", "--no-record")
    assert clean.exit_code == 0, clean.stdout + clean.stderr
    assert "3 unchanged, 0 changed" in clean.stdout

    edited = write_config('[routing.matrix.feature]\nstages = [["pm"], ["dev", "test"]]\n')
    drift = replay(cli, ledger_dir, "--all", "--config", str(edited), "--no-record")
    assert drift.exit_code == 1, drift.stderr
    assert "1 changed (0 decision(s), 1 route(s))" in drift.stdout
    assert feature in drift.stdout and bug not in drift.stdout and incident not in drift.stdout
    assert "pm → dev → test  →  pm → dev ∥ test" in drift.stdout

    report = json.loads(
        replay(cli, ledger_dir, "--all", "--config", str(edited), "--no-record", "--json").stdout
    )
    assert (report["total"], report["changed"], report["routes_changed"]) == (3, 1, 1)
    [changed] = [o for o in report["outcomes"] if o["status"] == "changed"]
    assert changed["request_id"] == feature
    assert [c["field"] for c in changed["changes"]] == ["route"]


def test_kind_and_since_filter_the_drift_report(cli, ledger_dir):
    for text in (BUG, FEATURE, INCIDENT):
        submit(cli, ledger_dir, text)
    only = json.loads(replay(cli, ledger_dir, "--all", "--kind", "feature", "--json").stdout)
    assert only["total"] == 1 and only["outcomes"][0]["recorded"]["kind"] == "feature"
    future = json.loads(replay(cli, ledger_dir, "--all", "--since", "2999-01-01", "--json").stdout)
    assert future["total"] == 0
    bad = replay(cli, ledger_dir, "--all", "--since", "yesterday")
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.stderr


def test_runtime_mock_on_a_decision_recorded_from_claude_prints_the_difference(
    cli, ledger_dir, write_config, monkeypatch
):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-key-for-the-fake")
    with FakeProvider(default=ok(json.dumps(CLAUDE_SAYS))) as fake:
        cfg = write_config(
            f'[roles]\ntriage = "claude"\n[runtimes.claude]\nbase_url = "{fake.url}"\n'
        )
        rid = submit(cli, ledger_dir, FEATURE, "--config", str(cfg))
        asked = len(fake.model_requests())
        assert asked == 1

        # from the record: claude's decision re-derives exactly, without calling claude
        from_record = cli("replay", rid, "--ledger", str(ledger_dir), "--config", str(cfg))
        assert from_record.exit_code == 0, from_record.stderr
        assert "recorded on claude: incident/P1" in from_record.stdout
        assert len(fake.model_requests()) == asked

        again = cli(
            "replay", rid, "--runtime", "mock", "--ledger", str(ledger_dir), "--config", str(cfg)
        )
        assert len(fake.model_requests()) == asked  # mock was asked, not claude
    assert again.exit_code == 1, again.stderr
    assert "recorded on claude: incident/P1; mock now says: feature/" in again.stdout
    assert "kind      incident  →  feature" in again.stdout
    assert "route" in again.stdout
    replayed = [e for e in events_of(ledger_dir, rid) if e["action"] == "REPLAYED"][-1]
    assert replayed["details"]["source"] == "mock" and replayed["details"]["status"] == "changed"
    assert replayed["details"]["raw"] and replayed["details"]["model"] == "mock-1"


def test_replay_appends_replayed_events_and_never_rewrites_history(cli, ledger_dir):
    rid = submit(cli, ledger_dir, INCIDENT)
    path = ledger_dir / "events" / f"{rid}.jsonl"
    before = path.read_bytes()
    assert replay(cli, ledger_dir, rid).exit_code == 0
    assert replay(cli, ledger_dir, "--all").exit_code == 0
    after = path.read_bytes()
    assert after.startswith(before)
    events = events_of(ledger_dir, rid)
    assert actions(events)[-2:] == ["REPLAYED", "REPLAYED"]
    details = events[-1]["details"]
    triaged = next(e for e in events if e["action"] == "TRIAGED")
    assert details["status"] == "unchanged" and details["triaged_seq"] == triaged["seq"]
    assert details["now"]["route"] == triaged["details"]["route"]

    assert replay(cli, ledger_dir, rid, "--no-record").exit_code == 0
    assert replay(cli, ledger_dir, "--all", "--no-record").exit_code == 0
    assert path.read_bytes() == after
    assert cli("verify", "--ledger", str(ledger_dir)).exit_code == 0
    shown = json.loads(cli("show", rid, "--ledger", str(ledger_dir), "--json").stdout)
    assert shown["item"]["state"] == "CLOSED"  # a replay is history, not a state change


def test_a_reply_todays_parser_rejects_counts_as_drift(ledger_dir, monkeypatch, cli):
    rid = submit(cli, ledger_dir, BUG)

    def stricter(raw: str):
        raise ValueError("kind 'bug' is no longer accepted")

    monkeypatch.setattr(gate, "reparse", stricter)
    config = load_config(ledger=ledger_dir)
    outcome = Replayer(config, FileLedger(ledger_dir), record=False).one(rid)
    assert outcome.status == "changed" and outcome.now is None
    assert [c.field for c in outcome.changes] == ["parse"]
    assert "no longer accepted" in (outcome.error or "")


def test_errors_are_one_line_with_their_exit_code(cli, ledger_dir, write_config, write_script):
    submit(cli, ledger_dir, BUG)
    unknown = replay(cli, ledger_dir, "REQ-20200101-0001")
    assert unknown.exit_code == 3 and unknown.stderr.count("\n") == 1
    assert unknown.stderr.count("REQ-20200101-0001") == 1 and "unknown request" in unknown.stderr
    assert replay(cli, ledger_dir).exit_code == 2
    assert replay(cli, ledger_dir, "../etc/passwd").exit_code == 2
    assert replay(cli, ledger_dir, "--all", "--runtime", "nope").exit_code == 2
    assert cli("replay", "--all", "--ledger", str(ledger_dir / "missing")).exit_code == 3

    script = write_script({"triage": {"$error": "auth"}})
    cfg = write_config(f'[runtimes.mock]\nscript = "{script}"\n')
    blocked = cli("submit", BUG, "--ledger", str(ledger_dir), "--config", str(cfg), "--json")
    blocked_id = json.loads(blocked.stdout)["request_id"]
    untriaged = replay(cli, ledger_dir, blocked_id)
    assert untriaged.exit_code == 4 and "no triage decision recorded" in untriaged.stderr
    report = json.loads(replay(cli, ledger_dir, "--all", "--json").stdout)
    assert (report["total"], report["unchanged"], report["skipped"]) == (2, 1, 1)
    assert replay(cli, ledger_dir, "--all").exit_code == 0

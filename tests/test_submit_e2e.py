"""`orchestrate submit` end to end through the CLI, offline, one test per route."""

from __future__ import annotations

import json

import pytest

from tests.helpers import actions, events_of

INCIDENT = "Production outage: checkout returns 503 for all users since the 14:02 deploy"
FEATURE = "Add support for exporting reports as CSV; it would be great for finance"
BUG = "Crash when saving a draft: expected the draft saved but got TypeError in editor.js"


def submit(cli, ledger, text, *extra):
    result = cli("submit", text, "--ledger", str(ledger), "--json", *extra)
    return result, json.loads(result.stdout) if result.stdout.strip() else None


def completed_roles(events):
    return [e["details"]["role"] for e in events if e["action"] == "ROLE_COMPLETED"]


def test_incident_runs_ops_and_dev_in_parallel_then_pm_then_test(cli, ledger_dir):
    result, out = submit(cli, ledger_dir, INCIDENT)
    assert result.exit_code == 0, result.stderr
    assert out["triage"]["kind"] == "incident"
    assert out["stages"] == [["ops", "dev"], ["pm"], ["test"]]
    assert out["state"] == "CLOSED"
    events = events_of(ledger_dir, out["request_id"])
    roles = completed_roles(events)
    assert set(roles[:2]) == {"ops", "dev"} and roles[2:] == ["pm", "test"]
    for action in ("REQUEST_CREATED", "TRIAGED", "ROLE_STARTED", "HANDOFF", "ROLE_COMPLETED"):
        assert action in actions(events)
    states = [e["details"]["to"] for e in events if e["action"] == "STATE_CHANGED"]
    assert states == ["ACCEPTED", "IN_PROGRESS", "DELIVERED", "VERIFIED", "CLOSED"]
    assert cli("verify", "--ledger", str(ledger_dir)).exit_code == 0


def test_feature_gates_on_pm_first(cli, ledger_dir):
    result, out = submit(cli, ledger_dir, FEATURE)
    assert result.exit_code == 0, result.stderr
    assert out["triage"]["kind"] == "feature"
    assert out["route"] == ["pm", "dev", "test"]
    events = events_of(ledger_dir, out["request_id"])
    first_start = next(e for e in events if e["action"] == "ROLE_STARTED")
    assert first_start["details"]["role"] == "pm"
    pm_done = next(e for e in events if e["action"] == "ROLE_COMPLETED")
    assert pm_done["details"]["output"]["goals"] and pm_done["details"]["output"]["success_metrics"]


def test_bug_goes_dev_then_test_without_pm_gate(cli, ledger_dir):
    result, out = submit(cli, ledger_dir, BUG)
    assert result.exit_code == 0, result.stderr
    assert out["triage"]["kind"] == "bug"
    roles = completed_roles(events_of(ledger_dir, out["request_id"]))
    assert roles[0] in ("dev", "pm") and roles[-1] == "test"
    assert "dev" in roles
    if "pm" in roles:  # only at high severity, and then beside dev, never before it
        assert out["stages"][0] == ["dev", "pm"]


@pytest.mark.parametrize(
    ("severity", "stages"),
    [
        ("low", [["dev"], ["test"]]),
        ("medium", [["dev"], ["test"]]),
        ("high", [["dev", "pm"], ["test"]]),
        ("critical", [["dev", "pm"], ["test"]]),
    ],
)
def test_pm_joins_a_bug_beside_dev_only_at_severity_high(
    cli, ledger_dir, write_config, write_script, severity, stages
):
    script = write_script({"triage": {"kind": "bug", "severity": severity}})
    cfg = write_config(f'[runtimes.mock]\nscript = "{script}"\n')
    result, out = submit(cli, ledger_dir, BUG, "--config", str(cfg))
    assert result.exit_code == 0, result.stderr
    assert out["triage"]["severity"] == severity and out["stages"] == stages
    roles = completed_roles(events_of(ledger_dir, out["request_id"]))
    assert sorted(roles) == sorted(r for stage in stages for r in stage)


def test_a_configured_matrix_is_the_one_used(cli, ledger_dir, write_config):
    cfg = write_config(
        '[routing.matrix.bug]\nstages = [["test"], ["dev"]]\n'
        '[routing.matrix.incident]\nstages = [["ops"], ["dev", "pm"]]\n'
    )
    _, bug = submit(cli, ledger_dir, BUG, "--config", str(cfg))
    assert bug["stages"] == [["test"], ["dev"]]
    assert completed_roles(events_of(ledger_dir, bug["request_id"])) == ["test", "dev"]
    _, incident = submit(cli, ledger_dir, INCIDENT, "--config", str(cfg))
    assert incident["stages"] == [["ops"], ["dev", "pm"]]
    assert completed_roles(events_of(ledger_dir, incident["request_id"]))[0] == "ops"
    graph = cli("graph", "--config", str(cfg)).stdout
    assert "bug_test" in graph and "incident_pm" in graph and "bug_pm" not in graph


def test_pm_joins_a_bug_when_configured(cli, ledger_dir, write_config):
    cfg = write_config('[routing.matrix.bug]\nstages = [["dev", "pm"], ["test"]]\n')
    result, out = submit(cli, ledger_dir, BUG, "--config", str(cfg))
    assert result.exit_code == 0
    assert out["stages"] == [["dev", "pm"], ["test"]]
    assert sorted(completed_roles(events_of(ledger_dir, out["request_id"]))) == [
        "dev",
        "pm",
        "test",
    ]


def test_human_output_names_id_decision_route_handoffs_state(cli, ledger_dir):
    result = cli("submit", "login returns 500", "--ledger", str(ledger_dir))
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert "REQ-" in text and "route" in text and "CLOSED" in text and "→" in text


def test_parallel_incident_roles_overlap(cli, ledger_dir, write_config):
    """Ops and Dev run at once: each starts before the other finishes (the time it saves is
    measured in bench/parallel_stage.py, not asserted here)."""
    cfg = write_config("[runtimes.mock]\nlatency_ms = 300\n")
    result, out = submit(cli, ledger_dir, INCIDENT, "--config", str(cfg))
    assert result.exit_code == 0
    assert out["stages"][0] == ["ops", "dev"]
    events = events_of(ledger_dir, out["request_id"])
    starts = {e["details"]["role"]: e["ts"] for e in events if e["action"] == "ROLE_STARTED"}
    dones = {e["details"]["role"]: e["ts"] for e in events if e["action"] == "ROLE_COMPLETED"}
    assert starts["dev"] < dones["ops"] and starts["ops"] < dones["dev"]  # overlapped


@pytest.mark.parametrize("text", [INCIDENT, FEATURE, BUG])
def test_each_completed_role_records_runtime_model_prompt_usage(cli, ledger_dir, text):
    _, out = submit(cli, ledger_dir, text)
    for e in events_of(ledger_dir, out["request_id"]):
        if e["action"] == "ROLE_COMPLETED":
            d = e["details"]
            assert d["runtime"] == "mock" and d["model"] == "mock-1"
            assert d["prompt"] == d["role"] and len(d["prompt_sha256"]) == 64
            assert d["raw"] and d["usage"]["input_tokens"] > 0 and d["latency_ms"] >= 0


def test_list_and_show_after_submit(cli, ledger_dir):
    _, out = submit(cli, ledger_dir, INCIDENT)
    rid = out["request_id"]
    listed = json.loads(cli("list", "--ledger", str(ledger_dir), "--json").stdout)
    assert [r["request_id"] for r in listed] == [rid] and listed[0]["state"] == "CLOSED"
    shown = json.loads(cli("show", rid, "--ledger", str(ledger_dir), "--json").stdout)
    assert shown["item"]["kind"] == "incident" and shown["total_tokens"] > 0
    early = json.loads(cli("show", rid, "--at", "3", "--ledger", str(ledger_dir), "--json").stdout)
    assert early["item"]["state"] in ("PROPOSED", "ACCEPTED") and len(early["events"]) == 3

"""People in the loop from the CLI: approval gates, reject, reclassify, retry, and every
refusal as one line, its exit code, and nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import actions, events_of

FEATURE = "Add CSV export to the reports page so finance can download monthly totals"
BUG = "Crash when saving a draft: expected the draft saved but got TypeError in editor.js"
INCIDENT = "Production outage: checkout returns 503 for all users since the 14:02 deploy"
GATED = '[approvals]\nfeature = ["dev"]\n'


@pytest.fixture
def gated(cli, ledger_dir, write_config):
    """`orchestrate CMD … --ledger L --config C` under `[approvals] feature = ["dev"]`."""
    cfg = write_config(GATED)

    def run(*args: str, config: Path = cfg):
        return cli(*args, "--ledger", str(ledger_dir), "--config", str(config))

    return run


def _submit(gated, text: str = FEATURE) -> tuple[int, dict]:
    result = gated("submit", text, "--json")
    return result.exit_code, json.loads(result.stdout)


def _ledger_bytes(ledger_dir: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(ledger_dir.rglob("*")) if p.is_file()}


def _completed(events: list[dict], role: str) -> int:
    return sum(
        1 for e in events if e["action"] == "ROLE_COMPLETED" and e["details"]["role"] == role
    )


def test_a_gated_feature_runs_pm_waits_for_dev_and_approve_runs_it_to_closed(gated, ledger_dir):
    code, out = _submit(gated)
    assert code == 8 and out["state"] == "IN_PROGRESS" and out["waiting_for"] == ["dev"]
    rid = out["request_id"]
    events = events_of(ledger_dir, rid)
    assert _completed(events, "pm") == 1 and _completed(events, "dev") == 0
    asked = [e for e in events if e["action"] == "APPROVAL_REQUESTED"]
    assert [a["details"]["roles"] for a in asked] == [["dev"]]
    waiting = gated("list", "--waiting")
    assert rid in waiting.stdout and "waits for dev" in waiting.stdout
    assert gated("resume", rid).exit_code == 8  # a person, not a process, moves it on
    assert "waiting for a person to approve dev" in gated("show", rid).stdout
    assert json.loads(gated("show", rid, "--json").stdout)["status"] == "waiting"

    approved = gated("approve", rid, "--as", "alice", "--note", "scope agreed", "--json")
    assert approved.exit_code == 0, approved.stderr
    assert json.loads(approved.stdout)["state"] == "CLOSED"
    events = events_of(ledger_dir, rid)
    [ok] = [e for e in events if e["action"] == "APPROVED"]
    assert ok["actor"] == "alice" and ok["details"]["note"] == "scope agreed"
    assert [_completed(events, r) for r in ("pm", "dev", "test")] == [1, 1, 1]
    assert actions(events).count("TRIAGED") == 1
    assert "waits for" not in gated("list", "--waiting").stdout
    assert gated("verify").exit_code == 0


def test_reject_blocks_and_retry_asks_the_person_again(gated, ledger_dir):
    _, out = _submit(gated)
    rid = out["request_id"]
    rejected = gated("reject", rid, "--as", "bob", "--reason", "not this quarter", "--json")
    assert rejected.exit_code == 1
    body = json.loads(rejected.stdout)
    assert body["state"] == "BLOCKED" and "bob: not this quarter" in body["blocked_reason"]
    [no] = [e for e in events_of(ledger_dir, rid) if e["action"] == "REJECTED"]
    assert no["actor"] == "bob" and no["details"]["roles"] == ["dev"]

    again = gated("retry", rid, "--as", "bob", "--json")
    assert again.exit_code == 8 and json.loads(again.stdout)["waiting_for"] == ["dev"]
    assert gated("approve", rid, "--as", "bob").exit_code == 0
    events = events_of(ledger_dir, rid)
    assert events[-1]["details"]["to"] == "CLOSED" and _completed(events, "pm") == 1
    assert "UNBLOCKED" in actions(events)
    assert gated("verify").exit_code == 0


def test_severity_at_or_above_makes_every_item_wait_before_its_first_stage(
    cli, ledger_dir, write_config
):
    cfg = write_config('[approvals]\nseverity_at_or_above = "high"\n')
    result = cli("submit", INCIDENT, "--json", "--ledger", str(ledger_dir), "--config", str(cfg))
    out = json.loads(result.stdout)
    assert result.exit_code == 8 and sorted(out["waiting_for"]) == ["dev", "ops"]
    assert "ROLE_STARTED" not in actions(events_of(ledger_dir, out["request_id"]))


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["approve", "REQ-20990101-0001", "--as", "a"], 3, "unknown request"),
        (["approve", "nonsense", "--as", "a"], 2, ""),
        (["approve", "{closed}", "--as", "a"], 4, "CLOSED"),
        (["approve", "{waiting}", "--as", " "], 2, "--as"),
        (["reject", "{closed}", "--as", "a", "--reason", "x"], 4, "CLOSED"),
        (["reject", "{waiting}", "--as", "a", "--reason", ""], 2, "--reason"),
        (["reclassify", "{closed}", "--kind", "nope", "--as", "a", "--reason", "x"], 2, "kind"),
        (
            [
                "reclassify",
                "{closed}",
                "--kind",
                "bug",
                "--severity",
                "huge",
                "--as",
                "a",
                "--reason",
                "x",
            ],
            2,
            "severity",
        ),
        (
            [
                "reclassify",
                "{closed}",
                "--kind",
                "bug",
                "--priority",
                "P9",
                "--as",
                "a",
                "--reason",
                "x",
            ],
            2,
            "priority",
        ),
        (["reclassify", "{closed}", "--kind", "feature", "--as", "", "--reason", "x"], 2, "--as"),
        (["reclassify", "{closed}", "--kind", "feature", "--as", "a", "--reason", ""], 2, "reason"),
        (["retry", "{closed}"], 4, "CLOSED"),
        (["retry", "{waiting}"], 4, "IN_PROGRESS"),
        (["retry", "{closed}", "--runtime", "dev=nope"], 2, "nope"),
        (["retry", "{closed}", "--runtime", "triage=mock"], 2, "triage"),
    ],
)
def test_every_refusal_is_one_line_its_code_and_writes_nothing(gated, ledger_dir, args, code, says):
    _, closed = _submit(gated, BUG)
    _, waiting = _submit(gated)
    ids = {"{closed}": closed["request_id"], "{waiting}": waiting["request_id"]}
    before = _ledger_bytes(ledger_dir)
    result = gated(*[ids.get(a, a) for a in args])
    assert result.exit_code == code, (result.exit_code, result.stderr)
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: ") and says in line and "Traceback" not in result.stderr
    assert _ledger_bytes(ledger_dir) == before


def test_approving_twice_is_refused_the_second_time(gated, ledger_dir):
    _, out = _submit(gated)
    rid = out["request_id"]
    assert gated("approve", rid, "--as", "alice").exit_code == 0
    second = gated("approve", rid, "--as", "alice")
    assert second.exit_code == 4 and "waits for no approval" in second.stderr
    assert actions(events_of(ledger_dir, rid)).count("APPROVED") == 1


def test_reclassifying_an_open_item_reroutes_it_from_where_it_stands(gated, ledger_dir):
    _, out = _submit(gated)  # a feature waiting for dev, after PM
    rid = out["request_id"]
    fixed = gated(
        "reclassify",
        rid,
        "--kind",
        "bug",
        "--severity",
        "high",
        "--as",
        "carol",
        "--reason",
        "the export used to work",
        "--json",
    )
    assert fixed.exit_code == 0, fixed.stderr
    body = json.loads(fixed.stdout)
    assert body["state"] == "CLOSED" and body["correction"]["kind"] == "bug"
    assert body["stages"] == [["dev", "pm"], ["test"]]  # bug routing, PM joins at high
    events = events_of(ledger_dir, rid)
    [corrected] = [e for e in events if e["action"] == "TRIAGE_CORRECTED"]
    assert corrected["actor"] == "carol" and corrected["details"]["rerouted"] is True
    assert corrected["details"]["old"]["kind"] == "feature"
    assert corrected["details"]["new"] == {"kind": "bug", "severity": "high", "priority": "P4"}
    assert actions(events).count("TRIAGED") == 1 and _completed(events, "pm") == 1
    assert _completed(events, "dev") == 1 and _completed(events, "test") == 1
    listed = json.loads(gated("list", "--json").stdout)
    assert [i["kind"] for i in listed if i["request_id"] == rid] == ["bug"]
    assert gated("verify").exit_code == 0


def test_reclassifying_a_closed_item_records_it_and_reruns_nothing(gated, ledger_dir):
    _, out = _submit(gated, BUG)
    rid = out["request_id"]
    before = actions(events_of(ledger_dir, rid))
    fixed = gated("reclassify", rid, "--kind", "incident", "--as", "d", "--reason", "outage")
    assert fixed.exit_code == 0, fixed.stderr
    after = events_of(ledger_dir, rid)
    assert actions(after) == [*before, "TRIAGE_CORRECTED"]
    assert after[-1]["details"]["rerouted"] is False
    same = gated("reclassify", rid, "--kind", "incident", "--as", "d", "--reason", "again")
    assert same.exit_code == 2 and "already incident" in same.stderr
    assert gated("verify").exit_code == 0


def test_retry_reruns_a_failed_role_only_and_verify_stays_clean(
    cli, ledger_dir, write_config, write_script
):
    script = write_script({"dev": [{"$error": "auth"}]})
    failing = write_config(f'[runtimes.mock]\nscript = "{script}"\n', name="failing.toml")
    healthy = write_config("", name="healthy.toml")
    first = cli("submit", FEATURE, "--json", "--ledger", str(ledger_dir), "--config", str(failing))
    assert first.exit_code == 1
    rid = json.loads(first.stdout)["request_id"]
    retried = cli(
        "retry",
        rid,
        "--as",
        "erin",
        "--runtime",
        "dev=mock",
        "--json",
        "--ledger",
        str(ledger_dir),
        "--config",
        str(healthy),
    )
    assert retried.exit_code == 0, retried.stderr
    assert json.loads(retried.stdout)["state"] == "CLOSED"
    events = events_of(ledger_dir, rid)
    [unblocked] = [e for e in events if e["action"] == "UNBLOCKED"]
    assert unblocked["actor"] == "erin" and unblocked["details"]["role"] == "dev"
    assert unblocked["details"]["runtimes"] == {"dev": "mock"}
    moves = [
        (e["details"]["from"], e["details"]["to"]) for e in events if e["action"] == "STATE_CHANGED"
    ]
    assert ("BLOCKED", "IN_PROGRESS") in moves
    assert actions(events).count("TRIAGED") == 1 and _completed(events, "pm") == 1
    assert _completed(events, "dev") == 1 and _completed(events, "test") == 1
    assert cli("verify", "--ledger", str(ledger_dir)).exit_code == 0


def test_verify_refuses_a_move_out_of_blocked_without_unblocked(cli, ledger_dir):
    from orchestrator.ledger import FileLedger
    from orchestrator.ledger.lifecycle import State
    from orchestrator.ledger.verify import verify

    led = FileLedger(ledger_dir)
    rid = led.create_request("t", "title").packet.request_id
    led.transition(rid, State.BLOCKED, "test")
    led.transition(rid, State.IN_PROGRESS, "test")  # the table allows it; only retry may
    [finding] = verify(led).findings
    assert "without UNBLOCKED" in finding.reason and finding.line == 3


def test_accuracy_counts_corrections_per_runtime_kind_and_week(gated, ledger_dir):
    rids = [_submit(gated, text)[1]["request_id"] for text in (BUG, INCIDENT, BUG + " again")]
    fix = gated("reclassify", rids[0], "--kind", "feature", "--as", "f", "--reason", "wish")
    assert fix.exit_code == 0
    sev = gated(
        "reclassify",
        rids[1],
        "--kind",
        "incident",
        "--severity",
        "low",
        "--as",
        "f",
        "--reason",
        "minor",
    )
    assert sev.exit_code == 0
    report = json.loads(gated("accuracy", "--json").stdout)
    mock = report["runtimes"]["mock"]
    assert (mock["decisions"], mock["corrected"], mock["kind_corrected"]) == (3, 2, 1)
    assert mock["confusion"] == {"bug": {"feature": 1}}
    [(week, tally)] = mock["weeks"].items()
    assert "-W" in week and tally["corrected"] == 2
    text = gated("accuracy").stdout
    assert "mock: 3 decisions, 2 corrected (67%)" in text
    later = json.loads(gated("accuracy", "--since", "2999-01-01", "--json").stdout)
    assert later["runtimes"] == {}
    bad = gated("accuracy", "--since", "yesterday")
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.stderr


def test_retry_of_an_exhausted_review_sends_the_work_back_once_more(
    cli, ledger_dir, write_config, write_script
):
    reject = {"handoff": {"accepted": False, "concerns": ["no success metric"]}}
    script = write_script({"dev": [reject]})  # dev rejects PM's hand-off every time
    picky = write_config(f'[runtimes.mock]\nscript = "{script}"\n', name="picky.toml")
    easy = write_config("", name="easy.toml")
    first = cli("submit", FEATURE, "--json", "--ledger", str(ledger_dir), "--config", str(picky))
    out = json.loads(first.stdout)
    assert first.exit_code == 1 and "review rounds exhausted" in out["blocked_reason"]
    rid = out["request_id"]
    retried = cli("retry", rid, "--json", "--ledger", str(ledger_dir), "--config", str(easy))
    assert retried.exit_code == 0, retried.stderr
    events = events_of(ledger_dir, rid)
    after = actions(events)[actions(events).index("UNBLOCKED") :]
    assert "REVIEW_REJECTED" not in after  # the recorded rejection is not written again
    assert _completed(events, "pm") == 3 and _completed(events, "test") == 1
    assert cli("verify", "--ledger", str(ledger_dir)).exit_code == 0


@pytest.mark.parametrize(
    ("table", "says"),
    [
        ('[approvals]\nfeature = ["qa"]\n', "approvals.feature"),
        ('[approvals]\nfeature = ["triage"]\n', "approvals.feature"),
        ('[approvals]\nseverity_at_or_above = "urgent"\n', "severity_at_or_above"),
        ("[approvals]\nchore = []\n", "unknown key"),
    ],
)
def test_a_bad_approvals_table_is_one_line_before_anything_is_written(
    cli, ledger_dir, write_config, table, says
):
    cfg = write_config(table)
    result = cli("submit", FEATURE, "--ledger", str(ledger_dir), "--config", str(cfg))
    assert result.exit_code == 2 and says in result.stderr, result.stderr
    assert not ledger_dir.exists()

"""`orchestrate train` learns from the team's corrections, `[triage] model` uses the refit,
and the ledger (and replay) says which model decided."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapters.mock.classifier.model import WEIGHTS
from orchestrator.config import load_config
from orchestrator.run.people import Correction
from orchestrator.run.runner import Orchestrator
from tests.helpers import events_of

# the packaged model calls each of these a feature or a bug; the team says: incidents
STALLED = [
    "Sync stalled for the finance workspace",
    "Invoices stalled for the billing workspace",
    "Exports stalled for the sales workspace",
]


def _corrected_ledger(ledger: Path) -> list[str]:
    with Orchestrator(load_config(ledger=ledger)) as orch:
        rids = [orch.submit(text).request_id for text in STALLED]
        for rid in rids:
            orch.reclassify(rid, "ops-lead", "it was down", Correction(kind="incident"))
    return rids


def _triaged(ledger: Path, rid: str) -> dict:
    return next(e for e in events_of(ledger, rid) if e["action"] == "TRIAGED")["details"]


def test_train_refits_from_corrections_and_triage_model_uses_it(cli, ledger_dir, write_config):
    rids = _corrected_ledger(ledger_dir)
    packaged = _triaged(ledger_dir, rids[0])["classifier"]
    assert packaged["path"] == "packaged" and _triaged(ledger_dir, rids[0])["kind"] != "incident"

    trained = cli("train", "--from-ledger", "--json", "--ledger", str(ledger_dir))
    assert trained.exit_code == 0, trained.stderr
    report = json.loads(trained.stdout)
    out = ledger_dir / "triage.model"
    assert report["out"] == str(out) and out.is_file() and report["corrections"] == 3
    before, after = report["before"], report["after"]
    assert before["model_sha256"] == packaged["payload_sha256"]
    assert after["model_sha256"] != before["model_sha256"]
    assert before["right"] == 0 and after["macro_f1"] > before["macro_f1"]
    assert WEIGHTS.read_bytes()[:20]  # the packaged file is still there, untouched by design

    cfg = write_config(f'[triage]\nmodel = "{out}"\n')
    again = cli("submit", STALLED[0], "--json", "--ledger", str(ledger_dir), "--config", str(cfg))
    assert again.exit_code == 0, again.stderr
    rid = json.loads(again.stdout)["request_id"]
    decided = _triaged(ledger_dir, rid)
    assert decided["classifier"] == {
        "payload_sha256": after["model_sha256"],
        "path": str(out),
        "created": decided["classifier"]["created"],
    }
    assert decided["kind"] == "incident"  # it learned what it was told
    replayed = cli("replay", rid, "--ledger", str(ledger_dir), "--config", str(cfg))
    assert f"model {after['model_sha256'][:12]}" in replayed.stdout


def test_train_text_report_names_before_after_and_the_change(cli, ledger_dir, tmp_path):
    _corrected_ledger(ledger_dir)
    out = ledger_dir / "elsewhere.model"
    held = tmp_path / "held.jsonl"
    rows = [{"text": "Payroll stalled for the HR workspace", "label": "incident"},
            {"text": "Add dark mode to the settings page", "label": "feature"}]  # fmt: skip
    held.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = cli(
        "train", "--from-ledger", "--out", str(out), "--check", str(held),
        "--ledger", str(ledger_dir),
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "macro-F1 on the corrected tickets: before 0.000" in result.stdout
    assert "after " in result.stdout and " — +" in result.stdout and out.is_file()
    assert f"macro-F1 on {held} (2 tickets): before" in result.stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ([], "nothing to train on"),
        (["--from-ledger"], "at least 2"),
        (["--from-ledger", "--out", str(WEIGHTS)], "packaged model"),
        (["--data", "missing.jsonl"], "not found"),
        (["--from-ledger", "--check", "missing.jsonl"], "not found"),
    ],
)
def test_train_refusals_are_one_line_and_write_no_model(cli, ledger_dir, args, says):
    with Orchestrator(load_config(ledger=ledger_dir)) as orch:
        orch.submit(STALLED[0])
    before = WEIGHTS.read_bytes()
    result = cli("train", *args, "--ledger", str(ledger_dir))
    assert result.exit_code in (2, 3), result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: ") and says in line
    assert not (ledger_dir / "triage.model").exists() and WEIGHTS.read_bytes() == before


def test_a_missing_triage_model_refuses_before_anything_is_written(cli, ledger_dir, write_config):
    cfg = write_config('[triage]\nmodel = "nowhere.model"\n')
    result = cli("submit", STALLED[0], "--ledger", str(ledger_dir), "--config", str(cfg))
    assert result.exit_code == 6 and "nowhere.model" in result.stderr
    assert not ledger_dir.exists()

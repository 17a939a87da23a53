"""Escalation: the offline gate decides what it is sure of; unsure items go to the named
runtime (here `claude` over the real SDK against the loopback fake), and the ledger keeps both."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fakes.server import FakeProvider, error, ok
from tests.helpers import actions, events_of

pytest_plugins = ("tests.fakes.fixtures",)

UNSURE = "hello, see attached"
SURE = "Add support for exporting reports as CSV"
CLAUDE_SAYS = json.dumps(
    {
        "kind": "bug",
        "severity": "medium",
        "priority": "P3",
        "confidence": 0.83,
        "rationale": "An attachment about a defect, by its wording",
        "signals": ["see attached"],
    }
)


def _config(tmp_path: Path, fake: FakeProvider) -> Path:
    path = tmp_path / "orchestrate.toml"
    path.write_text(
        '[triage]\nescalate_below = 0.6\nescalate_to = "claude"\n'
        f'[runtimes.claude]\nbase_url = "{fake.url}"\ntimeout_s = 5\n'
        "[retry]\nmax_attempts = 2\nbase_delay_s = 0.001\nmax_delay_s = 0.01\n",
        encoding="utf-8",
    )
    return path


def _submit(cli, ledger_dir: Path, config: Path, text: str) -> tuple[dict, list[dict]]:
    out = cli("submit", text, "--ledger", str(ledger_dir), "--config", str(config), "--json")
    assert out.exit_code in (0, 1), out.stderr
    result = json.loads(out.stdout)
    return result, events_of(ledger_dir, result["request_id"])


@pytest.mark.usefixtures("provider_env")
def test_an_unsure_item_is_decided_by_the_escalation_runtime(cli, ledger_dir, tmp_path, fake):
    fake.script(ok(CLAUDE_SAYS))
    result, events = _submit(cli, ledger_dir, _config(tmp_path, fake), UNSURE)
    assert [r.route for r in fake.model_requests()] == ["anthropic"]
    assert result["triage"]["kind"] == "bug" and result["triage"]["runtime"] == "claude"
    [escalated] = [e["details"] for e in events if e["action"] == "ESCALATED"]
    assert escalated["from_runtime"] == "mock" and escalated["to_runtime"] == "claude"
    assert escalated["confidence"] < 0.6 and escalated["error"] is None
    [triaged] = [e["details"] for e in events if e["action"] == "TRIAGED"]
    first = triaged["escalated_from"]
    assert first["runtime"] == "mock" and first["needs_review"] is True and first["raw"]
    assert triaged["runtime"] == "claude" and triaged["raw"] == CLAUDE_SAYS
    assert actions(events).index("ESCALATED") < actions(events).index("TRIAGED")
    replay = cli("replay", result["request_id"], "--ledger", str(ledger_dir), "--json")
    assert replay.exit_code == 0 and json.loads(replay.stdout)["status"] == "unchanged"


@pytest.mark.usefixtures("provider_env")
def test_a_confident_item_is_decided_offline(cli, ledger_dir, tmp_path, fake):
    result, events = _submit(cli, ledger_dir, _config(tmp_path, fake), SURE)
    assert fake.model_requests() == []
    assert result["triage"]["runtime"] == "mock" and result["triage"]["kind"] == "feature"
    assert "ESCALATED" not in actions(events)
    [triaged] = [e["details"] for e in events if e["action"] == "TRIAGED"]
    assert triaged["escalated_from"] is None


@pytest.mark.usefixtures("provider_env")
def test_a_failing_escalation_keeps_the_offline_verdict_for_review(cli, ledger_dir, tmp_path, fake):
    fake.default = error(500, "upstream down")
    result, events = _submit(cli, ledger_dir, _config(tmp_path, fake), UNSURE)
    assert len(fake.model_requests()) == 2  # retried, then given up: triage never blocks on it
    assert result["state"] in ("CLOSED", "BLOCKED") and result["triage"]["runtime"] == "mock"
    [triaged] = [e["details"] for e in events if e["action"] == "TRIAGED"]
    assert triaged["needs_review"] is True and triaged["escalated_from"] is None
    [escalated] = [e["details"] for e in events if e["action"] == "ESCALATED"]
    assert "HTTP 500" in escalated["error"]

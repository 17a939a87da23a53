"""`orchestrate stats` on a ledger the test builds with real submits at times it chooses."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from orchestrator.ledger import files, sealing
from tests.helpers import events_of

INCIDENT_1 = "Production outage: checkout returns 503 for all users since the deploy"
INCIDENT_2 = "Production outage: payments API returns 500 for every customer right now"
BUG_FALLBACK = "Crash when saving a draft: expected saved, got TypeError in editor.js"
BUG_BLOCKED = "Export button crashes with NullPointerException when the list is empty"
FEATURE = "Add support for exporting reports as CSV"
BUG_ESCALATED = "Typo on the settings page: the Pasword label is misspelled"

PRICES = '[prices."mock-1"]\ninput_per_mtok = 2.0\noutput_per_mtok = 10.0\n'
DAY = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


class Clock:
    """The ledger's clock: a request is created at `start`; its run's events land `takes`
    later, so its time to close is exactly `takes`."""

    def __init__(self) -> None:
        self.now = DAY
        self.takes = timedelta(0)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(files, "utc_now", clock)  # packets' created_at
    monkeypatch.setattr(sealing, "utc_now", clock)  # events' ts
    create = files.FileLedger.create_request

    def created_then_run_later(self: files.FileLedger, *args: Any, **kw: Any) -> Any:
        made = create(self, *args, **kw)
        clock.now += clock.takes
        return made

    monkeypatch.setattr(files.FileLedger, "create_request", created_then_run_later)
    return clock


@pytest.fixture
def ledger(
    cli: Callable[..., Any],
    clock: Clock,
    ledger_dir: Path,
    write_config: Callable[..., Path],
    write_script: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, str]:
    """Six items over six days: kind → request ids, plus `config` for the stats command."""

    def submit(day: int, takes_s: float, text: str, toml: str = "") -> str:
        clock.now, clock.takes = DAY + timedelta(days=day), timedelta(seconds=takes_s)
        config = write_config(PRICES + toml, name=f"day{day}.toml")
        result = cli("submit", text, "--json", "--ledger", str(ledger_dir), "--config", str(config))
        assert result.exit_code in (0, 1), result.stderr
        return str(json.loads(result.stdout)["request_id"])

    retry = write_script({"dev": [{"$error": "transient"}, {}]}, name="retry.json")
    blocking = write_script({"test": ['{"verdict": "maybe"}']}, name="block.json")
    ids = {
        "incident": submit(0, 600, INCIDENT_1),
        "incident-retried": submit(1, 1800, INCIDENT_2, f'[runtimes.mock]\nscript = "{retry}"\n'),
        "bug-fallback": submit(
            2,
            120,
            BUG_FALLBACK,
            '[roles]\ntest = "claude"\n[fallback]\ntest = ["claude", "mock"]\n',
        ),
        "bug-blocked": submit(3, 45, BUG_BLOCKED, f'[runtimes.mock]\nscript = "{blocking}"\n'),
        "feature": submit(4, 3600, FEATURE),
    }
    # claude has no key here: the escalation is recorded, the offline verdict stands
    escalate = '[triage]\nescalate_below = 0.999\nescalate_to = "claude"\n'
    ids["bug-escalated"] = submit(5, 60, BUG_ESCALATED, escalate)
    ids["config"] = str(write_config(PRICES, name="stats.toml"))
    return ids


def _stats(cli: Callable[..., Any], ledger_dir: Path, config: str, *args: str) -> dict[str, Any]:
    result = cli("stats", "--json", "--ledger", str(ledger_dir), "--config", config, *args)
    assert result.exit_code == 0, result.stderr
    return dict(json.loads(result.stdout))


def _usage(ledger_dir: Path, rids: list[str]) -> tuple[int, int, int]:
    """Calls and tokens as the ledger records them (TRIAGED and ROLE_COMPLETED)."""
    calls = [
        e["details"]["usage"]
        for rid in rids
        for e in events_of(ledger_dir, rid)
        if e["action"] in ("TRIAGED", "ROLE_COMPLETED")
    ]
    return len(calls), sum(u["input_tokens"] for u in calls), sum(u["output_tokens"] for u in calls)


def _cost(tokens_in: int, tokens_out: int) -> float:
    return round((tokens_in * 2.0 + tokens_out * 10.0) / 1e6, 6)


def test_counts_times_tokens_cost_escalations_retries_and_fallbacks(
    cli: Callable[..., Any], ledger: dict[str, str], ledger_dir: Path
) -> None:
    stats = _stats(cli, ledger_dir, ledger["config"])
    assert stats["items"] == 6
    kinds = stats["by_kind"]
    assert set(kinds) == {"incident", "bug", "feature"}

    incident, bug, feature = kinds["incident"], kinds["bug"], kinds["feature"]
    assert (incident["items"], incident["states"]) == (2, {"CLOSED": 2})
    assert (bug["items"], bug["states"]) == (3, {"CLOSED": 2, "BLOCKED": 1})
    assert (feature["items"], feature["states"]) == (1, {"CLOSED": 1})
    # closed in 600 s and 1800 s: median 1200, p90 600 + 0.9 × 1200
    assert (incident["median_close_s"], incident["p90_close_s"]) == (1200.0, 1680.0)
    # 120 s and 60 s (the blocked one never closed)
    assert (bug["closed"], bug["median_close_s"], bug["p90_close_s"]) == (2, 90.0, 114.0)
    assert (feature["median_close_s"], feature["p90_close_s"]) == (3600.0, 3600.0)

    for kind, rids in {
        "incident": [ledger["incident"], ledger["incident-retried"]],
        "bug": [ledger["bug-fallback"], ledger["bug-blocked"], ledger["bug-escalated"]],
        "feature": [ledger["feature"]],
    }.items():
        calls, tokens_in, tokens_out = _usage(ledger_dir, rids)
        k = kinds[kind]
        assert (k["calls"], k["input_tokens"], k["output_tokens"]) == (calls, tokens_in, tokens_out)
        assert k["cost_usd"] == pytest.approx(_cost(tokens_in, tokens_out)) and k["cost_usd"] > 0

    # one transient retry (incident), two re-asks of an invalid reply (the blocked bug)
    assert (stats["retries"], stats["fallbacks"]) == (3, 1)
    assert (incident["retries"], incident["fallbacks"]) == (1, 0)
    assert (bug["retries"], bug["fallbacks"]) == (2, 1)
    runtimes = stats["by_runtime"]
    assert set(runtimes) == {"mock", "claude"}
    everything = _usage(ledger_dir, [v for k, v in ledger.items() if k != "config"])
    mock = runtimes["mock"]
    assert (mock["calls"], mock["input_tokens"], mock["output_tokens"]) == everything
    assert (mock["retries"], mock["fallbacks"]) == (3, 0)
    claude = runtimes["claude"]
    assert (claude["calls"], claude["fallbacks"], claude["cost_usd"]) == (0, 1, 0.0)

    assert stats["escalation"] == {"triaged": 6, "escalated": 1, "rate": 0.1667}
    assert (bug["escalated"], incident["escalated"]) == (1, 0)


def test_since_keeps_the_items_created_from_then_on(
    cli: Callable[..., Any], ledger: dict[str, str], ledger_dir: Path
) -> None:
    config = ledger["config"]
    from_day_3 = _stats(cli, ledger_dir, config, "--since", "2026-05-03")
    assert from_day_3["items"] == 4 and from_day_3["since"] == "2026-05-03T00:00:00+00:00"
    assert set(from_day_3["by_kind"]) == {"bug", "feature"}
    assert (from_day_3["retries"], from_day_3["fallbacks"]) == (2, 1)
    # the fallback bug was created at 09:00 UTC on the 3rd: 10:30+02:00 is before, 12:00 after
    assert _stats(cli, ledger_dir, config, "--since", "2026-05-03T10:30:00+02:00")["items"] == 4
    after = _stats(cli, ledger_dir, config, "--since", "2026-05-03T12:00:00+02:00")
    assert (after["items"], after["retries"], after["fallbacks"]) == (3, 2, 0)
    assert _stats(cli, ledger_dir, config, "--since", "2027-01-01")["items"] == 0


def test_json_shape(cli: Callable[..., Any], ledger: dict[str, str], ledger_dir: Path) -> None:
    stats = _stats(cli, ledger_dir, ledger["config"])
    assert set(stats) == {
        "since", "items", "by_kind", "by_runtime", "escalation", "retries", "fallbacks",
        "prices_as_of",
    }  # fmt: skip
    usage = {
        "calls", "input_tokens", "output_tokens", "cost_usd", "unpriced_models", "retries",
        "fallbacks",
    }  # fmt: skip
    kind_keys = {"items", "states", "closed", "median_close_s", "p90_close_s", "escalated"}
    assert set(stats["by_kind"]["bug"]) == usage | kind_keys
    assert set(stats["by_runtime"]["mock"]) == usage


def test_human_report(cli: Callable[..., Any], ledger: dict[str, str], ledger_dir: Path) -> None:
    result = cli("stats", "--ledger", str(ledger_dir), "--config", ledger["config"])
    assert result.exit_code == 0
    out = result.stdout
    assert out.startswith("6 items · escalated 1 of 6 triaged (17%) · 3 retries · 1 fallbacks")
    incident = next(line for line in out.splitlines() if line.startswith("incident "))
    assert incident.split()[:4] == ["incident", "2", "2", "0"]  # items, closed, blocked
    assert "20m 00s" in incident and "28m 00s" in incident
    assert "claude" in out and "list prices" in out


def test_an_unpriced_model_makes_the_cost_unknown_not_zero(
    cli: Callable[..., Any], ledger_dir: Path, write_config: Callable[..., Path]
) -> None:
    house = write_config('[runtimes.mock]\nmodel = "house-model"\n')
    assert cli("submit", BUG_FALLBACK, "--ledger", str(ledger_dir), "--config", str(house))
    stats = _stats(cli, ledger_dir, str(house))
    bug, mock = stats["by_kind"]["bug"], stats["by_runtime"]["mock"]
    assert bug["cost_usd"] is None and bug["unpriced_models"] == ["house-model"]
    assert mock["cost_usd"] is None and bug["input_tokens"] > 0
    shown = cli("stats", "--ledger", str(ledger_dir), "--config", str(house)).stdout
    assert "no price for house-model" in shown


def test_bad_since_is_one_line_and_exit_2(cli: Callable[..., Any], ledger_dir: Path) -> None:
    result = cli("stats", "--since", "yesterday", "--ledger", str(ledger_dir))
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: --since 'yesterday': expected a date like 2026-05-01")


def test_no_ledger_is_exit_3(cli: Callable[..., Any], tmp_path: Path) -> None:
    result = cli("stats", "--ledger", str(tmp_path / "nowhere"))
    assert result.exit_code == 3
    assert result.stderr.startswith("error: no ledger at")


def test_an_empty_ledger_says_so(cli: Callable[..., Any], ledger_dir: Path) -> None:
    (ledger_dir / "requests").mkdir(parents=True)
    (ledger_dir / "events").mkdir()
    result = cli("stats", "--ledger", str(ledger_dir))
    assert result.exit_code == 0 and result.stdout.strip() == "no requests"

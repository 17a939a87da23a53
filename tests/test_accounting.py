"""Cost estimates: default prices, dated snapshots, config overrides, unknown models."""

from __future__ import annotations

import pytest

from orchestrator import load_config
from orchestrator.accounting import DEFAULT_PRICES, ModelPrice, estimate_cost, total
from orchestrator.ledger.fold import RoleRecord


def test_default_models_of_every_runtime_are_priced() -> None:
    for model in ("claude-sonnet-4-6", "gpt-5.3-codex", "openai/gpt-4.1", "mock-1"):
        assert model in DEFAULT_PRICES
    assert estimate_cost("claude-sonnet-4-6", 1_000_000, 1_000_000) == pytest.approx(18.0)
    assert estimate_cost("gpt-5.3-codex", 2_000, 500) == pytest.approx(0.0105)
    assert estimate_cost("mock-1", 10_000, 10_000) == 0.0


def test_snapshots_prefixes_and_unknown_models() -> None:
    assert estimate_cost("claude-sonnet-4-6-20260217", 1_000_000, 0) == pytest.approx(3.0)
    assert estimate_cost("openai/gpt-5", 1_000_000, 0) == pytest.approx(1.25)
    assert estimate_cost("someone/unknown-model", 10, 10) is None


def test_overrides_win_and_accept_config_sections(tmp_path, monkeypatch) -> None:
    overrides = {"gpt-5.3-codex": ModelPrice(input_per_mtok=1.0, output_per_mtok=2.0)}
    assert estimate_cost("gpt-5.3-codex", 1_000_000, 1_000_000, overrides) == pytest.approx(3.0)
    cfg_file = tmp_path / "orchestrate.toml"
    cfg_file.write_text('[prices."my/model"]\ninput_per_mtok = 4\noutput_per_mtok = 8\n')
    cfg = load_config(cfg_file)
    assert estimate_cost("my/model", 500_000, 250_000, cfg.prices) == pytest.approx(4.0)


def test_summary_totals_and_flags_unpriced_models() -> None:
    lines = [
        RoleRecord(role="triage", model="claude-sonnet-4-6", input_tokens=1000, output_tokens=200),
        RoleRecord(role="dev", model="gpt-5.3-codex", input_tokens=3000, output_tokens=800),
    ]
    report = total(lines)
    assert (report.input_tokens, report.output_tokens) == (4000, 1000)
    assert report.cost_usd == pytest.approx(0.006 + 0.00525 + 0.0112)
    assert [line.cost_usd is not None for line in report.lines] == [True, True]
    assert report.total_tokens == 5000
    unknown = total([*lines, RoleRecord(role="pm", model="mystery", input_tokens=1)])
    assert unknown.cost_usd is None and unknown.unpriced_models == ["mystery"]

"""Config precedence (file < env < flag) and bad input: one line, exit 2, nothing written."""

from __future__ import annotations

import json

import pytest

from orchestrator import load_config


def test_no_config_means_every_role_on_mock():
    cfg = load_config(env={})
    assert {cfg.runtime_for(r) for r in ("triage", "pm", "dev", "test", "ops")} == {"mock"}


def test_precedence_file_then_env_then_flag(write_config):
    path = write_config('[roles]\nall = "mock"\ndev = "claude"\ntest = "claude"\n')
    cfg = load_config(path, env={})
    assert cfg.roles["dev"] == "claude" and cfg.roles["pm"] == "mock"
    cfg = load_config(path, env={"ORCHESTRATE_RUNTIME": "dev=codex"})
    assert cfg.roles["dev"] == "codex" and cfg.roles["test"] == "claude"
    cfg = load_config(path, env={"ORCHESTRATE_RUNTIME": "dev=codex"}, runtime_flags=["dev=mock"])
    assert cfg.roles["dev"] == "mock" and cfg.roles["test"] == "claude"
    cfg = load_config(path, env={}, runtime_flags=["all=copilot"])
    assert set(cfg.roles.values()) == {"copilot"}


def test_ledger_path_precedence(write_config, tmp_path):
    path = write_config('[ledger]\npath = "from-file"\n')
    assert load_config(path, env={}).ledger_path.name == "from-file"
    env = {"ORCHESTRATE_LEDGER": "from-env"}
    assert load_config(path, env=env).ledger_path.name == "from-env"
    assert load_config(path, env=env, ledger=tmp_path / "flag").ledger_path.name == "flag"


def test_per_role_runtime_is_recorded_per_event(cli, ledger_dir, write_config):
    cfg = write_config('[runtimes.mock]\nmodel = "mock-special"\n')
    result = cli(
        "submit", "Add dark mode", "--ledger", str(ledger_dir), "--config", str(cfg), "--json",
        "--runtime", "all=mock",
    )  # fmt: skip
    rid = json.loads(result.stdout)["request_id"]
    lines = (ledger_dir / "events" / f"{rid}.jsonl").read_text().splitlines()
    done = [json.loads(x)["details"] for x in lines if '"ROLE_COMPLETED"' in x]
    assert done and all(d["runtime"] == "mock" and d["model"] == "mock-special" for d in done)


@pytest.mark.parametrize(
    ("args", "stdin", "needle"),
    [
        (["submit", ""], None, "empty"),
        (["submit", "   \n\t "], None, "empty"),
        (["submit", "x" * 32_001], None, "limit"),
        (["submit", "-"], b"\xff\xfe\x00bad", "UTF-8"),
        (["submit", "-"], b"abc\x00def", "NUL"),
        (["submit", "login returns 500", "--runtime", "dev=nosuch"], None, "unknown runtime"),
        (["submit", "login returns 500", "--runtime", "cook=mock"], None, "unknown role"),
        (["submit", "login returns 500", "--runtime", "devmock"], None, "ROLE=RUNTIME"),
        (["submit"], None, "no text"),
        (["triage", ""], None, "empty"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(cli, ledger_dir, args, stdin, needle):
    result = cli(*args, "--ledger", str(ledger_dir)) if args[0] == "submit" else cli(*args)
    if stdin is not None:
        result = cli(*args, "--ledger", str(ledger_dir), input=stdin)
    assert result.exit_code == 2, result.stdout + result.stderr
    assert needle in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert not (ledger_dir / "requests").exists() or not any((ledger_dir / "requests").iterdir())


def test_malformed_toml_is_one_line(cli, ledger_dir, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[roles\ndev = ", encoding="utf-8")
    result = cli("submit", "login returns 500", "--config", str(bad), "--ledger", str(ledger_dir))
    assert result.exit_code == 2 and "malformed config" in result.stderr
    assert not ledger_dir.exists()


def test_invalid_config_value_is_one_line(cli, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[routing]\nmax_review_rounds = "lots"\n', encoding="utf-8")
    result = cli("graph", "--config", str(bad))
    assert result.exit_code == 2 and "max_review_rounds" in result.stderr


def test_config_in_working_directory_is_found(cli, tmp_path):
    (tmp_path / "orchestrate.toml").write_text('[roles]\ndev = "nosuch"\n', encoding="utf-8")
    result = cli("triage", "login returns 500")
    assert result.exit_code == 2 and "nosuch" in result.stderr


def test_stdin_text_is_accepted(cli, ledger_dir):
    result = cli(
        "submit", "-", "--ledger", str(ledger_dir), "--json", input="checkout is down for everyone"
    )
    assert result.exit_code == 0
    assert json.loads(result.stdout)["triage"]["kind"] == "incident"


def test_init_writes_a_starter_that_loads(cli, tmp_path):
    assert cli("init").exit_code == 0
    assert load_config(tmp_path / "orchestrate.toml", env={}).runtime_for("dev") == "mock"
    again = cli("init")
    assert again.exit_code == 2 and "exists" in again.stderr


def test_graph_prints_mermaid(cli):
    result = cli("graph")
    assert result.exit_code == 0
    assert result.stdout.startswith("flowchart LR") and "incident_ops" in result.stdout


def test_triage_file_outputs_one_json_line_per_item(cli, tmp_path):
    items = tmp_path / "items.jsonl"
    items.write_text(
        '{"id": "a", "text": "Add CSV export"}\n{"text": "site is down for everyone"}\nnot json\n',
        encoding="utf-8",
    )
    result = cli("triage", "--file", str(items), "--json")
    rows = [json.loads(x) for x in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["a", "2"] and rows[1]["kind"] == "incident"
    assert result.exit_code == 2 and "items.jsonl:3" in result.stderr


@pytest.mark.parametrize("body", ['roles = "mock"\n', 'ledger = "x"\n', "routing = 3\n"])
def test_a_section_that_is_not_a_table_is_one_line(cli, tmp_path, body):
    bad = tmp_path / "shape.toml"
    bad.write_text(body, encoding="utf-8")
    env = {"ORCHESTRATE_LEDGER": str(tmp_path / "l"), "ORCHESTRATE_MAX_REVIEW_ROUNDS": "2"}
    result = cli("triage", "login returns 500", "--config", str(bad), env=env)
    assert result.exit_code == 2 and "must be a table" in result.stderr


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("[runtimes.mock]\nlatncy_ms = 400\n", "runtimes.mock.latncy_ms: unknown key"),
        ('[runtimes.claude]\nmodle = "claude-x"\n', "runtimes.claude.modle: unknown key"),
        ('[runtimes.codex]\nreasoning_effort = "max"\n', "runtimes.codex.reasoning_effort: "),
        ('[runtimes.mock]\nlatency_ms = "fast"\n', "runtimes.mock.latency_ms: Input should be"),
        ("[runtimes.mock]\nfail_rate = 7\n", "runtimes.mock.fail_rate: Input should be less"),
        ('[runtimes.claude-code]\nexecutible = "claude"\n', "runtimes.claude-code.executible"),
        ("[runtimes.nosuch]\nmodel = 1\n", "[runtimes.nosuch]: unknown runtime 'nosuch'"),
        ("[retry]\nmax_atempts = 3\n", "retry.max_atempts: unknown key"),
        ("[limits]\nmax_text = 3\n", "limits.max_text: unknown key"),
        ("[routing]\nmax_review_round = 2\n", "routing.max_review_round: unknown key"),
        ('[ledger]\npth = "x"\n', "ledger.pth: unknown key"),
        ("[graph]\ncheckpionts = true\n", "graph.checkpionts: unknown key"),
        ('[prices."m"]\ninput_per_mtok = 1\noutput_per_mtok = 2\nvat = 2\n', "prices.m.vat"),
        ('[rolse]\ndev = "mock"\n', "rolse: unknown key"),
    ],
)
def test_typos_and_bad_types_in_any_table_are_one_line_naming_key_and_file(
    cli, ledger_dir, tmp_path, body, expected
):
    cfg = tmp_path / "orchestrate.toml"
    cfg.write_text(body, encoding="utf-8")
    result = cli("submit", "login returns 500", "--ledger", str(ledger_dir), "--config", str(cfg))
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: ") and expected in line and str(cfg) in line
    assert not ledger_dir.exists()

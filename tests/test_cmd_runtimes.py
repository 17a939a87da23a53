"""`orchestrate runtimes`: usable now, breaker state, roles per runtime, and `--probe`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.breaker import STATE_SUBDIR, Breakers
from adapters.errors import TransientError
from orchestrator import load_config
from orchestrator.cli.cmd_runtimes import build_report, runtimes_command
from tests.fakes.fixtures import KEYS
from tests.fakes.server import FakeProvider, Reply

pytest_plugins = ("tests.fakes.fixtures",)


def config_for(tmp_path: Path, fake: FakeProvider | None = None, roles: str = "") -> Path:
    url = fake.url if fake else "http://127.0.0.1:9"
    body = (
        f'[ledger]\npath = "{tmp_path / "ledger"}"\n'
        f"[roles]\n{roles}\n"
        '[fallback]\ndev = ["codex", "claude", "mock"]\n'
        f'[runtimes.claude]\nbase_url = "{url}"\n'
        f'[runtimes.codex]\nbase_url = "{url}/v1"\n'
        f'[runtimes.copilot]\nbase_url = "{url}"\n'
    )
    path = tmp_path / "orchestrate.toml"
    path.write_text(body, encoding="utf-8")
    return path


def row(report, name):
    return next(r for r in report.runtimes if r.name == name)


def test_lists_every_runtime_with_usable_roles_and_breaker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEYS["OPENAI_API_KEY"])
    cfg = load_config(config_for(tmp_path, roles='triage = "claude"\ndev = "codex"'))
    Breakers(tmp_path / "ledger" / STATE_SUBDIR, threshold=1).failure(
        "claude", TransientError("claude: HTTP 503: overloaded")
    )
    report = build_report(cfg)
    names = [r.name for r in report.runtimes]
    assert {"mock", "claude", "codex", "copilot"} <= set(names)
    claude, codex, mock = row(report, "claude"), row(report, "codex"), row(report, "mock")
    assert not claude.usable and "ANTHROPIC_API_KEY" in claude.detail
    assert claude.roles == ["triage"] and claude.fallback_for == ["dev"]
    assert claude.breaker.state == "open" and claude.breaker.last_error_kind == "transient"
    assert codex.usable and codex.roles == ["dev"] and codex.model == "gpt-5.3-codex"
    assert set(mock.roles) == {"pm", "test", "ops"} and mock.breaker.state == "closed"
    assert KEYS["OPENAI_API_KEY"] not in report.model_dump_json()


def test_json_and_human_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = load_config(config_for(tmp_path, roles='test = "copilot"'))
    assert runtimes_command(cfg, probe=False, as_json=True) == 0
    data = json.loads(capsys.readouterr().out)
    copilot = next(r for r in data["runtimes"] if r["name"] == "copilot")
    assert copilot["usable"] is False and copilot["roles"] == ["test"]
    assert runtimes_command(cfg, probe=False, as_json=False) == 0
    text = capsys.readouterr().out
    assert "copilot" in text and "GITHUB_TOKEN" in text and "breakers:" in text


@pytest.mark.usefixtures("provider_env")
def test_probe_reports_latency_and_errors_without_keys(
    tmp_path: Path, fake: FakeProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.default = Reply()
    cfg = load_config(config_for(tmp_path, fake, roles='triage = "claude"\ntest = "copilot"'))
    fake.script(Reply(status=401, echo_auth=True))  # the first probe (claude) is refused
    code = runtimes_command(cfg, probe=True, as_json=True)
    data = json.loads(capsys.readouterr().out)
    probes = {r["name"]: r["probe"] for r in data["runtimes"]}
    assert probes["claude"]["ok"] is False and probes["claude"]["error_kind"] == "auth"
    assert "ANTHROPIC_API_KEY" in probes["claude"]["detail"]
    assert probes["codex"]["ok"] and probes["copilot"]["ok"]
    assert probes["copilot"]["latency_ms"] >= 0
    assert probes["mock"]["ok"]
    assert code == 6  # a runtime the config uses failed its probe
    assert len(fake.model_requests()) == 3
    for value in KEYS.values():
        assert value not in json.dumps(data)


def test_listing_imports_no_sdk(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from orchestrator.config import load_config\n"
        "from orchestrator.cli.cmd_runtimes import build_report\n"
        f"build_report(load_config(Path({str(config_for(tmp_path))!r})))\n"
        "print(sorted(m for m in ('openai', 'anthropic') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"

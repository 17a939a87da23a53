"""What the `OTEL_*` variables do to a real `orchestrate` process: nothing when unset, spans on
stderr with the console exporter, one warning line when the packages are missing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BUG = "Crash when saving a draft: expected saved, got TypeError in editor.js"

# Runs the CLI in-process, then reports which modules it loaded (stderr's last line).
PROBE = """
import json, sys
from orchestrator.cli.app import main
sys.argv = ["orchestrate", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
mods = sorted(m for m in sys.modules if m.startswith(("opentelemetry", "orchestrator.telemetry")))
print(json.dumps(mods), file=sys.stderr)
"""


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    return {**env, "ORCHESTRATE_LEDGER": str(tmp_path / "coordination"), **extra}


def _probe(tmp_path: Path, *args: str, prelude: str = "", **env: str) -> tuple[list[str], str]:
    out = subprocess.run(
        [sys.executable, "-c", prelude + PROBE, *args],
        env=_env(tmp_path, **env),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    last = out.stderr.strip().splitlines()[-1]
    return json.loads(last), out.stdout


def _baseline(tmp_path: Path) -> set[str]:
    """The OpenTelemetry modules LangGraph's own dependency (langsmith) imports, tried as
    optional; whatever a run imports beyond these would be ours."""
    code = (
        "import sys, json, langgraph.graph, langgraph.checkpoint.sqlite\n"
        "print(json.dumps([m for m in sys.modules if m.startswith('opentelemetry')]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=_env(tmp_path), capture_output=True, text=True
    )
    return set(json.loads(out.stdout))


def test_unconfigured_help_and_list_import_nothing_of_opentelemetry(tmp_path: Path) -> None:
    loaded, _ = _probe(tmp_path, "--help")
    assert loaded == []
    _probe(tmp_path, "submit", BUG)
    loaded, _ = _probe(tmp_path, "list")
    assert loaded == []


def test_unconfigured_submit_imports_none_of_ours_and_emits_nothing(tmp_path: Path) -> None:
    # a host that set a global SDK provider still gets nothing from an unconfigured run
    prelude = (
        "import atexit, sys\n"
        "from opentelemetry import trace\n"
        "from opentelemetry.sdk.trace import TracerProvider\n"
        "from opentelemetry.sdk.trace.export import SimpleSpanProcessor\n"
        "from opentelemetry.sdk.trace.export.in_memory_span_exporter import "
        "InMemorySpanExporter\n"
        "_mem = InMemorySpanExporter()\n"
        "_tp = TracerProvider(); _tp.add_span_processor(SimpleSpanProcessor(_mem))\n"
        "trace.set_tracer_provider(_tp)\n"
        "atexit.register(lambda: print('spans', len(_mem.get_finished_spans())))\n"
    )
    loaded, stdout = _probe(tmp_path, "submit", BUG, "--json", prelude=prelude)
    assert json.loads(stdout.splitlines()[0])["state"] == "CLOSED"
    assert stdout.splitlines()[-1] == "spans 0"
    assert [m for m in loaded if m.startswith("orchestrator.telemetry.")] == [
        "orchestrator.telemetry.api",
        "orchestrator.telemetry.settings",
    ]

    plain, _ = _probe(tmp_path, "submit", BUG)
    ours = [m for m in plain if m.startswith("orchestrator.telemetry.")]
    assert ours == ["orchestrator.telemetry.api", "orchestrator.telemetry.settings"]
    otel = {m for m in plain if m.startswith("opentelemetry")}
    assert otel <= _baseline(tmp_path), sorted(otel - _baseline(tmp_path))


def test_console_exporter_prints_the_trace_on_stderr_and_json_stays_clean(
    tmp_path: Path,
) -> None:
    out = subprocess.run(
        [str(Path(sys.executable).with_name("orchestrate")), "submit", BUG, "--json"],
        env=_env(tmp_path, OTEL_TRACES_EXPORTER="console"),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    [line] = out.stdout.splitlines()
    rid = json.loads(line)["request_id"]
    spans = _console_spans(out.stderr)
    names = [s["name"] for s in spans]
    assert names.count("invoke_workflow orchestrate") == 1
    assert {"invoke_agent triage", "invoke_agent dev", "invoke_agent test"} <= set(names)
    assert "chat mock-1" in names
    assert len({s["context"]["trace_id"] for s in spans}) == 1
    assert all(s["attributes"]["orchestrate.request.id"] == rid for s in spans)
    assert spans[0]["resource"]["attributes"]["service.name"] == "orchestrate"


def _console_spans(stderr: str) -> list[dict[str, object]]:
    """The console exporter's output: pretty-printed JSON objects, one after another."""
    decoder, spans, text = json.JSONDecoder(), [], stderr.strip()
    at = 0
    while at < len(text):
        span, end = decoder.raw_decode(text, at)
        spans.append(span)
        at = end
        while at < len(text) and text[at].isspace():
            at += 1
    return spans


@pytest.mark.parametrize("submits", [1, 2])
def test_configured_without_the_packages_is_one_warning_line(tmp_path: Path, submits: int) -> None:
    code = (
        "import sys\n"
        "sys.modules['opentelemetry'] = None  # as if the otel extra were not installed\n"
        "from orchestrator import Orchestrator, load_config\n"
        "with Orchestrator(load_config()) as orch:\n"
        f"    for _ in range({submits}):\n"
        f"        print(orch.submit({BUG!r}).state)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=_env(tmp_path, OTEL_TRACES_EXPORTER="otlp"),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["CLOSED"] * submits
    [warning] = out.stderr.strip().splitlines()
    assert warning.startswith("warning: OTEL_TRACES_EXPORTER")
    assert "pip install 'orchestrate[otel]'" in warning

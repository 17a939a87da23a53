"""The Python API is `from orchestrator import Orchestrator, load_config`, and it is lazy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from orchestrator import Orchestrator, load_config


def test_submit_through_the_public_api(tmp_path: Path) -> None:
    config = load_config(env={}, ledger=tmp_path / "coordination")
    with Orchestrator(config) as orch:
        result = orch.submit("Add support for exporting reports as CSV", title="CSV export")
        again = orch.result(result.request_id)
    assert result.state == "CLOSED" and result.triage is not None
    assert result.triage.kind == "feature" and result.stages[0] == ["pm"]
    assert again == result
    assert orch.ledger.read_request(result.request_id).title == "CSV export"


def test_importing_the_package_loads_neither_config_nor_runner() -> None:
    probe = (
        "import sys, orchestrator, orchestrator.cli.app\n"
        "print(any(m in sys.modules for m in ('orchestrator.config', 'orchestrator.run.runner')))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

"""langgraph.json points LangGraph's tooling at a graph that runs a submitted item."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

from orchestrator.ledger import FileLedger
from orchestrator.ledger.verify import verify

ROOT = Path(__file__).resolve().parents[1]


def test_langgraph_json_names_the_studio_graph_and_it_runs(tmp_path, monkeypatch):
    spec = json.loads((ROOT / "langgraph.json").read_text())
    module_path, _, attr = spec["graphs"]["orchestrate"].partition(":")
    assert (ROOT / module_path).is_file() and attr == "graph"
    monkeypatch.setenv("ORCHESTRATE_LEDGER", str(tmp_path / "coordination"))
    studio = importlib.reload(importlib.import_module("orchestrator.run.studio"))
    ledger = FileLedger(tmp_path / "coordination")
    rid = ledger.create_request("checkout returns 503 for everyone", "checkout").packet.request_id
    out = getattr(studio, attr).invoke({"request_id": rid})
    assert out["outcome"] == "closed" and ledger.view(rid).state.value == "CLOSED"
    assert verify(ledger).ok

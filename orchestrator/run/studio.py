"""Entry point for LangGraph's dev tooling (`langgraph.json`): the graph on the default config."""

from __future__ import annotations

from orchestrator.config import load_config
from orchestrator.ledger.backends import open_ledger
from orchestrator.run.graph import build
from orchestrator.run.nodes import Nodes

_config = load_config()
graph = build(Nodes(_config, open_ledger(_config)))

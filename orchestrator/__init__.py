"""orchestrate: triage work items and run them through role agents, every step in a ledger.

The Python API is two names: `Orchestrator(config).submit(text)` and `load_config(...)`.
They are imported on first use, so `import orchestrator.cli` (and `orchestrate --help`)
pays for neither.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from orchestrator.config import load_config
    from orchestrator.run.runner import Orchestrator

__all__ = ["Orchestrator", "load_config"]


def __getattr__(name: str) -> Any:
    if name == "Orchestrator":
        from orchestrator.run.runner import Orchestrator

        return Orchestrator
    if name == "load_config":
        from orchestrator.config import load_config

        return load_config
    raise AttributeError(f"module 'orchestrator' has no attribute {name!r}")

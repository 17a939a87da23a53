"""Which ledger a configuration names: the one place a backend is chosen.

Today the embedded file ledger; every command, the runner and the service open their ledger
through here, so a shared backend (PostgreSQL) plugs in by the same door.
"""

from __future__ import annotations

from orchestrator.config import Config
from orchestrator.ledger.files import FileLedger


def open_ledger(config: Config) -> FileLedger:
    return FileLedger(config.ledger_path)

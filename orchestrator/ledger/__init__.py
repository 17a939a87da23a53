"""The coordination ledger: repository interface, file implementation, verification."""

from __future__ import annotations

from typing import TYPE_CHECKING

from orchestrator.ledger.files import FileLedger, ledger_root
from orchestrator.ledger.fold import ItemView, fold
from orchestrator.ledger.repository import Created, LedgerRepository

__all__ = ["Created", "FileLedger", "ItemView", "LedgerRepository", "fold", "ledger_root"]

if TYPE_CHECKING:  # mypy checks that the file ledger implements the whole interface
    _implements: type[LedgerRepository] = FileLedger

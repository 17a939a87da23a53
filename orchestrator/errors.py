"""User-facing errors: each carries the exit code the CLI returns and one clear line."""

from __future__ import annotations


class OrchestrateError(Exception):
    """Base of every error the CLI turns into one line and an exit code."""

    exit_code = 2


class InputError(OrchestrateError):
    """Bad input from the user: text, ids, flags, config."""

    exit_code = 2


class NotFoundError(OrchestrateError):
    """A request, ledger or file the user named does not exist."""

    exit_code = 3


class IllegalTransition(OrchestrateError):
    """A state change the lifecycle does not allow; nothing is written."""

    exit_code = 4


class LedgerCorrupt(OrchestrateError):
    """The ledger cannot be read as written; `orchestrate verify` says where."""

    exit_code = 5

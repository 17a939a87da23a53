"""Which ledger a configuration names: the one place a backend is chosen.

`[ledger] url` (or a URL in `--ledger` / `ORCHESTRATE_LEDGER`) picks a backend by its
scheme; otherwise the embedded file ledger at `[ledger] path`. A backend's driver is
imported only when its scheme is used.
"""

from __future__ import annotations

from collections.abc import Callable

from orchestrator.config import Config
from orchestrator.errors import InputError
from orchestrator.ledger import urls
from orchestrator.ledger.files import FileLedger
from orchestrator.ledger.repository import LedgerRepository

Opener = Callable[[str, Config], LedgerRepository]


def _postgres(url: str, config: Config) -> LedgerRepository:
    from orchestrator.ledger.postgres.ledger import open_postgres

    return open_postgres(url, config)


_BY_SCHEME: dict[str, Opener] = {"postgresql": _postgres, "postgres": _postgres}


def open_ledger(config: Config) -> LedgerRepository:
    url = config.ledger.url
    if url is None:
        return FileLedger(config.ledger_path)
    opener = _BY_SCHEME.get(urls.scheme_of(url) or "")
    if opener is None:
        raise InputError(f"unsupported ledger URL {urls.redact(url)} (postgresql://…)")
    return opener(url, config)

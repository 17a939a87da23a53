"""One pool per database URL per process, and the one way to run a transaction on it.

A lost connection is retried with the project's retry policy (tenacity, backoff + jitter)
on a fresh connection; what still fails becomes one line without the URL's password.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from typing import TypeVar

import psycopg
from psycopg.rows import TupleRow
from psycopg_pool import ConnectionPool
from tenacity import (
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from adapters.policy import RetryPolicy
from orchestrator.errors import NotFoundError, OrchestrateError
from orchestrator.ledger import urls

T = TypeVar("T")
Conn = psycopg.Connection[TupleRow]
CONNECT_TIMEOUT_S = 5
POOL_MAX = 8  # per process: a worker's slots, its heartbeat and the service's readers

# The pool logs each failed reconnect; the caller reports the failure once, as one line.
logging.getLogger("psycopg.pool").setLevel(logging.CRITICAL)


class LedgerUnavailable(NotFoundError):
    """The database cannot be reached (or stopped answering mid-step): exit 3, resumable."""


class DatabaseRefused(OrchestrateError):
    """The database answered with an error the ledger cannot work around."""

    exit_code = 5


def describe(exc: BaseException, url: str) -> str:
    """The driver's first line, password removed."""
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return urls.scrub(first, url)


def connect(url: str) -> Conn:
    """A connection of its own (run locks, migrations), failing in one line."""
    try:
        return psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_S, autocommit=True)
    except psycopg.Error as exc:
        raise unavailable(exc, url) from None


def unavailable(exc: BaseException, url: str) -> LedgerUnavailable:
    return LedgerUnavailable(
        f"cannot reach the ledger database {urls.redact(url)}: {describe(exc, url)}"
    )


class Database:
    """A URL, its pool, and transactions that survive a dropped connection."""

    def __init__(self, url: str, policy: RetryPolicy) -> None:
        self.url = url
        self.label = urls.redact(url)
        self.policy = policy
        self.checked = False  # the schema, on this process's first open
        self._pool: ConnectionPool[Conn] | None = None
        self._lock = threading.Lock()

    @property
    def pool(self) -> ConnectionPool[Conn]:
        with self._lock:
            if self._pool is None:
                self._pool = ConnectionPool(
                    self.url,
                    min_size=1,
                    max_size=POOL_MAX,
                    kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT_S},
                    timeout=CONNECT_TIMEOUT_S * 2,
                    open=True,
                    check=ConnectionPool.check_connection,
                )
            return self._pool

    def transact(self, step: Callable[[Conn], T]) -> T:
        """Run `step` in one transaction; on a lost connection run it again on a new one.
        `step` must be safe to repeat: every step re-reads what it decides on under its lock."""
        retrying = Retrying(
            stop=stop_after_attempt(self.policy.max_attempts),
            wait=wait_random_exponential(
                multiplier=self.policy.base_delay_s, max=self.policy.max_delay_s
            ),
            retry=retry_if_exception_type(psycopg.OperationalError),
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt, self.pool.connection() as conn, conn.transaction():
                    return step(conn)
        except psycopg.OperationalError as exc:
            raise unavailable(exc, self.url) from None
        except psycopg.Error as exc:
            raise DatabaseRefused(
                f"the ledger database {self.label} refused: {describe(exc, self.url)}"
            ) from None
        raise AssertionError("unreachable: tenacity re-raises the last error")


_OPEN: dict[tuple[int, str], Database] = {}
_OPEN_LOCK = threading.Lock()


def database(url: str, policy: RetryPolicy) -> Database:
    """The process's pool for `url` (a forked child builds its own)."""
    key = (os.getpid(), url)
    with _OPEN_LOCK:
        found = _OPEN.get(key)
        if found is None:
            found = _OPEN[key] = Database(url, policy)
        return found

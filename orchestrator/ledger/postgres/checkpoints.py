"""LangGraph checkpoints in the ledger's database (PostgresSaver), a small pool per run
slot. Its tables are LangGraph's own: `db upgrade` sets them up, and so does the first saver
opened on a database without them (under a lock, so starting workers do not race)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import psycopg
from psycopg.rows import DictRow, dict_row

from orchestrator.errors import OrchestrateError
from orchestrator.ledger.postgres.connect import (
    CONNECT_TIMEOUT_S,
    Database,
    describe,
    unavailable,
)
from orchestrator.ledger.postgres.locks import advisory_key
from orchestrator.run.checkpoints import CheckpointError

_POLL_S = 0.05

if TYPE_CHECKING:
    from langgraph.checkpoint.base import BaseCheckpointSaver
    from langgraph.checkpoint.postgres import PostgresSaver


class PostgresCheckpoints:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.label = f"checkpoints in {db.label}"

    def check(self, thorough: bool = False) -> None:
        """Reachable is enough: the rows are the server's to keep whole."""
        self.db.transact(lambda conn: conn.execute("SELECT 1").fetchone())

    def open_saver(self) -> BaseCheckpointSaver[str]:
        """A saver on a small pool of its own: a connection that dropped is replaced on the
        next checkpoint instead of failing the run."""
        from langgraph.checkpoint.postgres import PostgresSaver
        from psycopg_pool import ConnectionPool

        pool: ConnectionPool[psycopg.Connection[DictRow]] = ConnectionPool(
            self.db.url,
            min_size=1,
            max_size=2,
            kwargs={
                "autocommit": True,
                "prepare_threshold": 0,
                "row_factory": dict_row,
                "connect_timeout": CONNECT_TIMEOUT_S,
            },
            timeout=CONNECT_TIMEOUT_S * 2,
            check=ConnectionPool.check_connection,
            open=True,
        )
        saver = PostgresSaver(pool)
        try:
            with pool.connection() as conn:
                if _applied(conn) < len(saver.MIGRATIONS) - 1:
                    _setup(conn, saver)
        except psycopg.OperationalError as exc:
            pool.close()
            raise unavailable(exc, self.db.url) from None
        except psycopg.Error as exc:
            pool.close()
            raise self.broken(exc) from None
        return saver

    def close(self, saver: BaseCheckpointSaver[str]) -> None:
        from langgraph.checkpoint.postgres import PostgresSaver

        if isinstance(saver, PostgresSaver):
            saver.conn.close()

    def broken(self, exc: BaseException) -> OrchestrateError:
        return CheckpointError(
            f"{self.label} are unreadable ({type(exc).__name__}: {describe(exc, self.db.url)}); "
            "nothing was written"
        )


def _applied(conn: psycopg.Connection[DictRow]) -> int:
    """LangGraph's newest applied checkpoint migration, -1 for none: a service role that
    may not create tables never runs `setup` on a database `db upgrade` prepared."""
    found = conn.execute("SELECT to_regclass('checkpoint_migrations') AS t").fetchone()
    if found is None or found["t"] is None:
        return -1
    row = conn.execute("SELECT coalesce(max(v), -1) AS v FROM checkpoint_migrations").fetchone()
    return int(row["v"]) if row is not None else -1


def _setup(conn: psycopg.Connection[DictRow], saver: PostgresSaver) -> None:
    """LangGraph's own migrations, one process at a time across machines. The lock is
    polled, not waited on: a session blocked in `pg_advisory_lock` holds a snapshot, and
    the migrations' CREATE INDEX CONCURRENTLY would wait for it — a deadlock."""
    key = advisory_key("schema", "checkpoints")
    while True:
        row = conn.execute("SELECT pg_try_advisory_lock(%s) AS got", (key,)).fetchone()
        if row is not None and row["got"]:
            break
        time.sleep(_POLL_S)
    try:
        if _applied(conn) < len(saver.MIGRATIONS) - 1:  # unless another process just did
            saver.setup()
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (key,))

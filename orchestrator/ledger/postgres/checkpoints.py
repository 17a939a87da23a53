"""LangGraph checkpoints in the ledger's database (PostgresSaver), one connection per run
slot. Its tables are LangGraph's own, set up (under a lock, so starting workers do not race)
when a saver is first opened."""

from __future__ import annotations

from typing import TYPE_CHECKING

import psycopg
from psycopg.rows import dict_row

from orchestrator.errors import OrchestrateError
from orchestrator.ledger.postgres.connect import (
    CONNECT_TIMEOUT_S,
    Database,
    describe,
    unavailable,
)
from orchestrator.ledger.postgres.locks import advisory_key
from orchestrator.run.checkpoints import CheckpointError

if TYPE_CHECKING:
    from langgraph.checkpoint.base import BaseCheckpointSaver


class PostgresCheckpoints:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.label = f"checkpoints in {db.label}"

    def check(self, thorough: bool = False) -> None:
        """Reachable is enough: the rows are the server's to keep whole."""
        self.db.transact(lambda conn: conn.execute("SELECT 1").fetchone())

    def open_saver(self) -> BaseCheckpointSaver[str]:
        from langgraph.checkpoint.postgres import PostgresSaver

        try:
            conn = psycopg.connect(
                self.db.url,
                autocommit=True,
                prepare_threshold=0,
                row_factory=dict_row,
                connect_timeout=CONNECT_TIMEOUT_S,
            )
        except psycopg.Error as exc:
            raise unavailable(exc, self.db.url) from None
        saver = PostgresSaver(conn)
        key = advisory_key("schema", "checkpoints")
        try:
            conn.execute("SELECT pg_advisory_lock(%s)", (key,))
            try:
                saver.setup()
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
        except psycopg.Error as exc:
            conn.close()
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

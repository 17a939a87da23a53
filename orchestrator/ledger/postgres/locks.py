"""Run locks across machines: a session advisory lock held on a connection of its own.

The lock lives exactly as long as that connection: a run that ends unlocks it, a process
that dies (even SIGKILL) drops the connection and the server lets the lock go at once.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import Iterator
from datetime import datetime

import psycopg

from orchestrator.ledger.events import Action
from orchestrator.ledger.models import LedgerEvent
from orchestrator.ledger.postgres.connect import (
    Conn,
    Database,
    LedgerUnavailable,
    connect,
    unavailable,
)
from orchestrator.ledger.runlock import WAIT_S, Busy

_POLL_S = 0.05
_BEFORE_A_RUN = frozenset({Action.REQUEST_CREATED, Action.QUEUED})


def advisory_key(kind: str, name: str) -> int:
    """A signed 64-bit key per (kind, name): run locks and idempotency keys never collide."""
    digest = hashlib.sha256(f"orchestrate:{kind}:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class PostgresHeld:
    """A run lock taken; `release` unlocks it and closes its connection."""

    def __init__(self, conn: Conn, key: int) -> None:
        self._conn: Conn | None = conn
        self._key = key

    def revive(self, url: str) -> bool:
        """After the server dropped this lock's connection (a restart, a failover), take the
        lock again on a new one; False if another process got it first, or the server is
        still away (the heartbeat tries again)."""
        if self._conn is None:
            return True
        try:
            self._conn.execute("SELECT 1")
            return True
        except psycopg.Error:
            self._conn.close()  # a dropped connection is only noticed when used
        try:
            conn = connect(url)
        except LedgerUnavailable:
            return False
        row = conn.execute("SELECT pg_try_advisory_lock(%s)", (self._key,)).fetchone()
        if row is None or not row[0]:
            conn.close()
            return False
        self._conn = conn
        return True

    def release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        with contextlib.suppress(psycopg.Error):  # a dropped connection unlocked it already
            conn.execute("SELECT pg_advisory_unlock(%s)", (self._key,))
        conn.close()


class PostgresRunLocks:
    def __init__(self, db: Database) -> None:
        self.db = db

    def try_take(self, request_id: str) -> PostgresHeld | None:
        key = advisory_key("run", request_id)
        conn = connect(self.db.url)
        try:
            row = conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()
        except psycopg.Error as exc:
            conn.close()
            raise unavailable(exc, self.db.url) from None
        if row is None or not row[0]:
            conn.close()
            return None
        return PostgresHeld(conn, key)

    @contextlib.contextmanager
    def hold(self, request_id: str) -> Iterator[None]:
        """Wait out a probe (`show`, `resume --all` hold it for a moment); a run elsewhere
        holds it for minutes: Busy."""
        deadline = time.monotonic() + WAIT_S
        while (held := self.try_take(request_id)) is None:
            if time.monotonic() >= deadline:
                raise Busy(f"{request_id} is being worked by another process")
            time.sleep(_POLL_S)
        try:
            yield
        finally:
            held.release()

    def is_running(self, request_id: str) -> bool:
        """Someone holds the lock: a probe through the pool, taken and given back at once."""
        key = advisory_key("run", request_id)

        def probe(conn: Conn) -> bool:
            row = conn.execute("SELECT pg_try_advisory_xact_lock(%s)", (key,)).fetchone()
            return row is None or not row[0]

        return self.db.transact(probe)

    def is_abandoned(self, request_id: str, grace_s: float) -> bool:
        """Not running, and either a run had begun (events past its creation) or it has
        waited `grace_s` since (its submitter may be just about to take the lock)."""
        if self.is_running(request_id):
            return False
        row = self.db.transact(
            lambda conn: conn.execute(
                "SELECT sealed FROM events WHERE request_id = %s ORDER BY seq DESC LIMIT 1",
                (request_id,),
            ).fetchone()
        )
        if row is None:
            return False
        last = LedgerEvent.model_validate_json(bytes(row[0]))
        if last.action not in _BEFORE_A_RUN:
            return True
        return time.time() - datetime.fromisoformat(last.ts).timestamp() >= grace_s

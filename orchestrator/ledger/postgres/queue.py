"""The queue in the database: claims with `FOR UPDATE SKIP LOCKED`, leases on the server's
clock (one clock for every machine), and each claim committed with its CLAIMED event.

`queue_items` holds one row per detached open item: `worker` NULL while it waits, set (with
`lease_until`) while a worker holds it. A claim also takes the item's run lock, so an item a
hung worker still runs is never run twice, only late; a dead worker's connection drops and
its lock with it, and once its lease lapses another worker takes the item over
(LEASE_EXPIRED, CLAIMED) and resumes it from the ledger.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from orchestrator.config import QueueSection
from orchestrator.ledger.events import Claimed, LeaseExpired
from orchestrator.ledger.lifecycle import TERMINAL, is_open
from orchestrator.ledger.models import iso, utc_now
from orchestrator.ledger.postgres.connect import Conn, LedgerUnavailable
from orchestrator.ledger.postgres.ledger import PostgresLedger
from orchestrator.ledger.postgres.locks import PostgresHeld
from orchestrator.ledger.postgres.records import enqueue
from orchestrator.ledger.repository import Draft, Held
from orchestrator.queue.base import MAX_ATTEMPTS, Claim

_CANDIDATES = 4  # rows locked per claim: enough to skip items whose run lock is taken

_LAPSED = (
    "SELECT request_id, worker, attempt FROM queue_items "
    "WHERE worker IS NOT NULL AND lease_until < now() AND attempt < %s "
    "ORDER BY day, number LIMIT %s FOR UPDATE SKIP LOCKED"
)
_WAITING = (
    "SELECT request_id, worker, attempt FROM queue_items WHERE worker IS NULL "
    "ORDER BY day, number LIMIT %s FOR UPDATE SKIP LOCKED"
)


class PostgresQueue:
    def __init__(self, ledger: PostgresLedger, settings: QueueSection) -> None:
        self.ledger = ledger
        self.db = ledger.db
        self.settings = settings

    # -- producers --------------------------------------------------------------------
    def enqueue(self, request_id: str) -> None:
        """Idempotent: `create_request` already queued it in the QUEUED transaction."""
        self.db.transact(lambda conn: enqueue(conn, request_id))

    def depth(self) -> int:
        row = self.db.transact(
            lambda conn: conn.execute(
                "SELECT count(*) FROM queue_items WHERE worker IS NULL"
            ).fetchone()
        )
        return int(row[0]) if row is not None else 0

    # -- workers ----------------------------------------------------------------------
    def claim(self, worker: str) -> Claim | None:
        """A lapsed lease first (its worker died), then the oldest waiting item."""
        return self._claim(worker, _LAPSED, (MAX_ATTEMPTS, _CANDIDATES)) or self._claim(
            worker, _WAITING, (_CANDIDATES,)
        )

    def _claim(self, worker: str, sql: str, args: tuple[int, ...]) -> Claim | None:
        def step(conn: Conn) -> Claim | None:
            for rid, holder, attempt in conn.execute(sql.encode(), args).fetchall():
                held = self.ledger.run_locks.try_take(rid)
                if held is None:
                    continue  # its worker still runs it (hung, not dead): never twice
                try:
                    claim = self._take(conn, rid, worker, holder, attempt, held)
                except BaseException:
                    held.release()
                    raise
                if claim is not None:
                    return claim
                held.release()
            return None

        return self.db.transact(step)

    def _take(
        self, conn: Conn, rid: str, worker: str, holder: str | None, attempt: int, held: Held
    ) -> Claim | None:
        """CLAIMED (after LEASE_EXPIRED for a takeover) and the lease, in one transaction;
        a finished item's row is dropped instead."""
        head = self.ledger.lock_and_head(conn, rid)
        if not is_open(head.state):
            conn.execute("DELETE FROM queue_items WHERE request_id = %s", (rid,))
            return None
        drafts = []
        if holder is not None:
            drafts.append(Draft("queue", LeaseExpired(worker=holder, expired_at=iso(utc_now()))))
        claimed = Claimed(worker=worker, lease_s=self.settings.lease_s, attempt=attempt + 1)
        drafts.append(Draft(worker, claimed))
        self.ledger.append_in(conn, rid, head, drafts)
        conn.execute(
            "UPDATE queue_items SET worker = %s, attempt = %s, "
            "lease_until = now() + make_interval(secs => %s) WHERE request_id = %s",
            (worker, attempt + 1, self.settings.lease_s, rid),
        )
        return Claim(rid, worker, attempt + 1, held)

    def renew(self, claim: Claim) -> None:
        """Extend the lease, first taking the run lock again if the server dropped its
        connection. A database away for a beat is no error: the lease has two more beats
        of slack, and the heartbeat must outlive the outage."""
        if isinstance(claim.held, PostgresHeld) and not claim.held.revive(self.db.url):
            return  # not ours to extend: let the lease lapse
        try:
            self.db.transact(
                lambda conn: conn.execute(
                    "UPDATE queue_items SET lease_until = now() + make_interval(secs => %s) "
                    "WHERE request_id = %s AND worker = %s",
                    (self.settings.lease_s, claim.request_id, claim.worker),
                )
            )
        except LedgerUnavailable:
            return

    def release(self, claim: Claim, keep_lease: bool = False) -> None:
        """The run ended: drop its row. After a failure the lease stays, so the item is
        taken over once it lapses (up to MAX_ATTEMPTS claims)."""
        try:
            if not keep_lease:
                self.db.transact(
                    lambda conn: conn.execute(
                        "DELETE FROM queue_items WHERE request_id = %s AND worker = %s",
                        (claim.request_id, claim.worker),
                    )
                )
        finally:
            claim.held.release()

    def busy(self) -> bool:
        row = self.db.transact(
            lambda conn: conn.execute(
                "SELECT EXISTS (SELECT 1 FROM queue_items WHERE worker IS NULL OR attempt < %s)",
                (MAX_ATTEMPTS,),
            ).fetchone()
        )
        return bool(row[0]) if row is not None else False

    def reconcile(self) -> int:
        """Rows for open items the index says are queued or claimed but that have none
        (a ledger copied in, or rows removed by hand); a claimed one's lease has lapsed."""
        terminal = [s.value for s in TERMINAL]

        def step(conn: Conn) -> int:
            cur = conn.execute(
                "INSERT INTO queue_items (request_id, day, number, worker, lease_until, attempt) "
                "SELECT i.request_id, i.day, i.number, "
                "CASE WHEN i.entry->>'queue' = 'claimed' "
                "THEN coalesce(i.entry->>'worker', 'unknown') END, "
                "CASE WHEN i.entry->>'queue' = 'claimed' THEN 'epoch'::timestamptz END, "
                "CASE WHEN i.entry->>'queue' = 'claimed' THEN 1 ELSE 0 END "
                "FROM item_index i WHERE i.entry->>'queue' IN ('waiting', 'claimed') "
                "AND i.state <> ALL(%s) "
                "AND NOT EXISTS (SELECT 1 FROM queue_items q WHERE q.request_id = i.request_id)",
                (terminal,),
            )
            return cur.rowcount

        return self.db.transact(step)


if TYPE_CHECKING:  # mypy checks that both queues implement the worker's interface
    from orchestrator.queue.base import Queue
    from orchestrator.queue.files import FileQueue

    _implements: tuple[type[Queue], ...] = (PostgresQueue, FileQueue)

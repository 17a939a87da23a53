"""The PostgreSQL ledger: the file ledger's records and guarantees, shared by many machines.

- `packets` and `events` are INSERT-only (triggers refuse UPDATE, DELETE and TRUNCATE); each
  row keeps its record's bytes exactly as a file ledger writes them (`sealed`), so verify,
  `db copy` and the hash chain are the file ledger's, byte for byte.
- A request's chain is extended under its lock (`pg_advisory_xact_lock`) in the transaction
  that inserts the events, so two writers on two machines never fork a chain.
- Ids come from a sequence: unique across machines without a lock.
- `item_index` (what `list` reads) is written in the same transaction as the events that
  change it, so it is never behind; `reindex` still rebuilds it from the events.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import JsonValue, TypeAdapter, ValidationError

from orchestrator.config import Config
from orchestrator.errors import LedgerCorrupt, NotFoundError
from orchestrator.ledger import ids, sealing
from orchestrator.ledger.canonical import canonical_bytes, sha256_hex
from orchestrator.ledger.chain import Finding
from orchestrator.ledger.events import Action, Details, Queued, RequestCreated
from orchestrator.ledger.files import packet_sha256
from orchestrator.ledger.fold import INDEXED, Folding, ItemView, fold, index_entry
from orchestrator.ledger.lifecycle import State
from orchestrator.ledger.models import LedgerEvent, RequestPacket, Source, iso, utc_now
from orchestrator.ledger.postgres import records, schema
from orchestrator.ledger.postgres.connect import Conn, Database, connect, database
from orchestrator.ledger.postgres.locks import PostgresRunLocks, advisory_key
from orchestrator.ledger.repository import CheckpointStore, Created, Draft, SealedRecord

if TYPE_CHECKING:
    from orchestrator.config import QueueSection
    from orchestrator.queue.base import Queue

_INDEX = TypeAdapter(dict[str, ItemView])
_NEWEST_BY = {
    column: "SELECT request_id FROM packets WHERE "
    + column
    + " = %s ORDER BY day DESC, number DESC LIMIT 1"
    for column in ("text_sha256", "subject")
}


def open_postgres(url: str, config: Config) -> PostgresLedger:
    """The ledger at `url`, its schema checked (an empty database is set up)."""
    db = database(url, config.retry)
    if not db.checked:  # once per process, on a connection of its own: fails fast, one line
        with connect(url) as conn:
            schema.check(conn, db.label)
        db.checked = True
    return PostgresLedger(db, config.ledger_path)


class PostgresLedger:
    def __init__(self, db: Database, local: Path) -> None:
        self.db = db
        self.root = local
        self.run_locks = PostgresRunLocks(db)
        self._heads: dict[str, Folding] = {}

    # -- companions -------------------------------------------------------------
    @property
    def location(self) -> str:
        return self.db.label

    def checkpoints(self) -> CheckpointStore:
        from orchestrator.ledger.postgres.checkpoints import PostgresCheckpoints

        return PostgresCheckpoints(self.db)

    def open_queue(self, settings: QueueSection) -> Queue:
        from orchestrator.ledger.postgres.queue import PostgresQueue

        return PostgresQueue(self, settings)

    def problem(self) -> str | None:
        try:
            self.db.transact(lambda conn: conn.execute("SELECT 1").fetchone())
        except NotFoundError as exc:
            return str(exc)
        return None

    def exists(self) -> bool:
        return True  # opening checked the schema

    def require(self) -> None:
        return None

    def ensure(self) -> None:
        return None

    def catch_up(self) -> int:
        """Nothing to mend: a creation, its events and its index entry commit together."""
        return 0

    # -- creation ---------------------------------------------------------------
    def create_request(
        self,
        text: str,
        title: str,
        *,
        source: Source | None = None,
        idempotency_key: str | None = None,
        then: Sequence[Details] = (),
    ) -> Created:
        """The packet, its first events (with `then`, e.g. QUEUED, and its queue row) and
        its index entry in one transaction. A key's check-and-create holds that key's
        transaction lock, so two machines never create twice for one key."""
        origin = source or Source()

        def step(conn: Conn) -> tuple[Created, Folding]:
            if idempotency_key is not None:
                conn.execute(
                    "SELECT pg_advisory_xact_lock(%s)", (advisory_key("key", idempotency_key),)
                )
                seen = self._by_key(conn, idempotency_key)
                if seen is not None:
                    return Created(packet=self._packet(conn, seen), created=False), Folding({})
            packet, stored = self._insert_packet(conn, text, title, origin, idempotency_key)
            created = RequestCreated(
                title=title,
                source=origin.kind,
                packet_sha256=packet_sha256(stored),
                idempotency_key=idempotency_key,
            )
            drafts = [Draft("orchestrator", created), *(Draft("orchestrator", d) for d in then)]
            rid = packet.request_id
            folding = self.append_in(conn, rid, Folding.of(rid, []), drafts).folding
            if any(isinstance(d, Queued) for d in then):
                records.enqueue(conn, rid)
            return Created(packet=packet, created=True), folding

        result, folding = self.db.transact(step)
        if result.created:
            self._heads[result.packet.request_id] = folding
        return result

    def _insert_packet(
        self, conn: Conn, text: str, title: str, source: Source, key: str | None
    ) -> tuple[RequestPacket, dict[str, JsonValue]]:
        now = utc_now()
        row = conn.execute("SELECT nextval('request_number')").fetchone()
        assert row is not None
        day = ids.day_of(now)
        packet = RequestPacket(
            request_id=ids.format_id(day, int(row[0])),
            created_at=iso(now),
            title=title,
            text=text,
            source=source,
            idempotency_key=key,
        )
        stored = packet.stored()
        records.insert_packet(conn, packet, canonical_bytes(stored) + b"\n")
        return packet, stored

    # -- appends ----------------------------------------------------------------
    def append(self, request_id: str, actor: str, details: Details) -> LedgerEvent:
        return self.append_many(request_id, [Draft(actor, details)])[0]

    def transition(self, request_id: str, target: State, actor: str, reason: str = "") -> None:
        self.append_many(request_id, [Draft.state(target, actor, reason)])

    def append_many(
        self, request_id: str, drafts: Sequence[Draft], durable: bool = True
    ) -> list[LedgerEvent]:
        """One transaction for the batch: all land, or none. `durable=False` commits without
        waiting for the WAL flush (the step's next durable commit covers it). A retry after a
        lost connection first looks whether the batch landed before the line dropped."""
        ids.validate(request_id)
        tried: list[sealing.Sealed] = []

        def step(conn: Conn) -> sealing.Sealed:
            if not durable:
                conn.execute("SET LOCAL synchronous_commit = off")
            self._lock(conn, request_id)
            head = self._head(conn, request_id)
            if tried and tried[-1].events and head.head == tried[-1].events[-1].hash:
                return tried[-1]  # committed, but the acknowledgement was lost
            batch = self.append_in(conn, request_id, head, drafts)
            tried.append(batch)
            return batch

        batch = self.db.transact(step)
        if batch.events:
            self._heads[request_id] = batch.folding
        return batch.events

    def append_in(
        self,
        conn: Conn,
        request_id: str,
        head: Folding,
        drafts: Sequence[Draft],
    ) -> sealing.Sealed:
        """Seal and insert inside the caller's transaction (the queue's claims use this);
        the caller holds the request's lock, or `head` is a chain this transaction began."""
        batch = sealing.seal(request_id, head, drafts, lambda a: _check_first(request_id, a))
        if not batch.events:
            return batch
        records.insert_events(conn, batch.events, batch.lines)
        if any(e.action in INDEXED for e in batch.events):
            records.put_index(conn, request_id, batch.folding.entry())
        return batch

    def lock_and_head(self, conn: Conn, request_id: str) -> Folding:
        """Take the request's lock in this transaction and return its head."""
        self._lock(conn, request_id)
        return self._head(conn, request_id)

    def _lock(self, conn: Conn, request_id: str) -> None:
        """The request's chain lock until this transaction ends: an advisory lock, so the
        service role needs no UPDATE right anywhere near the records (a row lock would)."""
        row = conn.execute(
            "SELECT pg_advisory_xact_lock(%s), EXISTS "
            "(SELECT 1 FROM packets WHERE request_id = %s)",
            (advisory_key("chain", request_id), request_id),
        ).fetchone()
        if row is None or not row[1]:
            raise NotFoundError(f"unknown request {request_id}")

    def _head(self, conn: Conn, request_id: str) -> Folding:
        """The fold up to the newest event: the cached one, stepped over what other
        processes appended since (usually nothing, or a few events)."""
        cached = self._heads.get(request_id) or Folding.of(request_id, [])
        rows = conn.execute(
            "SELECT sealed FROM events WHERE request_id = %s AND seq > %s ORDER BY seq",
            (request_id, cached.last_seq),
        ).fetchall()
        if not rows:
            return cached
        folding = cached.copy()
        for (raw,) in rows:
            folding.step(records.parse(request_id, bytes(raw)))
        self._heads[request_id] = folding
        return folding

    # -- reads ------------------------------------------------------------------
    def has_request(self, request_id: str) -> bool:
        return self._exists("SELECT 1 FROM packets WHERE request_id = %s", request_id)

    def has_events(self, request_id: str) -> bool:
        return self._exists("SELECT 1 FROM events WHERE request_id = %s AND seq = 1", request_id)

    def _exists(self, sql: str, request_id: str) -> bool:
        ids.validate(request_id)
        return (
            self.db.transact(lambda conn: conn.execute(sql, (request_id,)).fetchone()) is not None
        )

    def read_request(self, request_id: str) -> RequestPacket:
        ids.validate(request_id)
        return self.db.transact(lambda conn: self._packet(conn, request_id))

    def _packet(self, conn: Conn, request_id: str) -> RequestPacket:
        row = conn.execute(
            "SELECT sealed FROM packets WHERE request_id = %s", (request_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"unknown request {request_id}")
        try:
            return RequestPacket.model_validate_json(bytes(row[0]))
        except ValidationError:
            raise LedgerCorrupt(f"{request_id}'s packet is not a valid request packet") from None

    def read_events(self, request_id: str) -> list[LedgerEvent]:
        ids.validate(request_id)
        rows = self.db.transact(
            lambda conn: conn.execute(
                "SELECT sealed FROM events WHERE request_id = %s ORDER BY seq", (request_id,)
            ).fetchall()
        )
        if not rows:
            raise NotFoundError(f"unknown request {request_id}")
        return [records.parse(request_id, bytes(raw)) for (raw,) in rows]

    def view(self, request_id: str, upto: int | None = None) -> ItemView:
        return fold(request_id, self.read_events(request_id), upto)

    def request_ids(self) -> list[str]:
        rows = self.db.transact(
            lambda conn: conn.execute(
                "SELECT request_id FROM packets ORDER BY day, number"
            ).fetchall()
        )
        return [str(r[0]) for r in rows]

    def find_by_idempotency_key(self, key: str) -> str | None:
        return self.db.transact(lambda conn: self._by_key(conn, key))

    def _by_key(self, conn: Conn, key: str) -> str | None:
        row = conn.execute(
            "SELECT request_id FROM packets WHERE idempotency_key = %s", (key,)
        ).fetchone()
        return None if row is None else str(row[0])

    def find_by_text(self, text: str) -> str | None:
        """The newest request with exactly this text (an index lookup, not a scan)."""
        return self._newest("text_sha256", sha256_hex(text.encode()))

    def find_by_subject(self, subject: str) -> str | None:
        return self._newest("subject", subject)

    def _newest(self, column: str, value: str) -> str | None:
        sql = _NEWEST_BY[column]
        row = self.db.transact(lambda conn: conn.execute(sql, (value,)).fetchone())
        return None if row is None else str(row[0])

    # -- the index --------------------------------------------------------------
    def index(self, state: State | None = None, kind: str | None = None) -> dict[str, ItemView]:
        """Summaries only (`completed` is empty: `view()` folds it), narrowed in the query
        (`list --state/--kind` parses only what it shows): the server builds one JSON object
        and pydantic parses it in one go, several times faster than row by row."""
        row = self.db.transact(
            lambda conn: conn.execute(
                "SELECT coalesce(json_object_agg(request_id, entry), '{}')::text FROM item_index "
                "WHERE (%(state)s::text IS NULL OR state = %(state)s) "
                "AND (%(kind)s::text IS NULL OR entry->>'kind' = %(kind)s)",
                {"state": state.value if state else None, "kind": kind},
            ).fetchone()
        )
        return _INDEX.validate_json(str(row[0])) if row is not None else {}

    def reindex(self) -> int:
        """Fold every chain again and rewrite its entry under its request's lock, a chunk
        of requests per transaction."""
        rids = self.request_ids()
        for chunk in records.chunks(rids):
            self.db.transact(partial(self._refold, chunk=chunk))
        return len(rids)

    def _refold(self, conn: Conn, chunk: list[str]) -> None:
        for rid in chunk:  # id order: two reindexers never wait on each other in a cycle
            self._lock(conn, rid)
        rows = conn.execute(
            "SELECT request_id, sealed FROM events WHERE request_id = ANY(%s) "
            "ORDER BY request_id, seq",
            (chunk,),
        ).fetchall()
        chains: dict[str, list[LedgerEvent]] = {rid: [] for rid in chunk}
        for rid, raw in rows:
            chains[str(rid)].append(records.parse(str(rid), bytes(raw)))
        for rid, chain in chains.items():
            records.put_index(conn, rid, index_entry(fold(rid, chain)))

    # -- the records as written, for verify and `db copy` -----------------------
    def import_sealed(self, record: SealedRecord) -> None:
        """A request copied in as written (`db copy`): rows holding the very bytes, its
        index entry, and the id sequence moved past its number."""
        rid = record.request_id
        if record.packet is None or record.events is None:
            raise LedgerCorrupt(f"{rid} is incomplete; nothing more was copied")
        packet, parsed = record.packet, RequestPacket.model_validate_json(record.packet)
        lines = record.events.splitlines(keepends=True)
        chain = [records.parse(rid, line) for line in lines]

        def step(conn: Conn) -> None:
            records.insert_packet(conn, parsed, packet)
            records.insert_events(conn, chain, lines)
            records.put_index(conn, rid, index_entry(fold(rid, chain)))
            conn.execute(
                "SELECT setval('request_number', greatest(%s, "
                "(SELECT last_value FROM request_number)))",
                (ids.number_of(rid),),
            )

        self.db.transact(step)

    def sealed_records(self, request_ids: Sequence[str]) -> Iterator[SealedRecord]:
        """In chunks, one query per chunk: verify reads 100,000 chains without 200,000
        round trips."""
        for chunk in records.chunks(request_ids):
            rows = self.db.transact(partial(records.sealed_rows, chunk=chunk))
            found = {str(r[0]): (bytes(r[1]), None if r[2] is None else bytes(r[2])) for r in rows}
            for rid in chunk:
                packet, events = found.get(rid, (None, None))
                yield SealedRecord(request_id=rid, packet=packet, events=events)

    def sealed_index(self) -> tuple[dict[str, JsonValue] | None, list[Finding]]:
        rows = self.db.transact(
            lambda conn: conn.execute("SELECT request_id, entry FROM item_index").fetchall()
        )
        if not rows and not self.request_ids():
            return None, []
        return {str(rid): entry for rid, entry in rows}, []

    def orphans(self) -> list[Finding]:
        rows = self.db.transact(
            lambda conn: conn.execute(
                "SELECT request_id FROM packets p WHERE NOT EXISTS "
                "(SELECT 1 FROM events e WHERE e.request_id = p.request_id) ORDER BY day, number"
            ).fetchall()
        )
        reason = "no events (creation interrupted?)"
        return [Finding(file=f"requests/{r[0]}.json", reason=reason) for r in rows]


def _check_first(request_id: str, action: Action) -> None:
    if action is not Action.REQUEST_CREATED:
        raise LedgerCorrupt(f"{request_id} has no REQUEST_CREATED event; run `orchestrate verify`")


if TYPE_CHECKING:  # mypy checks that this ledger implements the whole interface
    from orchestrator.ledger.repository import LedgerRepository

    _implements: type[LedgerRepository] = PostgresLedger

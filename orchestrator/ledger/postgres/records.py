"""The PostgreSQL ledger's rows: each statement written once, run in the caller's
transaction."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from psycopg.rows import TupleRow
from psycopg.types.json import Jsonb
from pydantic import ValidationError

from orchestrator.errors import LedgerCorrupt
from orchestrator.ledger import ids
from orchestrator.ledger.canonical import sha256_hex
from orchestrator.ledger.files import parse_line
from orchestrator.ledger.models import LedgerEvent, RequestPacket
from orchestrator.ledger.postgres.connect import Conn

CHUNK = 500  # requests per query when reading or rebuilding many


def chunks(request_ids: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(request_ids), CHUNK):
        yield list(request_ids[start : start + CHUNK])


def sealed_rows(conn: Conn, chunk: list[str]) -> list[TupleRow]:
    return conn.execute(
        "SELECT p.request_id, p.sealed, "
        "(SELECT string_agg(e.sealed, ''::bytea ORDER BY e.seq) FROM events e "
        "WHERE e.request_id = p.request_id) "
        "FROM packets p WHERE p.request_id = ANY(%s)",
        (chunk,),
    ).fetchall()


def insert_packet(conn: Conn, packet: RequestPacket, sealed: bytes) -> None:
    """A packet row with the columns its lookups use; `sealed` is the file's bytes."""
    day, number = ids.sort_key(packet.request_id)
    conn.execute(
        "INSERT INTO packets (request_id, day, number, sealed, text_sha256, idempotency_key, "
        "subject) VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (
            packet.request_id,
            day,
            number,
            sealed,
            sha256_hex(packet.text.encode()),
            packet.idempotency_key,
            packet.source.subject,
        ),
    )


def insert_events(conn: Conn, events: Sequence[LedgerEvent], lines: Sequence[bytes]) -> None:
    """Each event's row holds its line as sealed, newline included."""
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO events (request_id, seq, action, hash, sealed) "
            "VALUES (%s, %s, %s, %s, %s)",
            [
                (e.request_id, e.seq, e.action.value, e.hash, line)
                for e, line in zip(events, lines, strict=True)
            ],
        )


def put_index(conn: Conn, request_id: str, entry: dict[str, Any]) -> None:
    """Upsert one request's index entry (`index_entry`, or a fold's `entry()`)."""
    day, number = ids.sort_key(request_id)
    conn.execute(
        "INSERT INTO item_index (request_id, day, number, state, entry) "
        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (request_id) DO UPDATE "
        "SET state = EXCLUDED.state, entry = EXCLUDED.entry",
        (request_id, day, number, entry["state"], Jsonb(entry)),
    )


def enqueue(conn: Conn, request_id: str) -> None:
    """A waiting queue row (idempotent), in the caller's transaction."""
    day, number = ids.sort_key(request_id)
    conn.execute(
        "INSERT INTO queue_items (request_id, day, number) VALUES (%s, %s, %s) "
        "ON CONFLICT (request_id) DO NOTHING",
        (request_id, day, number),
    )


def parse(request_id: str, raw: bytes) -> LedgerEvent:
    try:
        return parse_line(raw)
    except ValidationError:
        raise LedgerCorrupt(
            f"{request_id} has an unreadable event; run `orchestrate verify`"
        ) from None

"""Versioned schema: `orchestrate db upgrade` applies what is missing; every start checks.

An empty database is set up on first use (nothing to lose); a database at an older version
is refused with one line naming `orchestrate db upgrade`, so a migration is always a
deliberate step, taken once, not a race between starting workers.
"""

from __future__ import annotations

from orchestrator.errors import InputError
from orchestrator.ledger.canonical import sha256_hex
from orchestrator.ledger.postgres.connect import Conn

# Serialises `db upgrade` and first-use setup across machines (any constant would do).
_MIGRATION_LOCK = int.from_bytes(sha256_hex(b"orchestrate:schema").encode()[:8], "big") >> 1

_VERSIONS = """
CREATE TABLE IF NOT EXISTS schema_version (
  version integer PRIMARY KEY,
  applied_at timestamptz NOT NULL DEFAULT now()
)
"""

_V1 = """
CREATE SEQUENCE request_number AS bigint MINVALUE 1 MAXVALUE 999999999;
CREATE TABLE packets (
  request_id text PRIMARY KEY,
  day text NOT NULL,
  number bigint NOT NULL,
  sealed bytea NOT NULL,
  text_sha256 text NOT NULL,
  idempotency_key text UNIQUE,
  subject text
);
CREATE INDEX packets_order ON packets (day, number);
CREATE INDEX packets_text ON packets (text_sha256, day DESC, number DESC);
CREATE INDEX packets_subject ON packets (subject, day DESC, number DESC)
  WHERE subject IS NOT NULL;
CREATE TABLE events (
  request_id text NOT NULL REFERENCES packets,
  seq integer NOT NULL CHECK (seq >= 1),
  action text NOT NULL,
  hash text NOT NULL,
  sealed bytea NOT NULL,
  PRIMARY KEY (request_id, seq)
);
CREATE FUNCTION orchestrate_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION orchestrate_append_only();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
  FOR EACH STATEMENT EXECUTE FUNCTION orchestrate_append_only();
CREATE TRIGGER packets_append_only BEFORE UPDATE OR DELETE ON packets
  FOR EACH ROW EXECUTE FUNCTION orchestrate_append_only();
CREATE TRIGGER packets_no_truncate BEFORE TRUNCATE ON packets
  FOR EACH STATEMENT EXECUTE FUNCTION orchestrate_append_only();
CREATE TABLE item_index (
  request_id text PRIMARY KEY REFERENCES packets,
  day text NOT NULL,
  number bigint NOT NULL,
  state text NOT NULL,
  entry jsonb NOT NULL
);
CREATE INDEX item_index_order ON item_index (day DESC, number DESC);
CREATE TABLE queue_items (
  request_id text PRIMARY KEY REFERENCES packets,
  day text NOT NULL,
  number bigint NOT NULL,
  worker text,
  lease_until timestamptz,
  attempt integer NOT NULL DEFAULT 0
);
CREATE INDEX queue_waiting ON queue_items (day, number) WHERE worker IS NULL;
CREATE INDEX queue_leases ON queue_items (lease_until) WHERE worker IS NOT NULL;
"""

# (version, DDL): append only; a released migration is never edited.
MIGRATIONS: tuple[tuple[int, str], ...] = ((1, _V1),)
LATEST = MIGRATIONS[-1][0]


class SchemaOutdated(InputError):
    """The database is behind (or ahead of) this orchestrate: a deliberate step is needed."""


def version_of(conn: Conn) -> int | None:
    """The applied version; None for a database this ledger has never touched."""
    row = conn.execute("SELECT to_regclass('schema_version') IS NOT NULL").fetchone()
    if row is None or not row[0]:
        return None
    found = conn.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(found[0]) if found is not None and found[0] is not None else 0


def _untouched(conn: Conn) -> bool:
    row = conn.execute(
        "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() "
        "AND tablename IN ('packets', 'events', 'item_index', 'queue_items')"
    ).fetchone()
    return row is not None and row[0] == 0


def upgrade(conn: Conn) -> tuple[int, int]:
    """Apply every missing migration, each in its own transaction; (from, to)."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
        start = version_of(conn)
        if start is None and not _untouched(conn):
            raise SchemaOutdated(
                "the database holds ledger tables without a schema_version: not set up by "
                "orchestrate; use an empty database"
            )
        conn.execute(_VERSIONS.encode())
        current = start or 0
        for version, ddl in MIGRATIONS:
            if version > current:
                conn.execute(ddl.encode())
                conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (version,))
                current = version
    return start or 0, current


def check(conn: Conn, label: str) -> None:
    """Set up an empty database; refuse one at another version, naming the fix."""
    found = version_of(conn)
    if found is None and _untouched(conn):
        upgrade(conn)
        return
    if found == LATEST:
        return
    if found is not None and found > LATEST:
        raise SchemaOutdated(
            f"the ledger database {label} is at schema {found}, newer than this orchestrate "
            f"({LATEST}): upgrade orchestrate"
        )
    raise SchemaOutdated(
        f"the ledger database {label} is at schema {found or 0}, this orchestrate needs "
        f"{LATEST}: run `orchestrate db upgrade`"
    )

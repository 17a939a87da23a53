"""The PostgreSQL ledger against a real server: the file ledger's guarantees, shared."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import psycopg
import pytest

from orchestrator.config import load_config
from orchestrator.errors import IllegalTransition, InputError, NotFoundError
from orchestrator.ledger import FileLedger, urls
from orchestrator.ledger import events as ev
from orchestrator.ledger.backends import open_ledger
from orchestrator.ledger.copying import copy_ledger
from orchestrator.ledger.lifecycle import State
from orchestrator.ledger.models import Source
from orchestrator.ledger.postgres.connect import LedgerUnavailable
from orchestrator.ledger.postgres.ledger import PostgresLedger
from orchestrator.ledger.postgres.schema import LATEST, SchemaOutdated, upgrade
from orchestrator.ledger.verify import verify
from tests.ledger_helpers import build_ledger, open_pg, spawn, summary


def _sql(url: str, *statements: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement.encode())


def test_an_empty_database_is_set_up_on_first_use_and_verifies(pg_url: str) -> None:
    ledger = open_pg(pg_url)
    created = ledger.create_request("disk full on db-1", "disk full")
    rid = created.packet.request_id
    ledger.append(rid, "triage", ev.Handoff(from_="triage", to=["ops"]))
    ledger.transition(rid, State.ACCEPTED, "triage")
    assert [e.seq for e in ledger.read_events(rid)] == [1, 2, 3]
    assert ledger.index()[rid].state is State.ACCEPTED
    assert ledger.view(rid).last_seq == 3
    report = verify(ledger)
    assert report.ok and report.requests == 1 and report.events == 3


def test_an_illegal_transition_writes_nothing(pg_url: str) -> None:
    ledger = open_pg(pg_url)
    rid = ledger.create_request("x", "x").packet.request_id
    with pytest.raises(IllegalTransition):
        ledger.transition(rid, State.CLOSED, "test")
    assert len(ledger.read_events(rid)) == 1
    with pytest.raises(NotFoundError):
        ledger.append("REQ-20200101-0001", "t", ev.Handoff(from_="t"))


def test_events_and_packets_refuse_update_delete_and_truncate(pg_url: str) -> None:
    ledger = open_pg(pg_url)
    ledger.create_request("immutable", "immutable")
    for statement in (
        "UPDATE events SET action = 'X'",
        "DELETE FROM events",
        "TRUNCATE events CASCADE",
        "UPDATE packets SET subject = 'x'",
        "DELETE FROM packets",
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            _sql(pg_url, statement)
    assert verify(ledger).ok


def test_an_edit_behind_the_triggers_back_is_found_by_verify(pg_url: str) -> None:
    ledger = open_pg(pg_url)
    rid = ledger.create_request("tamper", "tamper").packet.request_id
    ledger.append(rid, "dev", ev.Handoff(from_="dev", to=["test"]))
    _sql(
        pg_url,
        "ALTER TABLE events DISABLE TRIGGER events_append_only",
        "UPDATE events SET sealed = replace(convert_from(sealed, 'UTF8'), 'dev', 'ops')::bytea"
        " WHERE seq = 2",
    )
    found = summary(verify(ledger))
    assert (f"events/{rid}.jsonl", 2, "edited (hash mismatch)") in found


def test_lookups_by_key_text_and_subject(pg_url: str) -> None:
    ledger = open_pg(pg_url)
    first = ledger.create_request("same", "t", idempotency_key="k1")
    again = ledger.create_request("same", "t", idempotency_key="k1")
    assert first.created and not again.created
    assert again.packet.request_id == first.packet.request_id
    assert ledger.find_by_idempotency_key("k1") == first.packet.request_id
    newer = ledger.create_request("same", "t").packet.request_id
    assert ledger.find_by_text("same") == newer
    source = Source(kind="github", repository="o/r", issue_number=12)
    ticket = ledger.create_request("issue", "issue", source=source).packet.request_id
    assert ledger.find_by_subject("github:o/r#12") == ticket
    assert ledger.find_by_text("never seen") is None


def test_ids_come_from_a_sequence_and_stay_unique_across_openers(pg_url: str) -> None:
    one, two = open_pg(pg_url), open_pg(pg_url)
    made = [
        (one if n % 2 else two).create_request(f"t{n}", "t").packet.request_id for n in range(6)
    ]
    assert len(set(made)) == 6
    assert one.request_ids() == made


def test_copy_round_trip_keeps_every_chain_byte_identical(
    tmp_path: Path, make_database: object
) -> None:
    assert callable(make_database)
    source, rids = build_ledger(tmp_path / "files", requests=4)
    pg = open_pg(make_database())
    copied = copy_ledger(source, pg)
    assert copied.requests == 4 and verify(pg).ok
    back = FileLedger(tmp_path / "back")
    copy_ledger(pg, back)
    assert verify(back).ok
    for rid in rids:
        original = (tmp_path / "files" / "events" / f"{rid}.jsonl").read_bytes()
        assert next(pg.sealed_records([rid])).events == original
        assert (tmp_path / "back" / "events" / f"{rid}.jsonl").read_bytes() == original
        assert back.read_request(rid) == source.read_request(rid)
    with pytest.raises(InputError, match="not empty"):
        copy_ledger(source, pg)
    # the sequence moved past the copied ids: a new request cannot collide with them
    assert pg.create_request("after the copy", "new").packet.request_id not in rids


def test_an_older_schema_is_refused_naming_db_upgrade_which_fixes_it(pg_url: str) -> None:
    _sql(pg_url, "CREATE TABLE schema_version (version integer PRIMARY KEY)")
    _sql(pg_url, "INSERT INTO schema_version VALUES (0)")
    with pytest.raises(SchemaOutdated, match="orchestrate db upgrade") as caught:
        open_pg(pg_url)
    assert caught.value.exit_code == 2
    with psycopg.connect(pg_url, autocommit=True) as conn:
        assert upgrade(conn) == (0, LATEST)
        assert upgrade(conn) == (LATEST, LATEST)  # again: nothing to do
    assert open_pg(pg_url).create_request("after the upgrade", "ok").created


def test_an_unreachable_database_is_one_line_without_the_password() -> None:
    url = "postgresql://postgres:s3cret-pw@127.0.0.1:1/none"
    with pytest.raises(LedgerUnavailable) as caught:
        open_pg(url)
    message = str(caught.value)
    assert "s3cret-pw" not in message and "***" in message and "\n" not in message
    assert caught.value.exit_code == 3


def test_the_url_picks_the_backend(tmp_path: Path, pg_url: str) -> None:
    env = {"ORCHESTRATE_LEDGER": pg_url}
    assert isinstance(open_ledger(load_config(env=env)), PostgresLedger)
    flagged = load_config(ledger=Path(pg_url), env={})
    assert flagged.ledger.url == pg_url
    (tmp_path / "o.toml").write_text(f'[ledger]\nurl = "{pg_url}"\n')
    assert load_config(tmp_path / "o.toml", env={}).ledger.url == pg_url
    with pytest.raises(InputError, match="unsupported ledger URL") as caught:
        load_config(env={"ORCHESTRATE_LEDGER": "mysql://x:pw@h/db"})
    assert "pw@" not in str(caught.value)


def test_a_lost_connection_mid_step_is_retried(pg_url: str) -> None:
    ledger = open_pg(pg_url)
    assert isinstance(ledger, PostgresLedger)
    rid = ledger.create_request("flaky network", "flaky").packet.request_id
    _sql(
        pg_url,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    event = ledger.append(rid, "dev", ev.Handoff(from_="dev"))
    assert event.seq == 2 and [e.seq for e in ledger.read_events(rid)] == [1, 2]
    assert verify(ledger).ok


@pytest.mark.slow
def test_sigkill_mid_appends_leaves_a_whole_chain(tmp_path: Path, pg_url: str) -> None:
    ledger = open_pg(pg_url)
    rid = ledger.create_request("kill me", "kill test").packet.request_id
    for _ in range(3):
        ready = tmp_path / "ready"
        proc = spawn("loop", pg_url, rid, str(ready))
        deadline = time.monotonic() + 30
        while not ready.exists():
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.005)
        time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        ready.unlink()
        report = verify(ledger)
        assert summary(report) == [] and report.stale == []
        ledger.append(rid, "test", ev.Handoff(from_="test"))
    ledger.transition(rid, State.ACCEPTED, "test")
    assert verify(ledger).ok


def test_urls_are_redacted_and_repaired() -> None:
    assert urls.redact("postgresql://u:pw@h:5432/db") == "postgresql://u:***@h:5432/db"
    assert urls.redact("postgresql://u@h/db") == "postgresql://u@h/db"
    assert urls.scrub("FATAL for pw here", "postgresql://u:pw@h/db") == "FATAL for *** here"
    assert urls.from_flag(str(Path("postgresql://u@h:5432/db"))) == "postgresql://u@h:5432/db"
    assert urls.scheme_of("./coordination") is None


def test_a_run_lock_whose_connection_dropped_is_taken_again(pg_url: str) -> None:
    ledger = open_pg(pg_url)
    assert isinstance(ledger, PostgresLedger)
    rid = ledger.create_request("long run", "lock").packet.request_id
    held = ledger.run_locks.try_take(rid)
    assert held is not None and ledger.run_locks.is_running(rid)
    assert ledger.run_locks.try_take(rid) is None  # one holder at a time, even in-process
    _sql(
        pg_url,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    assert not ledger.run_locks.is_running(rid)  # the server let it go with the connection
    assert held.revive(pg_url) and ledger.run_locks.is_running(rid)
    held.release()
    assert not ledger.run_locks.is_running(rid)

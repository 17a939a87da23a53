"""Every kind of damage is found by `verify`, and named by file, line and reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orchestrator.errors import IllegalTransition, LedgerCorrupt, NotFoundError
from orchestrator.ledger import FileLedger
from orchestrator.ledger import events as ev
from orchestrator.ledger.canonical import canonical_bytes, event_hash
from orchestrator.ledger.lifecycle import State
from orchestrator.ledger.verify import verify
from tests.ledger_helpers import build_ledger, copy_ledger, lines_of, summary, write_lines


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    root = tmp_path_factory.mktemp("template") / "coordination"
    built, rids = build_ledger(root, requests=3)
    built.reindex()  # every entry in index.json itself, no journal: edits below hit it
    return root, rids


@pytest.fixture
def ledger(template: tuple[Path, list[str]], tmp_path: Path) -> tuple[FileLedger, str]:
    """A fresh copy per test; the damage goes into the second request (7 events)."""
    root, rids = template
    return copy_ledger(root, tmp_path / "coordination"), rids[1]


TRIAGED = ev.Triaged(kind="bug", severity="low", priority="P4", confidence=0.5)
HANDOFF = ev.Handoff(from_="dev")


def _events(ledger: FileLedger, rid: str) -> Path:
    return ledger.events_path(rid)


def test_clean_ledger_has_no_findings(ledger: tuple[FileLedger, str]) -> None:
    led, _ = ledger
    report = verify(led)
    assert report.ok
    assert summary(report) == []
    assert report.stale == []
    assert (report.requests, report.events) == (3, 19)


def test_changed_byte_is_an_edit(ledger: tuple[FileLedger, str]) -> None:
    led, rid = ledger
    path = _events(led, rid)
    lines = lines_of(path)
    lines[3] = lines[3].replace(b'"to":["dev"]', b'"to":["qa!"]')
    write_lines(path, lines)
    assert summary(verify(led)) == [(f"events/{rid}.jsonl", 4, "edited (hash mismatch)")]


def test_edit_with_a_recomputed_hash_breaks_the_next_link(ledger: tuple[FileLedger, str]) -> None:
    led, rid = ledger
    path = _events(led, rid)
    lines = lines_of(path)
    obj = json.loads(lines[2])
    obj["actor"] = "mallory"
    obj["hash"] = event_hash(obj)
    lines[2] = canonical_bytes(obj) + b"\n"
    write_lines(path, lines)
    assert summary(verify(led)) == [
        (f"events/{rid}.jsonl", 4, "chain broken: prev does not match the line before")
    ]


def test_deleted_line_is_missing(ledger: tuple[FileLedger, str]) -> None:
    led, rid = ledger
    path = _events(led, rid)
    lines = lines_of(path)
    del lines[2]
    write_lines(path, lines)
    assert summary(verify(led)) == [
        (f"events/{rid}.jsonl", 3, "missing line: 1 event(s) before seq 4")
    ]


def test_deleted_last_line_is_caught_by_the_index(ledger: tuple[FileLedger, str]) -> None:
    led, rid = ledger
    path = _events(led, rid)
    lines = lines_of(path)
    write_lines(path, lines[:-1])
    n = len(lines)
    assert summary(verify(led)) == [
        (
            f"events/{rid}.jsonl",
            n,
            f"missing line(s) at the end: index.json records seq {n}, the file ends at seq {n - 1}",
        )
    ]


def test_swapped_lines_are_reordered(ledger: tuple[FileLedger, str]) -> None:
    led, rid = ledger
    path = _events(led, rid)
    lines = lines_of(path)
    lines[2], lines[3] = lines[3], lines[2]
    write_lines(path, lines)
    assert summary(verify(led)) == [
        (f"events/{rid}.jsonl", 3, "reordered: seq 4 before seq 3 (line 4)"),
    ]


def test_line_moved_to_the_end_is_reordered(ledger: tuple[FileLedger, str]) -> None:
    led, rid = ledger
    path = _events(led, rid)
    lines = lines_of(path)
    lines.append(lines.pop(1))
    write_lines(path, lines)
    found = summary(verify(led))
    assert found
    assert all(reason.startswith("reordered") for _, _, reason in found), found
    assert {line for _, line, _ in found} <= {2, 3, 4, 5, 6, 7}


def test_duplicated_line_is_named(ledger: tuple[FileLedger, str]) -> None:
    led, rid = ledger
    path = _events(led, rid)
    lines = lines_of(path)
    lines.insert(3, lines[2])
    write_lines(path, lines)
    found = summary(verify(led))
    assert (f"events/{rid}.jsonl", 4, "duplicate: seq 3 already at line 3") in found


def test_truncated_last_line_is_a_torn_tail(ledger: tuple[FileLedger, str]) -> None:
    led, rid = ledger
    path = _events(led, rid)
    lines = lines_of(path)
    lines[-1] = lines[-1][:25]
    write_lines(path, lines)
    assert summary(verify(led)) == [
        (f"events/{rid}.jsonl", len(lines), "torn tail: 25 bytes without a newline")
    ]


def test_bad_json_line(ledger: tuple[FileLedger, str]) -> None:
    led, rid = ledger
    path = _events(led, rid)
    lines = lines_of(path)
    lines[1] = b"{not json at all\n"
    write_lines(path, lines)
    assert summary(verify(led)) == [(f"events/{rid}.jsonl", 2, "bad JSON")]


def test_schema_violation_names_the_field(ledger: tuple[FileLedger, str]) -> None:
    led, rid = ledger
    path = _events(led, rid)
    lines = lines_of(path)
    obj = json.loads(lines[1])
    obj["action"] = "TELEPORTED"
    lines[1] = canonical_bytes(obj) + b"\n"
    write_lines(path, lines)
    (found,) = summary(verify(led))
    assert found[:2] == (f"events/{rid}.jsonl", 2)
    assert found[2].startswith("schema: action:")


def test_deleted_request_file(ledger: tuple[FileLedger, str]) -> None:
    led, rid = ledger
    led.request_path(rid).unlink()
    assert summary(verify(led)) == [(f"requests/{rid}.json", None, "request file missing")]


def test_edited_request_file(ledger: tuple[FileLedger, str]) -> None:
    led, rid = ledger
    path = led.request_path(rid)
    path.write_bytes(path.read_bytes().replace(b"title 1", b"title X"))
    assert summary(verify(led)) == [
        (f"requests/{rid}.json", None, "request file edited (sha256 differs from REQUEST_CREATED)")
    ]


def test_request_file_without_events(ledger: tuple[FileLedger, str]) -> None:
    led, rid = ledger
    _events(led, rid).unlink()
    found = summary(verify(led))
    assert (f"requests/{rid}.json", None, "no events (creation interrupted?)") in found
    assert ("index.json", None, f"{rid} is an unknown request") in found


def test_edited_index(ledger: tuple[FileLedger, str]) -> None:
    led, rid = ledger
    body = json.loads(led.index_path.read_bytes())
    body["requests"][rid]["state"] = "CLOSED"
    led.index_path.write_text(json.dumps(body))
    assert summary(verify(led)) == [
        ("index.json", None, f"{rid} entry differs from its events (edited?)")
    ]


def test_edited_index_title_is_caught_too(ledger: tuple[FileLedger, str]) -> None:
    led, rid = ledger
    body = json.loads(led.index_path.read_bytes())
    body["requests"][rid]["title"] = "something else"
    led.index_path.write_text(json.dumps(body))
    assert summary(verify(led)) == [
        ("index.json", None, f"{rid} entry differs from its events (edited?)")
    ]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "missing (run `orchestrate reindex`)"),
        (b"{]", "unreadable (run `orchestrate reindex`)"),
        (b'{"requests": []}', "unreadable (run `orchestrate reindex`)"),
    ],
)
def test_missing_or_garbled_index(
    ledger: tuple[FileLedger, str], content: bytes | None, reason: str
) -> None:
    led, _ = ledger
    if content is None:
        led.index_path.unlink()
    else:
        led.index_path.write_bytes(content)
    assert summary(verify(led)) == [("index.json", None, reason)]
    led.reindex()
    assert summary(verify(led)) == []


def test_index_entry_for_an_unknown_request(ledger: tuple[FileLedger, str]) -> None:
    led, rid = ledger
    body = json.loads(led.index_path.read_bytes())
    ghost = rid[:-4] + "0999"
    body["requests"][ghost] = body["requests"][rid]
    led.index_path.write_text(json.dumps(body))
    assert summary(verify(led)) == [("index.json", None, f"{ghost} is an unknown request")]


def test_stray_events_file(ledger: tuple[FileLedger, str]) -> None:
    led, _ = ledger
    (led.events_dir / "notes.jsonl").write_text("{}\n")
    assert summary(verify(led)) == [("events/notes.jsonl", None, "unknown request (bad file name)")]


def test_stale_index_is_not_a_failure(ledger: tuple[FileLedger, str]) -> None:
    """A crash between an event's fsync and the index write leaves a faithful older entry."""
    led, rid = ledger
    journal = led.index_store.journal
    before = journal.read_bytes() if journal.exists() else b""
    led.append(rid, "triage", TRIAGED)
    journal.write_bytes(before)  # the index update never landed
    report = verify(led)
    assert report.ok
    assert report.stale == [rid]
    led.reindex()
    assert verify(led).stale == []


def test_verify_only_some_requests(ledger: tuple[FileLedger, str]) -> None:
    led, rid = ledger
    others = [r for r in led.request_ids() if r != rid]
    lines = lines_of(_events(led, rid))
    lines[0] = b"garbage\n"
    write_lines(_events(led, rid), lines)
    assert verify(led, others).ok
    assert summary(verify(led, [rid])) == [
        (f"events/{rid}.jsonl", 1, "bad JSON"),
        (f"events/{rid}.jsonl", 1, "first event is not REQUEST_CREATED"),
    ]
    missing = rid[:-4] + "0999"
    assert summary(verify(led, [missing])) == [
        (f"events/{missing}.jsonl", None, "unknown request (no events file)")
    ]


def test_damaged_chain_refuses_appends(ledger: tuple[FileLedger, str]) -> None:
    """Appending after real damage would bury it; the writer refuses and points at verify."""
    led, rid = ledger
    path = _events(led, rid)
    lines = lines_of(path)
    del lines[2]
    write_lines(path, lines)
    with pytest.raises(LedgerCorrupt, match="line 3"):
        FileLedger(led.root).append(rid, "dev", HANDOFF)
    assert lines_of(path) == lines


@pytest.mark.parametrize(
    ("path_to", "target"),
    [
        ([], State.DELIVERED),
        ([], State.CLOSED),
        ([State.ACCEPTED], State.VERIFIED),
        ([State.BLOCKED], State.ACCEPTED),
        ([State.ACCEPTED, State.IN_PROGRESS], State.PROPOSED),
    ],
)
def test_illegal_transition_raises_and_writes_nothing(
    tmp_path: Path, path_to: list[State], target: State
) -> None:
    led = FileLedger(tmp_path / "coordination")
    rid = led.create_request("t", "title").packet.request_id
    for state in path_to:
        led.transition(rid, state, "test")
    events_before = _events(led, rid).read_bytes()
    index_before = led.index_path.read_bytes()
    with pytest.raises(IllegalTransition):
        led.transition(rid, target, "test")
    assert _events(led, rid).read_bytes() == events_before
    assert led.index_path.read_bytes() == index_before
    assert FileLedger(led.root).view(rid).state is (path_to[-1] if path_to else State.PROPOSED)
    assert verify(led).ok


def test_full_lifecycle_is_legal(tmp_path: Path) -> None:
    led = FileLedger(tmp_path / "coordination")
    rid = led.create_request("t", "title").packet.request_id
    for state in (
        State.ACCEPTED,
        State.IN_PROGRESS,
        State.DELIVERED,
        State.IN_PROGRESS,
        State.DELIVERED,
        State.VERIFIED,
        State.CLOSED,
    ):
        led.transition(rid, state, "test")
    assert led.index()[rid].state is State.CLOSED
    with pytest.raises(IllegalTransition):
        led.transition(rid, State.BLOCKED, "test")
    assert verify(led).ok


def test_appends_never_conjure_an_unknown_request(tmp_path: Path) -> None:
    led = FileLedger(tmp_path / "coordination")
    led.create_request("t", "title")
    ghost = "REQ-20250101-0042"
    with pytest.raises(NotFoundError):
        led.append(ghost, "dev", HANDOFF)
    with pytest.raises(NotFoundError):
        led.transition(ghost, State.ACCEPTED, "dev")
    assert not led.events_path(ghost).exists()
    assert verify(led).ok


def test_unserialisable_details_write_nothing(ledger: tuple[FileLedger, str]) -> None:
    led, rid = ledger
    before = _events(led, rid).read_bytes()
    with pytest.raises(ValueError):
        led.append(rid, "dev", ev.RuntimeRetry(delay_s=float("nan")))
    assert _events(led, rid).read_bytes() == before
    assert verify(led).ok


def test_reformatted_line_is_not_an_edit(ledger: tuple[FileLedger, str]) -> None:
    """The hash covers the canonical event, not the bytes: spacing and key order are free."""
    led, rid = ledger
    path = _events(led, rid)
    lines = lines_of(path)
    obj = json.loads(lines[2])
    lines[2] = json.dumps(dict(reversed(obj.items())), indent=None).encode() + b"\n"
    write_lines(path, lines)
    assert summary(verify(led)) == []


def test_forged_huge_seq_is_one_misplaced_line(ledger: tuple[FileLedger, str]) -> None:
    """A seq far ahead must neither take forever nor flag every later line."""
    led, rid = ledger
    path = _events(led, rid)
    lines = lines_of(path)
    obj = json.loads(lines[2])
    obj["seq"] = 10**15
    obj["hash"] = event_hash(obj)
    lines[2] = canonical_bytes(obj) + b"\n"
    write_lines(path, lines)
    assert summary(verify(led)) == [
        (f"events/{rid}.jsonl", 3, f"reordered: seq {10**15} before seq 4 (line 4)"),
        (f"events/{rid}.jsonl", 4, "missing line: 1 event(s) before seq 4"),
    ]


def test_event_the_read_model_cannot_fold_writes_nothing(ledger: tuple[FileLedger, str]) -> None:
    led, rid = ledger
    before = _events(led, rid).read_bytes()
    with pytest.raises(ValueError):
        led.append(rid, "dev", ev.RoleCompleted.model_construct(summary="no role named"))
    assert _events(led, rid).read_bytes() == before
    assert verify(led).ok

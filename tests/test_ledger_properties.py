"""Properties of the canonical serialisation and the hash chain, over generated inputs."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from orchestrator.ledger import FileLedger
from orchestrator.ledger import events as ev
from orchestrator.ledger.canonical import canonical_bytes, event_hash
from orchestrator.ledger.events import Action
from orchestrator.ledger.verify import verify
from tests.ledger_helpers import build_ledger, lines_of, open_pg, write_lines

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
json_objects = st.dictionaries(st.text(max_size=8), json_values, max_size=6)

FIELDS = ("seq", "ts", "request_id", "actor", "action", "details", "prev", "hash")
SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _shuffled(value: Any, rnd: Any) -> Any:
    """The same JSON value with every object's keys inserted in a random order."""
    if isinstance(value, dict):
        items = list(value.items())
        rnd.shuffle(items)
        return {k: _shuffled(v, rnd) for k, v in items}
    if isinstance(value, list):
        return [_shuffled(v, rnd) for v in value]
    return value


@given(json_objects)
def test_canonical_round_trip(obj: dict[str, Any]) -> None:
    data = canonical_bytes(obj)
    assert json.loads(data) == obj
    assert canonical_bytes(json.loads(data)) == data, "canonical form is a fixed point"
    assert b"\n" not in data, "one event, one line"


@given(json_objects, st.randoms(use_true_random=False))
def test_canonical_ignores_key_order(obj: dict[str, Any], rnd: Any) -> None:
    shuffled = _shuffled(obj, rnd)
    assert canonical_bytes(shuffled) == canonical_bytes(obj)
    assert event_hash(shuffled) == event_hash(obj)


@given(st.text(min_size=1))
def test_canonical_unicode_is_raw_utf8(text: str) -> None:
    data = canonical_bytes({"t": text})
    assert json.loads(data.decode("utf-8"))["t"] == text
    for ch in text:
        if ord(ch) >= 0x80:
            assert ch.encode("utf-8") in data, "non-ASCII stays as UTF-8, not \\u escapes"


def test_hash_ignores_only_the_hash_field() -> None:
    body = {"seq": 1, "prev": "0" * 64, "details": {}}
    assert event_hash({**body, "hash": "anything"}) == event_hash(body)
    assert event_hash({**body, "prev": "1" * 64}) != event_hash(body)


@pytest.fixture(scope="module")
def template() -> Iterator[tuple[Path, list[str]]]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "coordination"
        _, rids = build_ledger(root, requests=2)
        yield root, rids


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        yield Path(tmp)


def _fresh(template: tuple[Path, list[str]], scratch: Path) -> FileLedger:
    dest = scratch / "ledger"
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(template[0], dest)
    return FileLedger(dest)


@settings(SETTINGS, max_examples=120)
@given(
    which=st.integers(min_value=0, max_value=1),
    line=st.integers(min_value=0, max_value=10),
    field=st.sampled_from(FIELDS),
    new=json_values | st.sampled_from([a.value for a in Action]),
    rehash=st.booleans(),
)
def test_any_single_field_edit_breaks_verification(
    template: tuple[Path, list[str]],
    scratch: Path,
    which: int,
    line: int,
    field: str,
    new: Any,
    rehash: bool,
) -> None:
    ledger = _fresh(template, scratch)
    rid = template[1][which]
    path = ledger.events_path(rid)
    lines = lines_of(path)
    line %= len(lines)
    obj = json.loads(lines[line])
    assume(canonical_bytes({"v": obj[field]}) != canonical_bytes({"v": new}))
    # A re-hashed rewrite of the newest line has nothing after it to break; only an external
    # anchor can catch it (index.json anchors only the events that change what `list` shows).
    assume(not (rehash and field != "hash" and line == len(lines) - 1))
    obj[field] = new
    if rehash and field != "hash":
        obj["hash"] = event_hash(obj)  # a forger who knows the hash function
    lines[line] = canonical_bytes(obj) + b"\n"
    write_lines(path, lines)

    report = verify(ledger)
    assert not report.ok
    if not rehash or field == "hash":
        rel = f"events/{rid}.jsonl"
        assert any(f.file == rel and f.line == line + 1 for f in report.findings), report


handoffs = st.builds(
    ev.Handoff,
    from_=st.text(max_size=12),
    to=st.lists(st.text(max_size=8), max_size=3),
    round=st.integers(min_value=1, max_value=10**6),
    summary=st.none() | st.text(max_size=40),
)
replays = st.builds(
    ev.Replayed,
    status=st.sampled_from(["unchanged", "changed", "error", "skipped"]),
    error=st.none() | st.text(max_size=40),
    latency_ms=st.floats(allow_nan=False, allow_infinity=False),
)


@SETTINGS
@given(st.lists(handoffs | replays, min_size=1, max_size=3), st.text(min_size=1, max_size=12))
def test_appends_of_arbitrary_details_verify(
    template: tuple[Path, list[str]], scratch: Path, details: list[ev.Details], actor: str
) -> None:
    ledger = _fresh(template, scratch)
    rid = template[1][0]
    before = len(ledger.read_events(rid))
    for d in details:
        ledger.append(rid, actor, d)
    report = verify(ledger)
    assert report.ok, report
    assert report.stale == []
    events = FileLedger(ledger.root).read_events(rid)
    assert [e.typed() for e in events[before:]] == details
    assert all(e.actor == actor for e in events[before:])


@SETTINGS
@given(st.permutations(range(7)))
def test_any_reordering_is_found(
    template: tuple[Path, list[str]], scratch: Path, order: list[int]
) -> None:
    assume(order != sorted(order))
    ledger = _fresh(template, scratch)
    path = ledger.events_path(template[1][1])
    lines = lines_of(path)
    assert len(lines) == len(order)
    write_lines(path, [lines[i] for i in order])
    report = verify(ledger)
    assert any(f.reason.startswith("reordered") for f in report.findings), report


@SETTINGS
@given(st.sets(st.integers(min_value=0, max_value=6), min_size=1))
def test_any_deletion_is_found(
    template: tuple[Path, list[str]], scratch: Path, dropped: set[int]
) -> None:
    ledger = _fresh(template, scratch)
    path = ledger.events_path(template[1][1])
    lines = lines_of(path)
    write_lines(path, [line for i, line in enumerate(lines) if i not in dropped])
    assert not verify(ledger).ok


@SETTINGS
@given(st.lists(handoffs | replays, min_size=1, max_size=3), st.text(min_size=1, max_size=12))
def test_appends_of_arbitrary_details_verify_on_postgres(
    pg_url: str, details: list[ev.Details], actor: str
) -> None:
    """The same property on the shared backend; a second opener reads the same chain."""
    ledger = open_pg(pg_url)
    rid = ledger.create_request("arbitrary details", "prop").packet.request_id
    for d in details:
        ledger.append(rid, actor, d)
    assert verify(ledger, [rid]).ok
    events = open_pg(pg_url).read_events(rid)
    assert [e.typed() for e in events[1:]] == details
    assert all(e.actor == actor for e in events[1:])

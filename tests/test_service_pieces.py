"""The service's pieces wired as its routes and workers will wire them: a verified webhook →
an outcome → the Python API and the ledger; a triaged item → write-back → its event. The
ledger verifies after every path."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.github import Done, GitHubSettings, WriteBack
from adapters.policy import RetryPolicy
from orchestrator import Orchestrator, load_config
from orchestrator.ledger import FileLedger
from orchestrator.ledger.events import (
    AlertResolved,
    RequestEdited,
    WritebackDone,
    WritebackPlanned,
)
from orchestrator.ledger.models import Source
from orchestrator.ledger.verify import verify
from orchestrator.service.sources import SOURCES, Accepted, Edited, Resolved
from orchestrator.service.sources import github as gh
from orchestrator.service.sources.base import alert_resolved
from orchestrator.service.writeback import comment_id_of, item_state, record_of, target_of
from tests.fakes.github import TOKEN, FakeGitHub
from tests.test_source_alertmanager import alert, note
from tests.test_source_github import DELIVERY, SECRET, headers, payload

REPO, NUMBER = "octo/app", 1347
FIRST = "2024-05-01T10:00:00.123456789Z"  # when the group's first alert started firing


@pytest.fixture
def orch(tmp_path: Path) -> Iterator[Orchestrator]:
    with Orchestrator(load_config(env={}, ledger=tmp_path / "coordination")) as o:
        yield o


def deliver(name: str, data: object, hdrs: dict[str, str], secret: str) -> Any:
    """What `POST /webhooks/{name}` does before it writes anything."""
    source = SOURCES[name]
    raw = json.dumps(data).encode()
    signed = {**hdrs, "x-hub-signature-256": gh.sign(secret, raw)} if name == "github" else hdrs
    assert source.authenticate(secret, raw, signed)
    return source.read(raw, signed)


def submit(orch: Orchestrator, outcome: Accepted) -> str:
    intake = outcome.intake
    result = orch.submit(
        intake.text, title=intake.title, idempotency_key=intake.idempotency_key,
        source=intake.source,
    )  # fmt: skip
    return result.request_id


def test_a_github_issue_becomes_one_item_and_its_write_back_is_planned(orch):
    outcome = deliver("github", payload(), headers(), SECRET)
    rid = submit(orch, outcome)
    assert submit(orch, deliver("github", payload(), headers(), SECRET)) == rid  # redelivery
    packet = orch.ledger.read_request(rid)
    assert packet.source.repository == REPO and packet.source.delivery == DELIVERY
    assert packet.source.subject == f"github:{REPO}#{NUMBER}"

    events = orch.ledger.read_events(rid)
    state = item_state(packet, events)
    assert state is not None and state.kind == "incident" and state.state == "CLOSED"
    planned = WriteBack(GitHubSettings()).apply(state)
    orch.ledger.append(rid, "writeback", record_of(planned, "closed"))
    last = orch.ledger.read_events(rid)[-1].read(WritebackPlanned)
    assert last.trigger == "closed" and last.target == f"{REPO}#{NUMBER}"
    assert "kind:incident" in last.labels and last.comment.startswith("<!-- orchestrate:")
    assert verify(orch.ledger).ok


def test_an_edit_appends_once_per_delivery(orch):
    rid = submit(orch, deliver("github", payload(), headers(), SECRET))
    edited = deliver(
        "github", payload("edited", body="Now also /signup."), headers(delivery="d-9"), SECRET
    )
    assert isinstance(edited, Edited)
    for _ in range(2):  # GitHub redelivers
        events = orch.ledger.read_events(rid)
        if not edited.recorded_in(events):
            orch.ledger.append(rid, "github", edited.details())
    appended = [e for e in orch.ledger.read_events(rid) if e.action == "REQUEST_EDITED"]
    assert len(appended) == 1
    assert appended[0].read(RequestEdited).text.endswith("Now also /signup.")
    assert verify(orch.ledger).ok


def test_an_alert_group_is_one_item_until_it_resolves(orch):
    hdrs = {"content-type": "application/json", "authorization": "Bearer tok-1234"}
    firing = deliver("alertmanager", note(), hdrs, "tok-1234")
    rid = submit(orch, firing)
    triage = orch.result(rid).triage
    assert triage is not None and triage.kind == "incident"

    more = note()
    more["alerts"].append(alert("10.0.0.3:8080", "2024-05-01T10:05:00Z"))
    resent = deliver("alertmanager", more, hdrs, "tok-1234")
    # same key, new text: look the key up first (submit refuses a key with different text)
    assert orch.ledger.find_by_idempotency_key(resent.intake.idempotency_key) == rid

    gone = alert("10.0.0.1:8080", FIRST, "resolved", "2024-05-01T11:00:00Z")
    resolved = deliver("alertmanager", note("resolved", [gone]), hdrs, "tok-1234")
    assert isinstance(resolved, Resolved)
    assert orch.ledger.find_by_idempotency_key(resolved.idempotency_key) == rid
    events = orch.ledger.read_events(rid)
    assert not alert_resolved(events)
    orch.ledger.append(rid, "alertmanager", resolved.details())
    events = orch.ledger.read_events(rid)
    assert alert_resolved(events) and resolved.recorded_in(events)
    assert events[-1].read(AlertResolved).ended_at == "2024-05-01T11:00:00.000000Z"

    refired = note(alerts=[alert("10.0.0.1:8080", "2024-05-02T08:00:00Z")])
    again = deliver("alertmanager", refired, hdrs, "tok-1234")
    assert orch.ledger.find_by_idempotency_key(again.intake.idempotency_key) is None
    assert submit(orch, again) != rid
    assert verify(orch.ledger).ok


def test_write_back_finds_its_comment_id_in_the_ledger_and_edits_it(orch):
    rid = submit(orch, deliver("github", payload(), headers(), SECRET))
    packet = orch.ledger.read_request(rid)
    with FakeGitHub() as fake:
        fake.add_issue(REPO, NUMBER)
        writeback = WriteBack(
            GitHubSettings(write=True, api_url=fake.url),
            RetryPolicy(base_delay_s=0),
            env={"ORCHESTRATE_GITHUB_TOKEN": TOKEN},
        )
        for trigger in ("triaged", "closed"):
            state = item_state(packet, orch.ledger.read_events(rid))
            assert state is not None
            outcome = writeback.apply(state)
            assert isinstance(outcome, Done)
            orch.ledger.append(rid, "writeback", record_of(outcome, trigger))
        (comment,) = fake.comments(REPO, NUMBER)
    events = orch.ledger.read_events(rid)
    done = [e.read(WritebackDone) for e in events if e.action == "WRITEBACK_DONE"]
    assert [d.comment_action for d in done] == ["created", "updated"]
    assert comment_id_of(events) == comment.id == done[0].comment_id
    assert verify(orch.ledger).ok


def test_items_not_from_github_have_no_write_back(orch):
    rid = orch.submit("Login returns 500 for every user").request_id
    packet = orch.ledger.read_request(rid)
    assert target_of(packet.source) is None
    assert item_state(packet, orch.ledger.read_events(rid)) is None


def test_the_ledger_finds_the_newest_item_of_a_subject_and_reindex_restores_it(
    tmp_path: Path,
) -> None:
    ledger = FileLedger(tmp_path / "coordination")
    alert = Source(kind="alertmanager", group_key='{}:{alertname="Down"}')
    first = ledger.create_request("down", "down", source=alert).packet.request_id
    second = ledger.create_request("down again", "down", source=alert).packet.request_id
    ledger.create_request("typed in", "typed in")
    assert alert.subject is not None
    assert ledger.find_by_subject(alert.subject) == second != first
    assert ledger.find_by_subject("github:octo/app#1") is None
    shutil.rmtree(tmp_path / "coordination" / "subjects")
    assert ledger.find_by_subject(alert.subject) is None
    ledger.reindex()
    assert ledger.find_by_subject(alert.subject) == second

"""The GitHub webhook source: signature verification and `issues` payloads → outcomes."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest

from orchestrator.service.sources import SOURCES
from orchestrator.service.sources import github as gh
from orchestrator.service.sources.base import Accepted, Edited, Ignored, Invalid

SECRET = "It's a Secret to Everybody"
DELIVERY = "72d3162e-cc78-11e3-81ab-4c9367dc0958"


def payload(action: str = "opened", **issue: Any) -> dict[str, Any]:
    """An `issues` delivery as GitHub sends it, with more fields than the source reads."""
    return {
        "action": action,
        "issue": {
            "id": 1,
            "node_id": "I_1",
            "number": 1347,
            "title": "Login returns 500 for every user",
            "body": "Since the 10:00 deploy, POST /login answers 500.",
            "html_url": "https://github.com/octo/app/issues/1347",
            "state": "open",
            "labels": [],
            "user": {"login": "octocat", "id": 1, "type": "User"},
            **issue,
        },
        "repository": {"id": 2, "full_name": "octo/app", "private": False},
        "sender": {"login": "octocat"},
        "installation": {"id": 3},
    }


def headers(event: str = "issues", delivery: str | None = DELIVERY) -> dict[str, str]:
    out = {"content-type": "application/json", "x-github-event": event}
    if delivery is not None:
        out["x-github-delivery"] = delivery
    return out


def body_of(data: object) -> bytes:
    return json.dumps(data).encode()


# -- signatures ----------------------------------------------------------------------------


def test_the_documented_example_signature_verifies():
    """GitHub's docs: secret "It's a Secret to Everybody", body "Hello, World!"."""
    signature = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert gh.sign(SECRET, b"Hello, World!") == signature
    assert gh.verify(SECRET, b"Hello, World!", signature)


@pytest.mark.parametrize(
    ("secret", "body", "signature"),
    [
        ("another secret", b"Hello, World!", gh.sign(SECRET, b"Hello, World!")),
        (SECRET, b"Hello, World?", gh.sign(SECRET, b"Hello, World!")),
        (SECRET, b"Hello, World!", None),
        (SECRET, b"Hello, World!", ""),
        (SECRET, b"Hello, World!", gh.sign(SECRET, b"Hello, World!").removeprefix("sha256=")),
        (SECRET, b"Hello, World!", "sha1=" + hmac.new(SECRET.encode(), b"x", "sha1").hexdigest()),
        (SECRET, b"Hello, World!", gh.sign(SECRET, b"Hello, World!")[:-2]),
        (SECRET, b"Hello, World!", "sha256=" + "zz" * 32),
        (SECRET, b"Hello, World!", "sha256=" + "é" * 64),
        ("", b"Hello, World!", gh.sign("", b"Hello, World!")),
    ],
    ids=[
        "wrong-secret", "tampered-body", "missing", "empty", "no-prefix", "sha1", "short",
        "not-hex", "not-ascii", "empty-secret",
    ],
)  # fmt: skip
def test_a_wrong_missing_or_malformed_signature_is_refused(secret, body, signature):
    assert gh.verify(secret, body, signature) is False


def test_the_digests_are_compared_in_constant_time(monkeypatch):
    seen: list[tuple[str, str]] = []
    real = hmac.compare_digest

    def spy(a: str, b: str) -> bool:
        seen.append((a, b))
        return real(a, b)

    monkeypatch.setattr(gh.hmac, "compare_digest", spy)
    assert gh.verify(SECRET, b"{}", gh.sign(SECRET, b"{}"))
    assert not gh.verify(SECRET, b"{}", gh.sign(SECRET, b"[]"))
    assert len(seen) == 2
    assert seen[0][0] == hmac.new(SECRET.encode(), b"{}", hashlib.sha256).hexdigest()


def test_authenticate_reads_the_signature_header_in_any_case():
    body = body_of(payload())
    assert gh.authenticate(SECRET, body, {"X-Hub-Signature-256": gh.sign(SECRET, body)})
    assert gh.authenticate(SECRET, body, {"x-hub-signature-256": gh.sign(SECRET, body)})
    assert not gh.authenticate(SECRET, body, {"x-hub-signature": "sha1=00"})
    assert SOURCES["github"].authenticate is gh.authenticate
    assert SOURCES["github"].secret_var == "ORCHESTRATE_GITHUB_WEBHOOK_SECRET"


# -- payloads ------------------------------------------------------------------------------


def test_an_opened_issue_is_accepted_with_its_source():
    outcome = gh.read(body_of(payload()), headers())
    assert isinstance(outcome, Accepted) and outcome.status == 202
    intake = outcome.intake
    assert intake.title == "Login returns 500 for every user"
    assert intake.text == (
        "Login returns 500 for every user\n\nSince the 10:00 deploy, POST /login answers 500."
    )
    source = intake.source
    assert (source.kind, source.repository, source.issue_number) == ("github", "octo/app", 1347)
    assert source.url == "https://github.com/octo/app/issues/1347"
    assert (source.author, source.delivery) == ("octocat", DELIVERY)
    assert intake.idempotency_key == f"github-delivery:{DELIVERY}"
    assert intake.subject == "github:octo/app#1347" == source.subject
    assert intake.same_while_open is False


def test_a_redelivery_is_the_same_item_and_a_reopen_a_new_one():
    first = gh.read(body_of(payload()), headers())
    again = gh.read(body_of(payload()), headers())
    reopened = gh.read(body_of(payload("reopened")), headers(delivery="d-2"))
    assert isinstance(first, Accepted) and isinstance(again, Accepted)
    assert isinstance(reopened, Accepted)
    assert first.intake == again.intake
    assert reopened.intake.idempotency_key != first.intake.idempotency_key
    assert reopened.intake.subject == first.intake.subject


def test_an_issue_without_a_body_is_its_title():
    outcome = gh.read(body_of(payload(body=None)), headers())
    assert isinstance(outcome, Accepted)
    assert outcome.intake.text == "Login returns 500 for every user"


def test_an_edit_appends_to_the_item_of_that_issue():
    data = payload("edited", body="Now also on /signup.")
    data["changes"] = {"body": {"from": "Since the 10:00 deploy, POST /login answers 500."}}
    outcome = gh.read(body_of(data), headers(delivery="d-3"))
    assert isinstance(outcome, Edited) and outcome.status == 202
    assert outcome.changed == ["body"]
    assert outcome.intake.subject == "github:octo/app#1347"
    assert outcome.intake.text.endswith("Now also on /signup.")
    assert outcome.intake.source.delivery == "d-3"


@pytest.mark.parametrize(
    ("event", "data", "reason"),
    [
        ("ping", {"zen": "Design for failure.", "hook_id": 1}, "ping"),
        ("push", {"ref": "refs/heads/main"}, "push events are not handled"),
        ("issues", {"action": "labeled"}, "issues action 'labeled' is not handled"),
        ("issues", payload("closed"), "issues action 'closed' is not handled"),
    ],
)
def test_pings_other_events_and_other_actions_are_acknowledged_and_ignored(event, data, reason):
    outcome = gh.read(body_of(data), headers(event))
    assert outcome == Ignored(reason=reason)
    assert outcome.status == 200


def _without(data: dict[str, Any], *path: str) -> dict[str, Any]:
    node = data
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return data


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (_without(payload(), "issue", "title"), "issues event: issue.title: Field required"),
        (_without(payload(), "issue", "user"), "issues event: issue.user: Field required"),
        (_without(payload(), "repository"), "issues event: repository: Field required"),
        (_without(payload(), "action"), "issues event: action: Field required"),
        (payload(number="twelve"), "issues event: issue.number: Input should be a valid integer"),
        ([payload()], "issues event: the body must be a JSON object"),
        (payload(title=" ", body=""), "issues event: the issue has neither title nor body"),
    ],
)
def test_missing_fields_are_a_422_with_a_one_line_reason(data, reason):
    outcome = gh.read(body_of(data), headers())
    assert isinstance(outcome, Invalid)
    assert outcome.status == 422
    assert outcome.reason.startswith(reason)
    assert "\n" not in outcome.reason


def test_the_reason_names_the_first_problem_and_counts_the_rest():
    data = _without(_without(payload(), "issue", "title"), "issue", "html_url")
    outcome = gh.read(body_of(data), headers())
    assert outcome == Invalid(
        status=422, reason="issues event: issue.title: Field required (and 1 more)"
    )


@pytest.mark.parametrize(
    ("body", "hdrs", "status", "reason"),
    [
        (b"{not json", headers(), 400, "body is not valid JSON: "),
        (b"\xff\xfe{}", headers(), 400, "body is not valid UTF-8 (byte 0)"),
        (
            b"payload=%7B%7D",
            {**headers(), "content-type": "application/x-www-form-urlencoded"},
            415,
            "content type must be application/json, not application/x-www-form-urlencoded",
        ),
        (b"{}", {"x-github-event": "issues"}, 415, "content type must be application/json"),
        (b"{}", {"content-type": "application/json"}, 400, "missing X-GitHub-Event header"),
        (body_of(payload()), headers(delivery=None), 400, "missing or malformed X-GitHub-Del"),
    ],
    ids=["bad-json", "not-utf8", "form-encoded", "no-content-type", "no-event", "no-delivery"],
)
def test_bad_requests_are_refused_with_their_status(body, hdrs, status, reason):
    outcome = gh.read(body, hdrs)
    assert isinstance(outcome, Invalid)
    assert (outcome.status, "\n" in outcome.reason) == (status, False)
    assert outcome.reason.startswith(reason)


def test_a_content_type_with_parameters_is_json():
    hdrs = {**headers(), "content-type": "application/json; charset=utf-8"}
    assert isinstance(gh.read(body_of(payload()), hdrs), Accepted)


def test_the_reason_never_echoes_the_payload():
    data = payload(number="SECRET-LOOKING-VALUE")
    outcome = gh.read(body_of(data), headers())
    assert isinstance(outcome, Invalid) and "SECRET-LOOKING-VALUE" not in outcome.reason

"""`orchestrate serve` over real HTTP: the API, the webhooks, write-back to a fake GitHub,
health and metrics, and bad input — each answered in one line with nothing half-written."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from orchestrator.ledger import FileLedger
from orchestrator.ledger.verify import verify
from orchestrator.service.sources import github as gh
from tests.fakes.github import TOKEN as GITHUB_TOKEN
from tests.fakes.github import FakeGitHub
from tests.helpers import actions, events_of
from tests.service_helpers import (
    ALERT_TOKEN,
    API_TOKEN,
    GITHUB_SECRET,
    finished,
    serving,
    wait_until,
)
from tests.test_source_alertmanager import GROUP_KEY, note
from tests.test_source_github import payload

REPO, NUMBER = "octo/app", 1347
INVOICE = "Invoice PDF shows the wrong total when a discount is applied"


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORCHESTRATE_API_TOKEN", API_TOKEN)
    monkeypatch.setenv("ORCHESTRATE_GITHUB_WEBHOOK_SECRET", GITHUB_SECRET)
    monkeypatch.setenv("ORCHESTRATE_ALERTMANAGER_TOKEN", ALERT_TOKEN)
    monkeypatch.setenv("ORCHESTRATE_GITHUB_TOKEN", GITHUB_TOKEN)


def signed(
    client: httpx.Client, data: object, delivery: str, event: str = "issues"
) -> httpx.Response:
    body = json.dumps(data).encode()
    return client.post(
        "/webhooks/github",
        content=body,
        headers={
            "content-type": "application/json",
            "x-github-event": event,
            "x-github-delivery": delivery,
            "x-hub-signature-256": gh.sign(GITHUB_SECRET, body),
        },
    )


def alerting(client: httpx.Client, data: object, token: str = ALERT_TOKEN) -> httpx.Response:
    return client.post(
        "/webhooks/alertmanager", json=data, headers={"authorization": f"Bearer {token}"}
    )


def written(ledger: Path) -> int:
    requests = ledger / "requests"
    return len(list(requests.glob("*.json"))) if requests.is_dir() else 0


# -- the issue's "done when" -------------------------------------------------------------------
def test_a_signed_github_issue_is_triaged_routed_closed_and_written_back_once(tmp_path, secrets):
    with FakeGitHub() as github:
        github.add_issue(REPO, NUMBER)
        extra = f'[github]\nwrite = true\napi_url = "{github.url}"\nbase_url = "http://orch"\n'
        with serving(tmp_path, extra) as svc, svc.client(token=None) as web, svc.client() as api:
            issue = payload(number=NUMBER, title=INVOICE, body="Seen on every invoice since 2.4.")
            first = signed(web, issue, "delivery-1")
            assert first.status_code == 202, first.text
            rid = first.json()["request_id"]
            wait_until(lambda: finished(api, [rid]), 30, "the item to finish")
            wait_until(
                lambda: actions(events_of(svc.ledger, rid)).count("WRITEBACK_DONE") == 2,
                30, "write-back after triage and at close",
            )  # fmt: skip
            shown = api.get(f"/v1/items/{rid}").json()
            assert shown["item"]["state"] == "CLOSED"
            assert shown["item"]["kind"] == "bug"
            assert shown["item"]["route"][0] == "dev" and "test" in shown["item"]["route"]
            assert shown["request"]["source"] == {
                "kind": "github", "repository": REPO, "issue_number": NUMBER,
                "url": f"https://github.com/{REPO}/issues/{NUMBER}", "author": "octocat",
                "delivery": "delivery-1", "group_key": None,
            }  # fmt: skip
            labels = set(github.labels(REPO, NUMBER))
            assert {"kind:bug", f"severity:{shown['item']['severity']}"} <= labels
            comments = github.comments(REPO, NUMBER)
            assert len(comments) == 1
            assert rid in comments[0].body and "bug" in comments[0].body
            assert "http://orch/items/" + rid in comments[0].body

            before = events_of(svc.ledger, rid)
            again = signed(web, issue, "delivery-1")  # GitHub redelivers
            assert again.status_code == 200 and again.json()["request_id"] == rid
            assert events_of(svc.ledger, rid) == before
            assert written(svc.ledger) == 1
            assert len(github.comments(REPO, NUMBER)) == 1
            assert verify(FileLedger(svc.ledger)).ok


def test_a_persons_correction_relabels_the_issue_and_edits_its_one_comment(tmp_path, secrets):
    """Reclassifying a closed GitHub item over the API: the old kind's label goes, the new
    one comes, and the one comment is edited in place — recorded as a `corrected` write-back."""
    with FakeGitHub() as github:
        github.add_issue(REPO, NUMBER)
        extra = f'[github]\nwrite = true\napi_url = "{github.url}"\n'
        with serving(tmp_path, extra) as svc, svc.client(token=None) as web, svc.client() as api:
            issue = payload(number=NUMBER, title=INVOICE, body="Seen on every invoice since 2.4.")
            rid = signed(web, issue, "delivery-c").json()["request_id"]
            wait_until(
                lambda: actions(events_of(svc.ledger, rid)).count("WRITEBACK_DONE") == 2,
                30, "write-back after triage and at close",
            )  # fmt: skip
            assert "kind:bug" in github.labels(REPO, NUMBER)
            fixed = api.post(
                f"/v1/items/{rid}/reclassify",
                json={"kind": "incident", "severity": "high", "reason": "checkout is down"},
            )
            assert fixed.status_code == 200, fixed.text
            wait_until(
                lambda: actions(events_of(svc.ledger, rid)).count("WRITEBACK_DONE") == 3,
                30, "the corrected write-back",
            )  # fmt: skip
            labels = set(github.labels(REPO, NUMBER))
            assert {"kind:incident", "severity:high"} <= labels and "kind:bug" not in labels
            [comment] = github.comments(REPO, NUMBER)
            assert "incident" in comment.body
            last = [e for e in events_of(svc.ledger, rid) if e["action"] == "WRITEBACK_DONE"][-1]
            assert last["details"]["trigger"] == "corrected"


def test_an_edit_is_appended_once_to_the_issues_item(tmp_path, secrets):
    with serving(tmp_path) as svc, svc.client(token=None) as web:
        rid = signed(web, payload(number=7), "d-open").json()["request_id"]
        edit = payload("edited", number=7, title="Login returns 500 for admins only")
        edit["changes"] = {"title": {"from": "Login returns 500 for every user"}}
        for _ in range(2):  # the edit and its redelivery
            answer = signed(web, edit, "d-edit")
            assert answer.status_code == 202 and answer.json()["request_id"] == rid
        edited = [e for e in events_of(svc.ledger, rid) if e["action"] == "REQUEST_EDITED"]
        assert len(edited) == 1
        assert edited[0]["details"]["title"] == "Login returns 500 for admins only"
        unknown = signed(web, payload("edited", number=99), "d-other")
        assert unknown.status_code == 200 and unknown.json()["outcome"] == "ignored"
        assert written(svc.ledger) == 1


def test_a_firing_alert_group_is_one_incident_and_its_resolution_is_recorded(tmp_path, secrets):
    with serving(tmp_path) as svc, svc.client(token=None) as web, svc.client() as api:
        first = alerting(web, note())
        assert first.status_code == 202, first.text
        rid = first.json()["request_id"]
        resent = alerting(web, note())  # Alertmanager repeats while the group fires
        assert resent.json()["request_id"] == rid
        wait_until(lambda: finished(api, [rid]), 30, "the alert item to finish")
        assert api.get(f"/v1/items/{rid}").json()["item"]["kind"] == "incident"
        resolved = note("resolved")
        for a in resolved["alerts"]:
            a["status"], a["endsAt"] = "resolved", "2024-05-01T10:30:00Z"
        for _ in range(2):
            answer = alerting(web, resolved)
            assert answer.status_code == 202 and answer.json()["outcome"] == "resolved"
        assert actions(events_of(svc.ledger, rid)).count("ALERT_RESOLVED") == 1
        assert written(svc.ledger) == 1
        assert verify(FileLedger(svc.ledger)).ok
        source = api.get(f"/v1/items/{rid}").json()["request"]["source"]
        assert source["kind"] == "alertmanager" and source["group_key"] == GROUP_KEY


# -- authentication: nothing is written for a request that is not who it says ----------------
@pytest.mark.parametrize(
    ("path", "headers"),
    [
        (
            "/webhooks/github",
            {"x-github-event": "issues", "x-hub-signature-256": "sha256=" + "0" * 64},
        ),
        ("/webhooks/github", {"x-github-event": "issues"}),
        ("/webhooks/alertmanager", {"authorization": "Bearer wrong"}),
        ("/webhooks/alertmanager", {}),
        ("/v1/items", {"authorization": "Bearer wrong"}),
        ("/v1/items", {}),
    ],
    ids=["gh-wrong-sig", "gh-no-sig", "am-wrong-token", "am-no-token", "api-wrong", "api-none"],
)
def test_unauthenticated_requests_get_401_and_write_nothing(tmp_path, secrets, path, headers):
    with serving(tmp_path, workers=0) as svc, svc.client(token=None) as web:
        data = payload() if "github" in path else note() if "alert" in path else {"text": "x y"}
        answer = web.post(
            path, content=json.dumps(data), headers={"content-type": "application/json", **headers}
        )
        assert answer.status_code == 401
        assert list(answer.json()) == ["error"] and "\n" not in answer.json()["error"]
        assert API_TOKEN not in answer.text and GITHUB_SECRET not in answer.text
        assert written(svc.ledger) == 0


def test_an_unconfigured_source_is_503_and_ping_is_acknowledged(tmp_path, monkeypatch):
    monkeypatch.setenv("ORCHESTRATE_GITHUB_WEBHOOK_SECRET", GITHUB_SECRET)
    with serving(tmp_path, workers=0) as svc, svc.client(token=None) as web:
        refused = alerting(web, note())
        assert refused.status_code == 503 and "not configured" in refused.json()["error"]
        ping = signed(web, {"zen": "Keep it logically awesome.", "hook_id": 1}, "p1", "ping")
        assert ping.status_code == 200 and ping.json()["outcome"] == "ignored"
        other = signed(web, payload("labeled"), "p2")
        assert other.status_code == 200 and other.json()["outcome"] == "ignored"
        assert written(svc.ledger) == 0


# -- the API --------------------------------------------------------------------------------
def test_items_are_accepted_listed_paged_and_shown_like_show_json(tmp_path, secrets, cli):
    with serving(tmp_path) as svc, svc.client() as api:
        texts = ["login returns 500", "Add dark mode to the settings page",
                 "Checkout is down for all users since the deploy"]  # fmt: skip
        rids = []
        for text in texts:
            answer = api.post("/v1/items", json={"text": text})
            assert answer.status_code == 202
            assert set(answer.json()) >= {"request_id", "state"}
            rids.append(answer.json()["request_id"])
        wait_until(lambda: finished(api, rids), 30, "three items")
        page = api.get("/v1/items", params={"limit": 2}).json()
        assert [i["request_id"] for i in page["items"]] == rids[::-1][:2]
        assert page["total"] == 3 and page["next"] == rids[1]
        rest = api.get("/v1/items", params={"limit": 2, "after": page["next"]}).json()
        assert [i["request_id"] for i in rest["items"]] == [rids[0]] and rest["next"] is None
        features = api.get("/v1/items", params={"kind": "feature"}).json()["items"]
        assert [i["request_id"] for i in features] == [rids[1]]
        found = api.get("/v1/items", params={"q": "DARK settings"}).json()["items"]
        assert [i["request_id"] for i in found] == [rids[1]]
        shown = api.get(f"/v1/items/{rids[0]}").json()
        printed = json.loads(cli("show", rids[0], "--ledger", str(svc.ledger), "--json").stdout)
        assert shown == printed
        assert api.get(f"/v1/items/{rids[0]}", params={"at": 2}).json()["item"]["last_seq"] == 2


def test_an_idempotency_key_answers_the_same_item(tmp_path, secrets):
    with serving(tmp_path, workers=0) as svc, svc.client() as api:
        body = {"text": "login returns 500", "idempotency_key": "k-1"}
        first, second = api.post("/v1/items", json=body), api.post("/v1/items", json=body)
        assert (first.status_code, second.status_code) == (202, 200)
        assert first.json()["request_id"] == second.json()["request_id"]
        header = api.post("/v1/items", json={"text": "other"}, headers={"Idempotency-Key": "k-1"})
        assert header.status_code == 400 and "different text" in header.json()["error"]
        assert written(svc.ledger) == 1


def test_a_full_queue_answers_429_with_retry_after_and_writes_nothing(tmp_path, secrets):
    with serving(tmp_path, workers=0, queue={"max_depth": 2}) as svc, svc.client() as api:
        for n in range(2):
            assert api.post("/v1/items", json={"text": f"item {n}"}).status_code == 202
        full = api.post("/v1/items", json={"text": "one too many"})
        assert full.status_code == 429 and full.headers["retry-after"] == "5"
        assert "queue is full" in full.json()["error"]
        assert written(svc.ledger) == 2


@pytest.mark.parametrize(
    ("content", "content_type", "status", "says"),
    [
        (b"{not json", "application/json", 400, "not valid JSON"),
        (b'{"text": "x"}', "text/plain", 415, "application/json"),
        (b"{}", "application/json", 422, "text: Field required"),
        (b'{"text": ""}', "application/json", 422, "text: String should have at least 1"),
        (b'{"text": "x", "colour": "red"}', "application/json", 422, "colour: Extra inputs"),
        (b"[1, 2]", "application/json", 422, "must be a JSON object"),
        (b'{"text": "' + b"x" * 2_000_000 + b'"}', "application/json", 413, "body over"),
        (b"\xff\xfe", "application/json", 400, "UTF-8"),
    ],
    ids=["bad-json", "content-type", "missing", "empty", "extra", "array", "too-big", "utf8"],
)
def test_bad_bodies_get_one_line_and_nothing_is_written(
    tmp_path, secrets, content, content_type, status, says
):
    with serving(tmp_path, workers=0) as svc, svc.client() as api:
        answer = api.post("/v1/items", content=content, headers={"content-type": content_type})
        assert answer.status_code == status, answer.text
        assert list(answer.json()) == ["error"] and says in answer.json()["error"]
        assert "\n" not in answer.json()["error"] and len(answer.json()["error"]) < 200
        assert written(svc.ledger) == 0


def test_unknown_routes_ids_and_methods_are_one_line(tmp_path, secrets):
    with serving(tmp_path, workers=0) as svc, svc.client() as api:
        cases = [
            (api.get("/v1/nothing"), 404, "no such route"),
            (api.get("/v1/items/REQ-20260101-0001"), 404, "unknown request"),
            (api.get("/v1/items/not-an-id"), 400, "not-an-id"),
            (api.delete("/v1/items"), 405, "not allowed"),
            (api.get("/v1/items", params={"state": "DONE"}), 400, "unknown state"),
            (api.get("/v1/items", params={"limit": 0}), 422, "limit"),
            (api.post("/webhooks/jira", json={}), 404, "no webhook source"),
        ]
        for answer, status, says in cases:
            assert answer.status_code == status, (answer.request.url, answer.text)
            assert says in answer.json()["error"], answer.text


def test_health_readiness_and_metrics(tmp_path, secrets):
    with serving(tmp_path, workers=1) as svc, svc.client() as api, svc.client(None) as web:
        assert web.get("/healthz").json() == {"status": "ok"}
        assert web.get("/readyz").json() == {"status": "ready"}
        rid = api.post("/v1/items", json={"text": "login returns 500"}).json()["request_id"]
        wait_until(lambda: finished(api, [rid]), 30, "the item")
        alerting(web, note(), token="wrong")
        text = web.get("/metrics").text
        kind = api.get(f"/v1/items/{rid}").json()["item"]["kind"]
        assert f'orchestrate_items{{kind="{kind}",state="CLOSED"}} 1.0' in text
        assert "orchestrate_queue_depth 0.0" in text
        assert 'orchestrate_webhooks_total{source="alertmanager",status="401"} 1.0' in text
        runs = f'orchestrate_run_duration_seconds_count{{kind="{kind}",state="CLOSED"}} 1.0'
        assert runs in text
        assert 'orchestrate_step_duration_seconds_count{role="triage",runtime="mock"}' in text
        assert 'route="/v1/items",status="202"' in text
        assert "orchestrate_worker_slots_alive 1.0" in text
        svc.state.accepting = False
        assert web.get("/readyz").status_code == 503


def test_serve_without_workers_leaves_runs_and_write_back_to_orchestrate_worker(tmp_path, secrets):
    import subprocess

    from tests.service_helpers import ORCHESTRATE

    with serving(tmp_path, workers=0) as svc, svc.client(token=None) as web:
        rid = signed(web, payload(number=5, title=INVOICE), "d-5").json()["request_id"]
        assert actions(events_of(svc.ledger, rid)) == ["REQUEST_CREATED", "QUEUED"]
    drained = subprocess.run(
        [ORCHESTRATE, "worker", "--drain", "--config", str(tmp_path / "orchestrate.toml")],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert drained.returncode == 0, drained.stderr
    events = events_of(tmp_path / "coordination", rid)
    planned = [e["details"] for e in events if e["action"] == "WRITEBACK_PLANNED"]
    assert [p["trigger"] for p in planned] == ["triaged", "closed"]  # [github] write = false
    assert "kind:bug" in planned[-1]["labels"] and rid in planned[-1]["comment"]


def test_the_run_of_a_queued_item_continues_the_trace_that_queued_it(tmp_path, secrets):
    from tests.test_telemetry import _install

    traced = _install()
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    try:
        with serving(tmp_path) as svc, svc.client() as api:
            answer = api.post(
                "/v1/items", json={"text": "login returns 500"},
                headers={"traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"},
            )  # fmt: skip
            rid = answer.json()["request_id"]
            wait_until(lambda: finished(api, [rid]), 30, "the item")
            wait_until(lambda: traced.named("invoke_workflow orchestrate"), 10, "the span")
        [workflow] = traced.named("invoke_workflow orchestrate")
        assert format(workflow.context.trace_id, "032x") == trace_id
        queued = [e for e in events_of(svc.ledger, rid) if e["action"] == "QUEUED"]
        assert queued[0]["details"]["trace"]["traceparent"].startswith(f"00-{trace_id}-")
    finally:
        from orchestrator import telemetry

        telemetry.install(None)

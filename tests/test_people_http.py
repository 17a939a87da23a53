"""People in the loop over real HTTP: approve, reject, reclassify and retry as the
authenticated caller, with the CLI's refusals as statuses (404, 409, 400, 422)."""

from __future__ import annotations

import httpx
import pytest

from tests.helpers import actions, events_of
from tests.service_helpers import API_TOKEN, serving, wait_until

FEATURE = "Add CSV export to the reports page so finance can download monthly totals"
BUG = "Crash when saving a draft: expected the draft saved but got TypeError in editor.js"
GATED = '[approvals]\nfeature = ["dev"]\n'


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORCHESTRATE_API_TOKEN", API_TOKEN)


def _item(api: httpx.Client, rid: str) -> dict:
    item: dict = api.get(f"/v1/items/{rid}").json()["item"]
    return item


def _submitted(api: httpx.Client, text: str, until: str) -> str:
    """Submit and wait until the item waits for a person (`waiting`) or is `state`."""
    rid: str = api.post("/v1/items", json={"text": text}).json()["request_id"]

    def reached() -> bool:
        item = _item(api, rid)
        return bool(item["waiting_for"]) if until == "waiting" else item["state"] == until

    wait_until(reached, 30, f"{rid} {until}")
    return rid


def test_approve_over_http_runs_the_item_on_to_closed_as_the_caller(tmp_path):
    with serving(tmp_path, GATED) as svc, svc.client() as api:
        rid = _submitted(api, FEATURE, "waiting")
        waiting = api.get("/v1/items").json()["items"]
        assert [i["waiting_for"] for i in waiting] == [["dev"]]
        answer = api.post(f"/v1/items/{rid}/approve", json={"note": "go"})
        assert answer.status_code == 202 and answer.json()["waiting_for"] == []
        wait_until(lambda: _item(api, rid)["state"] == "CLOSED", 30, "the approved run")
        events = events_of(svc.ledger, rid)
        [approved] = [e for e in events if e["action"] == "APPROVED"]
        assert approved["actor"] == "api" and approved["details"]["note"] == "go"
        assert actions(events).count("TRIAGED") == 1
        again = api.post(f"/v1/items/{rid}/approve", json={})
        assert again.status_code == 409 and "CLOSED" in again.json()["error"]


def test_reject_then_retry_then_reclassify_over_http(tmp_path):
    with serving(tmp_path, GATED) as svc, svc.client() as api:
        rid = _submitted(api, FEATURE, "waiting")
        no = api.post(f"/v1/items/{rid}/reject", json={"reason": "later"})
        assert no.status_code == 200 and no.json()["state"] == "BLOCKED"
        retried = api.post(f"/v1/items/{rid}/retry", json={})
        assert retried.status_code == 202
        wait_until(lambda: bool(_item(api, rid)["waiting_for"]), 30, "the gate to ask again")
        fixed = api.post(
            f"/v1/items/{rid}/reclassify",
            json={"kind": "bug", "severity": "high", "reason": "a regression"},
        )
        assert fixed.status_code == 202 and fixed.json()["correction"]["kind"] == "bug"
        wait_until(lambda: _item(api, rid)["state"] == "CLOSED", 30, "the rerouted run")
        events = events_of(svc.ledger, rid)
        who = {e["action"]: e["actor"] for e in events}
        assert who["REJECTED"] == who["UNBLOCKED"] == who["TRIAGE_CORRECTED"] == "api"
        closed_fix = api.post(
            f"/v1/items/{rid}/reclassify", json={"kind": "incident", "reason": "outage"}
        )
        assert closed_fix.status_code == 200 and closed_fix.json()["state"] == "CLOSED"


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("REQ-20990101-0001/approve", {}, 404),
        ("not-an-id/approve", {}, 400),
        ("{closed}/approve", {}, 409),
        ("{closed}/retry", {}, 409),
        ("{closed}/reject", {}, 422),  # no reason: the body does not fit its model
        ("{closed}/reject", {"reason": " "}, 400),
        ("{closed}/reclassify", {"kind": "nope", "reason": "x"}, 400),
        ("{closed}/retry", {"runtimes": {"dev": "nope"}}, 400),
    ],
)
def test_refusals_map_to_statuses_and_write_nothing(tmp_path, path, body, status):
    with serving(tmp_path, GATED) as svc, svc.client() as api:
        closed = _submitted(api, BUG, "CLOSED")
        before = events_of(svc.ledger, closed)
        answer = api.post(f"/v1/items/{path.replace('{closed}', closed)}", json=body)
        assert answer.status_code == status, answer.text
        assert set(answer.json()) == {"error"}
        assert events_of(svc.ledger, closed) == before
        with svc.client(None) as anonymous:
            assert anonymous.post(f"/v1/items/{closed}/approve", json={}).status_code == 401

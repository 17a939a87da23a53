"""The item page's buttons over real HTTP, as a browser sends them: a logged-in person
approves, rejects, retries and reclassifies; the ledger records that person as the actor;
a form without this login's CSRF token, or one the item's state refuses, writes nothing."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import httpx
import pytest

from tests.dashboard_helpers import csrf_of, log_in
from tests.helpers import actions, events_of
from tests.service_helpers import API_TOKEN, Running, serving, wait_until

FEATURE = "Add CSV export to the reports page so finance can download monthly totals"
GATED = '[approvals]\nfeature = ["dev"]\n'


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORCHESTRATE_API_TOKEN", API_TOKEN)


def _state(svc: Running, rid: str) -> dict:
    with svc.client() as api:
        item: dict = api.get(f"/v1/items/{rid}").json()["item"]
    return item


def _waiting_item(svc: Running) -> str:
    with svc.client() as api:
        rid: str = api.post("/v1/items", json={"text": FEATURE}).json()["request_id"]
    wait_until(lambda: bool(_state(svc, rid)["waiting_for"]), 30, f"{rid} to wait")
    return rid


@contextlib.contextmanager
def _browser(svc: Running, name: str) -> Iterator[httpx.Client]:
    """A logged-in browser: its cookie, and the Origin header browsers put on a POST."""
    with httpx.Client(base_url=svc.url, timeout=30, headers={"origin": svc.url}) as web:
        log_in(web, API_TOKEN, name)
        yield web


def test_approve_from_the_item_page_runs_it_to_closed_as_the_person(tmp_path) -> None:
    with serving(tmp_path, GATED) as svc, _browser(svc, "Grace Hopper") as web:
        rid = _waiting_item(svc)
        page = web.get(f"/items/{rid}")
        assert "Waiting for a person before" in page.text and ">Approve<" in page.text
        sent = web.post(f"/items/{rid}/approve", data={"csrf": csrf_of(page.text), "note": "ok"})
        assert sent.status_code == 303 and sent.headers["location"] == f"/items/{rid}"
        wait_until(lambda: _state(svc, rid)["state"] == "CLOSED", 30, "the approved run")
        [approved] = [e for e in events_of(svc.ledger, rid) if e["action"] == "APPROVED"]
        assert approved["actor"] == "Grace Hopper" and approved["details"]["note"] == "ok"
        after = web.get(f"/items/{rid}").text
        assert ">Approve<" not in after and "Grace Hopper" in after


def test_reject_then_retry_from_the_page(tmp_path) -> None:
    with serving(tmp_path, GATED) as svc, _browser(svc, "Ada") as web:
        rid = _waiting_item(svc)
        csrf = csrf_of(web.get(f"/items/{rid}").text)
        no = web.post(f"/items/{rid}/reject", data={"csrf": csrf, "reason": "not this quarter"})
        assert no.status_code == 303 and _state(svc, rid)["state"] == "BLOCKED"
        page = web.get(f"/items/{rid}").text
        assert "Retry from the failed role" in page and "not this quarter" in page
        again = web.post(f"/items/{rid}/retry", data={"csrf": csrf})
        assert again.status_code == 303
        wait_until(lambda: bool(_state(svc, rid)["waiting_for"]), 30, "the retried item to ask")
        logged = actions(events_of(svc.ledger, rid))
        assert logged.count("REJECTED") == 1 and logged.count("UNBLOCKED") == 1


def test_reclassify_a_closed_item_records_the_correction_and_shows_it(tmp_path) -> None:
    with serving(tmp_path) as svc, _browser(svc, "Ada") as web:
        with svc.client() as api:
            rid = api.post("/v1/items", json={"text": FEATURE}).json()["request_id"]
        wait_until(lambda: _state(svc, rid)["state"] == "CLOSED", 30, "the run")
        csrf = csrf_of(web.get(f"/items/{rid}").text)
        fixed = web.post(
            f"/items/{rid}/reclassify",
            data={"csrf": csrf, "kind": "bug", "severity": "high", "priority": "", "reason": "a"},
        )
        assert fixed.status_code == 303
        page = web.get(f"/items/{rid}").text
        assert "corrected" in page and "by Ada: bug · high" in page
        [event] = [e for e in events_of(svc.ledger, rid) if e["action"] == "TRIAGE_CORRECTED"]
        assert event["actor"] == "Ada" and event["details"]["new"]["kind"] == "bug"


def test_refused_forms_write_nothing(tmp_path) -> None:
    with serving(tmp_path, GATED) as svc, _browser(svc, "Ada") as web:
        rid = _waiting_item(svc)
        before = len(events_of(svc.ledger, rid))
        csrf = csrf_of(web.get(f"/items/{rid}").text)
        forged = web.post(f"/items/{rid}/approve", data={"csrf": "forged"})
        assert forged.status_code == 403 and "CSRF" in forged.text
        cross = web.post(
            f"/items/{rid}/approve", data={"csrf": csrf}, headers={"origin": "https://evil.test"}
        )
        assert cross.status_code == 403
        retry_open = web.post(f"/items/{rid}/retry", data={"csrf": csrf})
        assert retry_open.status_code == 409 and _state(svc, rid)["state"] in retry_open.text
        empty = web.post(f"/items/{rid}/reject", data={"csrf": csrf, "reason": " "})
        assert empty.status_code == 400 and "must not be empty" in empty.text
        bad_kind = web.post(
            f"/items/{rid}/reclassify", data={"csrf": csrf, "kind": "chore", "reason": "x"}
        )
        assert bad_kind.status_code == 400 and "unknown kind" in bad_kind.text
        unknown = web.post("/items/REQ-20990101-9999/approve", data={"csrf": csrf})
        assert unknown.status_code == 404
        assert len(events_of(svc.ledger, rid)) == before

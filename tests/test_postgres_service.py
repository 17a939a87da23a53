"""`orchestrate serve` on PostgreSQL: items accepted over HTTP, run by in-process workers
from the shared queue, listed and shown like the CLI, and readiness asks the database."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ledger_helpers import open_pg
from tests.service_helpers import API_TOKEN, finished, serving, wait_until


def test_the_service_runs_items_through_the_shared_queue(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORCHESTRATE_API_TOKEN", API_TOKEN)
    monkeypatch.setenv("ORCHESTRATE_LEDGER", pg_url)
    with serving(tmp_path) as svc, svc.client() as api:
        rids = []
        for text in ("login returns 500", "Add dark mode to the settings page"):
            answer = api.post("/v1/items", json={"text": text})
            assert answer.status_code == 202, answer.text
            rids.append(answer.json()["request_id"])
        wait_until(lambda: finished(api, rids), 60, "two items")
        page = api.get("/v1/items").json()
        assert [i["request_id"] for i in page["items"]] == rids[::-1]
        assert api.get("/readyz").json() == {"status": "ready"}
    ledger = open_pg(pg_url)
    assert all(ledger.view(rid).state.value == "CLOSED" for rid in rids)
    assert not (tmp_path / "coordination" / "events").exists()

"""The Alertmanager webhook source: v4 notifications → one item per firing episode."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.mock.classifier import classify
from orchestrator.service.sources import SOURCES
from orchestrator.service.sources import alertmanager as am
from orchestrator.service.sources.base import Accepted, Invalid, Resolved

GROUP_KEY = '{}/{severity="critical"}:{alertname="HighErrorRate"}'
JSON = {"content-type": "application/json"}
ZERO = "0001-01-01T00:00:00Z"


def alert(instance: str, starts: str, status: str = "firing", ends: str = ZERO, **ann: str):
    return {
        "status": status,
        "labels": {
            "alertname": "HighErrorRate", "severity": "critical", "job": "api", "env": "prod",
            "instance": instance,
        },
        "annotations": ann,
        "startsAt": starts,
        "endsAt": ends,
        "generatorURL": f"http://prometheus:9090/graph?g0.expr=rate&i={instance}",
        "fingerprint": f"fp-{instance}",
    }  # fmt: skip


def note(status: str = "firing", alerts: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "version": "4",
        "groupKey": GROUP_KEY,
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "orchestrate",
        "groupLabels": {"alertname": "HighErrorRate"},
        "commonLabels": {
            "alertname": "HighErrorRate", "severity": "critical", "job": "api", "env": "prod",
        },
        "commonAnnotations": {
            "summary": "5xx error rate above 5% on api",
            "description": "The api job has answered more than 5% of requests with 5xx for 10m.",
            "runbook_url": "https://runbooks.example/api-errors",
        },
        "externalURL": "http://alertmanager:9093",
        "alerts": alerts
        if alerts is not None
        else [
            alert("10.0.0.1:8080", "2024-05-01T10:00:00.123456789Z"),
            alert("10.0.0.2:8080", "2024-05-01T10:01:00Z", summary="errors on the second pod"),
        ],
    }  # fmt: skip


def read(data: object, headers: dict[str, str] = JSON) -> Any:
    return am.read(json.dumps(data).encode(), headers)


def accepted(data: object) -> Accepted:
    outcome = read(data)
    assert isinstance(outcome, Accepted), outcome
    return outcome


# -- auth ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "authorization", "ok"),
    [
        ("s3cret-token", "Bearer s3cret-token", True),
        ("s3cret-token", "bearer s3cret-token", True),
        ("s3cret-token", "Bearer wrong", False),
        ("s3cret-token", "Basic s3cret-token", False),
        ("s3cret-token", "s3cret-token", False),
        ("s3cret-token", None, False),
        ("s3cret-token", "Bearer é", False),
        ("", "Bearer ", False),
    ],
)
def test_the_bearer_token_is_checked(token, authorization, ok):
    assert am.verify(token, authorization) is ok


def test_the_token_is_compared_in_constant_time(monkeypatch):
    calls: list[tuple[bytes, bytes]] = []
    monkeypatch.setattr(am.hmac, "compare_digest", lambda a, b: calls.append((a, b)) or a == b)
    assert am.authenticate("tok-1234", b"{}", {"Authorization": "Bearer tok-1234"})
    assert calls == [(b"tok-1234", b"tok-1234")]
    assert SOURCES["alertmanager"].secret_var == "ORCHESTRATE_ALERTMANAGER_TOKEN"


# -- firing --------------------------------------------------------------------------------


def test_a_firing_group_is_one_item_whose_text_starts_with_the_alert_subject():
    intake = accepted(note()).intake
    first, *rest = intake.text.splitlines()
    assert first == "[FIRING:2] HighErrorRate (prod api critical)" == intake.title
    text = "\n".join(rest)
    for expected in (
        "2 firing, 0 resolved",
        "Severity: critical",
        "Summary: 5xx error rate above 5% on api",
        "Description: The api job has answered more than 5% of requests with 5xx for 10m.",
        "Runbook: https://runbooks.example/api-errors",
        "- instance=10.0.0.1:8080 (firing since 2024-05-01 10:00:00 UTC)",
        "  Summary: errors on the second pod",
        "Common labels: alertname=HighErrorRate, env=prod, job=api, severity=critical",
        "Alertmanager http://alertmanager:9093",
    ):
        assert expected in text
    source = intake.source
    assert (source.kind, source.group_key, source.url) == (
        "alertmanager", GROUP_KEY, "http://alertmanager:9093",
    )  # fmt: skip
    assert intake.subject == f"alertmanager:{GROUP_KEY}" == source.subject
    assert intake.same_while_open is True


def test_the_triage_gate_reads_the_alert_text_as_an_incident():
    for data in (note(), _single("DiskSpaceLow"), _single("KubePodCrashLooping")):
        verdict = classify(accepted(data).intake.text)
        assert verdict.kind == "incident", verdict.rationale
        assert "alert subject tag" in verdict.rationale


def _single(name: str) -> dict[str, Any]:
    data = note(
        alerts=[
            {"status": "firing", "labels": {"alertname": name}, "startsAt": "2024-05-01T10:00:00Z"}
        ]
    )
    data["groupLabels"] = data["commonLabels"] = {"alertname": name}
    data["commonAnnotations"] = {}
    return data


def test_a_re_sent_firing_group_is_the_same_item():
    first = accepted(note()).intake
    more = note()
    more["alerts"].append(alert("10.0.0.3:8080", "2024-05-01T10:05:00Z"))
    again = accepted(more).intake
    assert again.idempotency_key == first.idempotency_key
    assert first.idempotency_key == f"alertmanager:{GROUP_KEY}@2024-05-01T10:00:00.123456Z"
    assert again.title.startswith("[FIRING:3] ")


def test_the_group_firing_again_after_it_resolved_is_a_new_item():
    first = accepted(note()).intake
    resolved = read(
        note(
            "resolved",
            [
                alert("10.0.0.1:8080", "2024-05-01T10:00:00.123456789Z", "resolved",
                      "2024-05-01T11:00:00Z"),
                alert("10.0.0.2:8080", "2024-05-01T10:01:00Z", "resolved", "2024-05-01T11:02:00Z"),
            ],
        )
    )  # fmt: skip
    assert isinstance(resolved, Resolved)
    assert resolved.idempotency_key == first.idempotency_key
    later = accepted(note(alerts=[alert("10.0.0.1:8080", "2024-05-02T08:00:00Z")])).intake
    assert later.subject == first.subject
    assert later.idempotency_key != first.idempotency_key


def test_resolved_names_the_group_and_when_it_ended():
    data = note(
        "resolved",
        [
            alert("a", "2024-05-01T10:00:00Z", "resolved", "2024-05-01T11:00:00Z"),
            alert("b", "2024-05-01T10:01:00Z", "resolved", "2024-05-01T11:02:00+02:00"),
        ],
    )
    outcome = read(data)
    assert isinstance(outcome, Resolved) and outcome.status == 202
    assert (outcome.group_key, outcome.subject) == (GROUP_KEY, f"alertmanager:{GROUP_KEY}")
    assert outcome.ended_at == datetime(2024, 5, 1, 11, 0, tzinfo=UTC)
    assert outcome.alerts == 2


def test_many_alerts_are_listed_up_to_a_limit_and_counted():
    alerts = [alert(f"10.0.1.{i}:8080", f"2024-05-01T10:{i:02d}:00Z") for i in range(30)]
    data = note(alerts=alerts)
    data["truncatedAlerts"] = 5
    text = accepted(data).intake.text
    assert text.startswith("[FIRING:30] HighErrorRate")
    assert "30 firing, 0 resolved, 5 more not sent" in text
    assert text.count("\n- instance=") == am.MAX_LISTED
    assert "- … and 10 more" in text


def test_long_values_are_clipped_and_kept_on_one_line():
    data = note()
    data["commonAnnotations"]["description"] = "line one\nline two " + "x" * 2000
    text = accepted(data).intake.text
    line = next(ln for ln in text.splitlines() if ln.startswith("Description: "))
    assert line.startswith("Description: line one line two ")
    assert len(line) < 520 and line.endswith("…")


# -- bad input -----------------------------------------------------------------------------


def _drop(data: dict[str, Any], *path: str | int) -> dict[str, Any]:
    data = copy.deepcopy(data)
    node: Any = data
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return data


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (_drop(note(), "groupKey"), "alertmanager notification: groupKey: Field required"),
        (_drop(note(), "status"), "alertmanager notification: status: Field required"),
        (_drop(note(), "alerts"), "alertmanager notification: alerts: Field required"),
        (note(alerts=[]), "alertmanager notification: alerts: List should have at least 1 item"),
        (_drop(note(), "alerts", 0, "startsAt"), "alertmanager notification: alerts.0.startsAt"),
        ({**note(), "version": "3"}, "alertmanager notification: version: Input should be '4'"),
        ({**note(), "status": "pending"}, "alertmanager notification: status: Input should be"),
        ("firing", "alertmanager notification: the body must be a JSON object"),
    ],
)
def test_missing_or_wrong_fields_are_a_422_with_a_one_line_reason(data, reason):
    outcome = read(data)
    assert isinstance(outcome, Invalid) and outcome.status == 422
    assert outcome.reason.startswith(reason) and "\n" not in outcome.reason


def test_invalid_json_and_a_wrong_content_type_are_refused():
    assert am.read(b"{", JSON).status == 400
    outcome = am.read(json.dumps(note()).encode(), {"content-type": "text/plain"})
    assert outcome == Invalid(
        status=415, reason="content type must be application/json, not text/plain"
    )

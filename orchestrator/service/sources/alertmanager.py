"""Alertmanager webhooks (payload version 4) → work items, one per firing episode of a group.

`verify` checks the bearer token (`Authorization: Bearer …`, Alertmanager's
`http_config.authorization`) in constant time; `read` turns a notification into:

- `status: firing` → `Accepted`: a readable text built from the group's labels and
  annotations, whose first line is the subject Alertmanager's own templates use,
  `[FIRING:n] AlertName group values (other common values)`, the shape the triage gate
  reads as an alert; the source names the group (`group_key`).
- `status: resolved` → `Resolved(group_key)`: `ALERT_RESOLVED` on that group's item.

One item per firing episode. Alertmanager re-sends a firing group on every
`group_interval`/`repeat_interval` and whenever its alerts change, always with the same
`groupKey`, and a group that resolves and later fires again has that same `groupKey` too. So
the idempotency key is the `groupKey` plus the earliest `startsAt` among the notification's
alerts: the alerts keep their `startsAt` while they fire, so re-sends name the same item;
an alert that fires again after resolving starts anew (a later `startsAt`), so the next
episode is a new item. A long episode can outlive its earliest alert (that one resolves
while later ones keep firing, and once Alertmanager has sent the resolution it drops it
from the group), which moves the earliest `startsAt`; for that the intake says
`same_while_open`: while the group's item has no `ALERT_RESOLVED`, a firing notification of
that group is that item, whatever the key. The key alone is right for every re-send.
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from orchestrator.ledger.models import Source, alert_subject
from orchestrator.service.sources.base import (
    TITLE_CHARS,
    Accepted,
    Headers,
    Intake,
    Invalid,
    Outcome,
    Resolved,
    clip,
    header,
    json_body,
    validated,
)

TOKEN_VAR = "ORCHESTRATE_ALERTMANAGER_TOKEN"

MAX_LISTED = 20  # alerts described one by one; the rest are counted
_VALUE_CHARS = 500  # one label or annotation value in the text
_SUBJECT_CHARS = TITLE_CHARS


def verify(token: str, authorization: str | None) -> bool:
    """True only if `authorization` is `Bearer <token>`. An empty token verifies nothing."""
    if not token or not authorization:
        return False
    scheme, _, given = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode("utf-8"), token.encode("utf-8"))


def authenticate(token: str, raw_body: bytes, headers: Headers) -> bool:
    """`verify` on a request's `Authorization` header (the table of sources calls this)."""
    return verify(token, header(headers, "Authorization"))


# -- the payload ---------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)


Status = Literal["firing", "resolved"]


class Alert(_Model):
    status: Status
    labels: dict[str, str]
    annotations: dict[str, str] = Field(default_factory=dict)
    starts_at: datetime = Field(alias="startsAt")
    ends_at: datetime | None = Field(default=None, alias="endsAt")
    generator_url: str = Field(default="", alias="generatorURL")
    fingerprint: str = ""

    @property
    def started(self) -> datetime:
        return _utc(self.starts_at)

    @property
    def ended(self) -> datetime | None:
        """`endsAt`, unless it is Go's zero time (a firing alert's) or absent."""
        if self.ends_at is None or self.ends_at.year <= 1:
            return None
        return _utc(self.ends_at)


class Notification(_Model):
    """One webhook call: an alert group and the alerts Alertmanager sent for it."""

    version: Literal["4"]
    group_key: str = Field(alias="groupKey", min_length=1)
    truncated_alerts: int = Field(default=0, alias="truncatedAlerts", ge=0)
    status: Status
    receiver: str = ""
    group_labels: dict[str, str] = Field(default_factory=dict, alias="groupLabels")
    common_labels: dict[str, str] = Field(default_factory=dict, alias="commonLabels")
    common_annotations: dict[str, str] = Field(default_factory=dict, alias="commonAnnotations")
    external_url: str = Field(default="", alias="externalURL")
    alerts: list[Alert] = Field(min_length=1)

    def of_status(self, status: Status) -> list[Alert]:
        return [a for a in self.alerts if a.status == status]


# -- payload → outcome ---------------------------------------------------------------------


def read(raw_body: bytes, headers: Headers) -> Outcome:
    """One verified notification → what to do about it (see the module's docstring)."""
    body = json_body(raw_body, headers)
    if isinstance(body, Invalid):
        return body
    note = validated(Notification, body, "alertmanager notification")
    if isinstance(note, Invalid):
        return note
    if note.status == "resolved":
        ended = [e for e in (a.ended for a in note.alerts) if e is not None]
        return Resolved(
            subject=alert_subject(note.group_key),
            group_key=note.group_key,
            idempotency_key=episode_key(note),
            ended_at=max(ended, default=None),
            alerts=len(note.of_status("resolved")),
        )
    subject = subject_line(note)
    return Accepted(
        intake=Intake(
            text=text_of(note),
            title=clip(subject, TITLE_CHARS),
            source=Source(
                kind="alertmanager", group_key=note.group_key, url=note.external_url or None
            ),
            idempotency_key=episode_key(note),
            subject=alert_subject(note.group_key),
            same_while_open=True,
        )
    )


def episode_key(note: Notification) -> str:
    """`groupKey` + the earliest `startsAt` of its alerts: one key per firing episode."""
    first = min(a.started for a in note.alerts)
    return f"alertmanager:{note.group_key}@{first.strftime('%Y-%m-%dT%H:%M:%S.%fZ')}"


def alertname(note: Notification) -> str:
    for labels in (note.group_labels, note.common_labels, *(a.labels for a in note.alerts)):
        if labels.get("alertname"):
            return labels["alertname"]
    return "Alert"


def subject_line(note: Notification) -> str:
    """Alertmanager's default title: `[FIRING:n] AlertName group values (other common
    values)`, the alert's name first."""
    tag = f"[FIRING:{len(note.of_status('firing'))}]" if note.status == "firing" else "[RESOLVED]"
    group = [v for k, v in sorted(note.group_labels.items()) if k != "alertname" and v]
    rest = [
        v
        for k, v in sorted(note.common_labels.items())
        if k not in note.group_labels and k != "alertname" and v
    ]
    line = " ".join([tag, alertname(note), *group])
    if rest:
        line += f" ({' '.join(rest)})"
    return clip(line, _SUBJECT_CHARS)


def text_of(note: Notification) -> str:
    """The subject, what is firing and why (common severity and annotations), then each
    alert by what tells it apart, then the group's labels and where it came from."""
    firing, resolved = note.of_status("firing"), note.of_status("resolved")
    counts = f"{len(firing)} firing, {len(resolved)} resolved"
    if note.truncated_alerts:
        counts += f", {note.truncated_alerts} more not sent"
    group = _pairs(note.group_labels) or alertname(note)
    lines = [
        subject_line(note),
        "",
        f"Alertmanager alert group {group} is firing: {counts}.",
        *_facts(note.common_labels, note.common_annotations),
        "",
        "Alerts:",
    ]
    ordered = sorted(note.alerts, key=lambda a: (a.status != "firing", a.started, a.fingerprint))
    for alert in ordered[:MAX_LISTED]:
        lines.extend(_alert_lines(alert, note))
    if len(ordered) > MAX_LISTED:
        lines.append(f"- … and {len(ordered) - MAX_LISTED} more")
    lines.append("")
    if note.common_labels:
        lines.append(f"Common labels: {_pairs(note.common_labels)}")
    origin = [f"receiver {_value(note.receiver)}"] if note.receiver else []
    if note.external_url:
        origin.append(f"Alertmanager {_value(note.external_url)}")
    if origin:
        lines.append("From " + ", ".join(origin) + ".")
    return "\n".join(lines).strip()


_FACTS: tuple[tuple[str, str, bool], ...] = (  # (key, heading, is a label)
    ("severity", "Severity", True),
    ("summary", "Summary", False),
    ("description", "Description", False),
    ("message", "Message", False),
    ("runbook_url", "Runbook", False),
)


def _facts(labels: dict[str, str], annotations: dict[str, str]) -> list[str]:
    out = []
    for key, heading, is_label in _FACTS:
        value = (labels if is_label else annotations).get(key, "")
        if value.strip():
            out.append(f"{heading}: {_value(value)}")
    return out


def _alert_lines(alert: Alert, note: Notification) -> list[str]:
    own = {k: v for k, v in alert.labels.items() if note.common_labels.get(k) != v}
    named = _pairs(own) or _pairs(
        {k: alert.labels[k] for k in ("instance", "job") if k in alert.labels}
    )
    since = alert.started.strftime("%Y-%m-%d %H:%M:%S UTC")
    state = f"firing since {since}" if alert.status == "firing" else f"resolved, started {since}"
    lines = [f"- {named or alertname(note)} ({state})"]
    for key in ("summary", "description"):
        value = alert.annotations.get(key, "")
        if value.strip() and value != note.common_annotations.get(key):
            lines.append(f"  {key.capitalize()}: {_value(value)}")
    if alert.generator_url:
        lines.append(f"  Source: {_value(alert.generator_url)}")
    return lines


def _pairs(labels: dict[str, str]) -> str:
    """`alertname=X, job=api, …`: alertname first, the rest by name."""
    keys = sorted(labels, key=lambda k: (k != "alertname", k))
    return ", ".join(f"{k}={_value(labels[k])}" for k in keys)


def _value(text: str) -> str:
    return clip(text, _VALUE_CHARS)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)

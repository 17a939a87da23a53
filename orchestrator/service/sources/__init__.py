"""Webhook sources: each a small module that turns a payload into text + title + source.

`SOURCES` is the table a route reads: `POST /webhooks/{name}` looks its source up, checks
`authenticate(secret, body, headers)` with the secret from `secret_var`, then acts on the
outcome of `read(body, headers)` (see `base` for the outcomes and their HTTP statuses).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from orchestrator.service.sources import alertmanager, github
from orchestrator.service.sources.base import (
    Accepted,
    Edited,
    Headers,
    Ignored,
    Intake,
    Invalid,
    Outcome,
    Resolved,
)


@dataclass(frozen=True)
class WebhookSource:
    name: str
    secret_var: str  # the environment variable holding its secret (HMAC key or token)
    authenticate: Callable[[str, bytes, Headers], bool]
    read: Callable[[bytes, Headers], Outcome]


SOURCES: dict[str, WebhookSource] = {
    s.name: s
    for s in (
        WebhookSource("github", github.SECRET_VAR, github.authenticate, github.read),
        WebhookSource(
            "alertmanager", alertmanager.TOKEN_VAR, alertmanager.authenticate, alertmanager.read
        ),
    )
}

__all__ = [
    "SOURCES",
    "Accepted",
    "Edited",
    "Headers",
    "Ignored",
    "Intake",
    "Invalid",
    "Outcome",
    "Resolved",
    "WebhookSource",
]

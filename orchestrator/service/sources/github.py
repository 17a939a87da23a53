"""GitHub `issues` webhooks → work items.

`verify` checks `X-Hub-Signature-256` (HMAC-SHA256 of the raw body with the webhook's
secret) in constant time; `read` turns a verified delivery into one outcome:

- `opened`, `reopened` → `Accepted`: text = title + body, the issue's repository, number,
  URL and author as the source, the delivery id (`X-GitHub-Delivery`) as the idempotency
  key, so a redelivery is the same item.
- `edited` → `Edited`: the issue's new text, for the item of that issue.
- `ping`, other events, other actions → `Ignored`.

Only the fields used are modelled; GitHub's many others are ignored.
"""

from __future__ import annotations

import hashlib
import hmac
import string
from collections.abc import Callable

from pydantic import BaseModel, ConfigDict, Field

from orchestrator.ledger.models import Source, github_subject
from orchestrator.service.sources.base import (
    TITLE_CHARS,
    Accepted,
    Edited,
    Headers,
    Ignored,
    Intake,
    Invalid,
    Outcome,
    clip,
    header,
    json_body,
    validated,
)

SECRET_VAR = "ORCHESTRATE_GITHUB_WEBHOOK_SECRET"
SIGNATURE_HEADER = "X-Hub-Signature-256"
EVENT_HEADER = "X-GitHub-Event"
DELIVERY_HEADER = "X-GitHub-Delivery"

_PREFIX = "sha256="
_HEX = frozenset(string.hexdigits)
_DELIVERY_CHARS = 200


def verify(secret: str, raw_body: bytes, signature: str | None) -> bool:
    """True only if `signature` is `sha256=<hex>` of HMAC-SHA256(secret, raw_body). An empty
    secret verifies nothing: an unconfigured webhook must not accept the world."""
    if not secret or not signature or not signature.startswith(_PREFIX):
        return False
    digest = signature[len(_PREFIX) :].strip().lower()
    if len(digest) != hashlib.sha256().digest_size * 2 or not _HEX.issuperset(digest):
        return False
    expected = hmac.new(secret.encode("utf-8"), raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, digest)


def authenticate(secret: str, raw_body: bytes, headers: Headers) -> bool:
    """`verify` on a request's own signature header (the table of sources calls this)."""
    return verify(secret, raw_body, header(headers, SIGNATURE_HEADER))


def sign(secret: str, raw_body: bytes) -> str:
    """The header value GitHub sends for `raw_body`, for tests and for replaying a delivery."""
    return _PREFIX + hmac.new(secret.encode("utf-8"), raw_body, hashlib.sha256).hexdigest()


# -- the payload (only what is used) -------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class User(_Model):
    login: str


class Repository(_Model):
    full_name: str = Field(pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


class Issue(_Model):
    number: int = Field(ge=1)
    title: str
    body: str | None = None
    html_url: str
    user: User


class Was(_Model):
    from_: str | None = Field(default=None, alias="from")


class Changes(_Model):
    title: Was | None = None
    body: Was | None = None

    def names(self) -> list[str]:
        return [name for name in ("title", "body") if getattr(self, name) is not None]


class IssuesEvent(_Model):
    action: str
    issue: Issue
    repository: Repository
    changes: Changes = Field(default_factory=Changes)


class _Action(_Model):
    action: str


# -- payload → outcome ---------------------------------------------------------------------

_ACTIONS: dict[str, Callable[[Intake, IssuesEvent], Outcome]] = {
    "opened": lambda intake, _: Accepted(intake=intake),
    "reopened": lambda intake, _: Accepted(intake=intake),
    "edited": lambda intake, event: Edited(intake=intake, changed=event.changes.names()),
}


def read(raw_body: bytes, headers: Headers) -> Outcome:
    """One verified delivery → what to do about it (see the module's docstring)."""
    body = json_body(raw_body, headers)
    if isinstance(body, Invalid):
        return body
    event = (header(headers, EVENT_HEADER) or "").strip()
    if not event:
        return Invalid(status=400, reason=f"missing {EVENT_HEADER} header")
    if event != "issues":
        return Ignored(
            reason="ping" if event == "ping" else f"{clip(event, 40)} events are not handled"
        )
    action = validated(_Action, body, "issues event")
    if isinstance(action, Invalid):
        return action
    handle = _ACTIONS.get(action.action)
    if handle is None:
        return Ignored(reason=f"issues action {clip(action.action, 40)!r} is not handled")
    payload = validated(IssuesEvent, body, "issues event")
    if isinstance(payload, Invalid):
        return payload
    delivery = (header(headers, DELIVERY_HEADER) or "").strip()
    if not delivery or len(delivery) > _DELIVERY_CHARS or not delivery.isprintable():
        return Invalid(status=400, reason=f"missing or malformed {DELIVERY_HEADER} header")
    text = text_of(payload.issue)
    if not text:
        return Invalid(status=422, reason="issues event: the issue has neither title nor body")
    return handle(intake_of(payload, delivery, text), payload)


def text_of(issue: Issue) -> str:
    """Title, a blank line, then the body: the shape the triage gate reads a ticket in."""
    title, body = issue.title.strip(), (issue.body or "").strip()
    return f"{title}\n\n{body}" if title and body else title or body


def intake_of(event: IssuesEvent, delivery: str, text: str) -> Intake:
    issue, repository = event.issue, event.repository.full_name
    return Intake(
        text=text,
        title=clip(issue.title, TITLE_CHARS) or clip(text, TITLE_CHARS),
        source=Source(
            kind="github",
            repository=repository,
            issue_number=issue.number,
            url=issue.html_url,
            author=issue.user.login,
            delivery=delivery,
        ),
        idempotency_key=f"github-delivery:{delivery}",
        subject=github_subject(repository, issue.number),
    )

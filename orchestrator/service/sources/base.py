"""What every webhook source shares: the `Intake` it makes of a payload, and the outcomes a
route acts on.

A source reads a verified request (raw body + headers) into exactly one outcome, each with
the HTTP status to answer, so a route is a lookup in the table of sources and a `match` on
the outcome, never a parser of its own:

- `Accepted(intake)`: a new item (or the one its idempotency key already names).
- `Edited(intake)`: the ticket behind an existing item changed; append, do not create.
- `Resolved(...)`: the alert group behind an item stopped firing.
- `Ignored(reason)`: acknowledged, nothing to do (pings, other events and actions).
- `Invalid(status, reason)`: refused with a one-line reason (400 bad JSON, 415 content
  type, 422 a payload of the right event with fields missing); nothing may be written.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Annotated, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError

from orchestrator.ledger.events import Action, AlertResolved, RequestEdited
from orchestrator.ledger.models import LedgerEvent, Source, iso

Headers = Mapping[str, str]  # a request's headers; names compared case-insensitively
M = TypeVar("M", bound=BaseModel)

TITLE_CHARS = 200  # what `intake.title_of` keeps of a given title


class Intake(BaseModel):
    """A payload turned into a work item: what `Orchestrator.submit` takes, plus how to find
    the item again (`subject`) when the same ticket or alert group speaks up later."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str
    title: str = Field(max_length=TITLE_CHARS)
    source: Source
    idempotency_key: str
    subject: str = Field(description="the ticket or alert group: github:o/r#12, alertmanager:…")
    same_while_open: bool = Field(
        default=False,
        description="an item of this subject not yet resolved is this item, whatever its key",
    )


class Accepted(BaseModel):
    model_config = ConfigDict(frozen=True)
    status: ClassVar[int] = 202
    outcome: Literal["accepted"] = "accepted"
    intake: Intake


class Edited(BaseModel):
    """Append the ticket's new text to the item of `intake.subject`; `changed` names what
    the source says changed (`title`, `body`)."""

    model_config = ConfigDict(frozen=True)
    status: ClassVar[int] = 202
    outcome: Literal["edited"] = "edited"
    intake: Intake
    changed: list[str] = Field(default_factory=list)

    def details(self) -> RequestEdited:
        source = self.intake.source
        return RequestEdited(
            title=self.intake.title, text=self.intake.text, changed=self.changed,
            delivery=source.delivery,
        )  # fmt: skip

    def recorded_in(self, events: Sequence[LedgerEvent]) -> bool:
        """This delivery was appended already (a redelivery appends nothing)."""
        delivery = self.intake.source.delivery
        return any(
            e.action is Action.REQUEST_EDITED and e.read(RequestEdited).delivery == delivery
            for e in events
        )


class Resolved(BaseModel):
    """The alert group `group_key` stopped firing: `ALERT_RESOLVED` on its open item.
    `idempotency_key` is the firing episode's key as this notification implies it."""

    model_config = ConfigDict(frozen=True)
    status: ClassVar[int] = 202
    outcome: Literal["resolved"] = "resolved"
    subject: str
    group_key: str
    idempotency_key: str
    ended_at: datetime | None = None
    alerts: int = 0

    def details(self) -> AlertResolved:
        ended = None if self.ended_at is None else iso(self.ended_at.astimezone(UTC))
        return AlertResolved(group_key=self.group_key, ended_at=ended, alerts=self.alerts)

    def recorded_in(self, events: Sequence[LedgerEvent]) -> bool:
        """The item was resolved already (a re-sent resolution appends nothing)."""
        return alert_resolved(events)


def alert_resolved(events: Sequence[LedgerEvent]) -> bool:
    """An alert item's group has stopped firing: it is no longer "open" for
    `Intake.same_while_open`, and the group's next firing is a new item."""
    return any(e.action is Action.ALERT_RESOLVED for e in events)


class Ignored(BaseModel):
    model_config = ConfigDict(frozen=True)
    status: ClassVar[int] = 200
    outcome: Literal["ignored"] = "ignored"
    reason: str


class Invalid(BaseModel):
    model_config = ConfigDict(frozen=True)
    outcome: Literal["invalid"] = "invalid"
    status: Literal[400, 415, 422]
    reason: str


Outcome = Annotated[
    Accepted | Edited | Resolved | Ignored | Invalid, Field(discriminator="outcome")
]


def header(headers: Headers, name: str) -> str | None:
    """A header's value whatever the case of its name (Starlette lower-cases, tests may not)."""
    value = headers.get(name)
    if value is None:
        wanted = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == wanted), None)
    return value


def json_body(raw: bytes, headers: Headers) -> JsonValue | Invalid:
    """The body as JSON, or why not: 415 unless it says `application/json`, 400 if it is not
    UTF-8 JSON. The reason names the problem, never echoes the body."""
    media = (header(headers, "content-type") or "").split(";", 1)[0].strip().lower()
    if media != "application/json":
        got = media or "none"
        return Invalid(status=415, reason=f"content type must be application/json, not {got}")
    try:
        value: JsonValue = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return Invalid(status=400, reason=f"body is not valid UTF-8 (byte {exc.start})")
    except json.JSONDecodeError as exc:
        return Invalid(status=400, reason=f"body is not valid JSON: {exc.msg} (line {exc.lineno})")
    return value


def validated(model: type[M], data: JsonValue, what: str) -> M | Invalid:
    """`data` as `model`, or a 422 naming the first problem: `issues event: issue.title:
    Field required`."""
    if not isinstance(data, dict):
        return Invalid(status=422, reason=f"{what}: the body must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        return Invalid(status=422, reason=f"{what}: {first_error(exc)}")


def first_error(exc: ValidationError) -> str:
    """The first problem of a validation as `a.b.0: message (and N more)`, without the input."""
    errors = exc.errors(include_url=False, include_input=False)
    err = errors[0]
    where = ".".join(str(p) for p in err["loc"]) or "(root)"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {err['msg']}{more}"


def clip(text: str, limit: int) -> str:
    """`text` on one line, at most `limit` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"

"""Boundary models of the ledger: the immutable request packet and one event line."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

from pydantic import BaseModel, ConfigDict, Field, JsonValue, PrivateAttr, field_validator

from orchestrator.ledger.events import MODELS, Action, D, Details


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(ts: datetime) -> str:
    """UTC ISO-8601 with microseconds and a `Z`, the one timestamp format in the ledger
    (`isoformat` is a third of `strftime`'s cost, and every event is stamped)."""
    return ts.astimezone(UTC).isoformat(timespec="microseconds").removesuffix("+00:00") + "Z"


class Source(BaseModel):
    """Where an item came from (`cli`, `api`, `github`, `alertmanager`, …) and what names it
    there, so write-back and dedupe can find their way back."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str = "cli"
    repository: str | None = Field(default=None, description="owner/name on the tracker")
    issue_number: int | None = None
    url: str | None = None
    author: str | None = None
    delivery: str | None = Field(default=None, description="the webhook delivery id")
    group_key: str | None = Field(default=None, description="an alert group's key")

    @property
    def subject(self) -> str | None:
        """The ticket or alert group this names (`github:o/r#12`, `alertmanager:{…}`), by
        which the ledger finds "the item of this ticket" when it speaks up again; None for
        items typed in (`cli`, `api`)."""
        if self.kind == "github" and self.repository and self.issue_number is not None:
            return github_subject(self.repository, self.issue_number)
        if self.kind == "alertmanager" and self.group_key:
            return alert_subject(self.group_key)
        return None


def github_subject(repository: str, number: int) -> str:
    return f"github:{repository}#{number}"


def alert_subject(group_key: str) -> str:
    return f"alertmanager:{group_key}"


class RequestPacket(BaseModel):
    """What the user submitted, written once and never changed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    request_id: str
    created_at: str
    title: str
    text: str
    source: Source = Field(default_factory=Source)
    idempotency_key: str | None = None

    @field_validator("source", mode="before")
    @classmethod
    def _plain_kind(cls, value: object) -> object:
        """Packets before 0.2 stored the source as a bare word (`"cli"`)."""
        return {"kind": value} if isinstance(value, str) else value

    def stored(self) -> dict[str, JsonValue]:
        """The JSON object the packet file holds (unset optional fields left out)."""
        return self.model_dump(mode="json", exclude_none=True)


class LedgerEvent(BaseModel):
    """One line of `events/REQ.jsonl`; `hash` chains it to the line before via `prev`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seq: int = Field(ge=1)
    ts: str
    request_id: str
    actor: str
    action: Action
    details: dict[str, JsonValue] = Field(default_factory=dict)
    prev: str
    hash: str

    _typed: Details | None = PrivateAttr(default=None)

    def __eq__(self, other: object) -> bool:
        """An event is its fields: whether its details were parsed yet (`_typed`, a cache
        pydantic would compare too) does not make two events differ."""
        if not isinstance(other, LedgerEvent):
            return NotImplemented
        return self.__dict__ == other.__dict__

    def read(self, model: type[D]) -> D:
        """The details through their action's model; asking for another action's is a bug."""
        if model.action != self.action:
            raise TypeError(f"event {self.seq} is {self.action}, not {model.action}")
        typed = self.typed()
        if isinstance(typed, model):
            return typed
        return model.model_validate(self.details)

    @classmethod
    def sealed(
        cls, *, seq: int, ts: str, request_id: str, actor: str, typed: Details,
        details: dict[str, JsonValue], prev: str, hash: str,
    ) -> LedgerEvent:  # fmt: skip
        """An event the sealing code just built from `typed`, a details model validated when
        its writer made it (`details` is its dump, as the line stores it): constructed, not
        re-validated, and `typed` kept, so neither the fold nor a run asking "did this step
        happen?" parses back what was just written. Details that skipped validation
        (`model_construct`, a required field missing) are parsed from the dump as if read."""
        action = Action(type(typed).action)
        event = cls.model_construct(
            seq=seq, ts=ts, request_id=request_id, actor=actor, action=action,
            details=details, prev=prev, hash=hash,
        )  # fmt: skip
        if _whole(typed, MODELS[action]):
            event._typed = typed
        return event

    def typed(self) -> Details:
        """The details through the model of whatever action this is; parsed once (a run asks
        the same events again and again whether a step already happened)."""
        if self._typed is None:
            self._typed = MODELS[self.action].model_validate(self.details)
        return self._typed


@cache
def _required(model: type[Details]) -> frozenset[str]:
    return frozenset(name for name, field in model.model_fields.items() if field.is_required())


def _whole(typed: Details, model: type[Details]) -> bool:
    """Exactly the action's model, with every required field set (as validation leaves it)."""
    return type(typed) is model and _required(model) <= typed.__dict__.keys()

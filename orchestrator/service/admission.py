"""What a 202 means: the item is in the ledger, queued, and will be run, even across a
restart. Every way in — `POST /v1/items`, each webhook source — comes through here.

Admission is quick by design (GitHub allows a webhook 10 s): check, dedupe, write the packet
and its QUEUED event in one fsync, mark it waiting, answer. Workers do the run. A repeat
(the same idempotency key, a redelivery, a re-sent alert group) answers the item it already
made; a full queue answers 429 before anything is written.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from orchestrator.config import ServiceSection
from orchestrator.ledger.models import Source
from orchestrator.run.runner import Orchestrator
from orchestrator.service.problems import Problem
from orchestrator.service.sources import (
    Accepted,
    Edited,
    Ignored,
    Intake,
    Invalid,
    Outcome,
    Resolved,
)
from orchestrator.service.sources.base import alert_resolved

_STRIPES = 64
TRACE_HEADERS = ("traceparent", "tracestate", "baggage")


def trace_of(headers: Mapping[str, str]) -> dict[str, str]:
    """The W3C trace context a request carries, to keep with the item it queues."""
    return {name: headers[name] for name in TRACE_HEADERS if name in headers}


class NewItem(BaseModel):
    """`POST /v1/items`."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1)
    title: str | None = Field(default=None, max_length=200)
    idempotency_key: str | None = Field(default=None, min_length=1, max_length=200)


Outcomes = Literal["accepted", "duplicate", "edited", "resolved", "ignored"]


class Answer(BaseModel):
    """The body of every 2xx from a way in."""

    request_id: str | None = None
    state: str | None = None
    created: bool = False
    outcome: Outcomes = "accepted"
    reason: str | None = None


class Admission:
    def __init__(self, orch: Orchestrator, settings: ServiceSection) -> None:
        self.orch = orch
        self.settings = settings
        self._subjects = [threading.Lock() for _ in range(_STRIPES)]

    # -- the API ---------------------------------------------------------------------
    def item(
        self, new: NewItem, author: str | None, trace: Mapping[str, str] | None = None
    ) -> tuple[int, Answer]:
        source = Source(kind="api", author=author)
        return self._queue(new.text, new.title, new.idempotency_key, source, trace)

    # -- webhooks --------------------------------------------------------------------
    def webhook(
        self, outcome: Outcome, trace: Mapping[str, str] | None = None
    ) -> tuple[int, Answer]:
        """Act on a verified payload's outcome; an `Invalid` one is a Problem."""
        match outcome:
            case Accepted(intake=intake):
                with self._subject_lock(intake.subject):
                    return self._accept(intake, trace)
            case Edited():
                with self._subject_lock(outcome.intake.subject):
                    return self._edit(outcome)
            case Resolved():
                with self._subject_lock(outcome.subject):
                    return self._resolve(outcome)
            case Ignored(reason=reason):
                return Ignored.status, Answer(outcome="ignored", reason=reason)
            case Invalid(status=status, reason=reason):
                raise Problem(status, reason)
        raise AssertionError(f"unhandled outcome {outcome!r}")  # the union is closed

    def _accept(self, intake: Intake, trace: Mapping[str, str] | None) -> tuple[int, Answer]:
        if intake.same_while_open:  # a re-sent alert group while it fires is its item
            rid = self.orch.ledger.find_by_subject(intake.subject)
            if rid is not None and not alert_resolved(self.orch.ledger.read_events(rid)):
                return 202, self._existing(rid, "duplicate")
        return self._queue(intake.text, intake.title, intake.idempotency_key, intake.source, trace)

    def _edit(self, edited: Edited) -> tuple[int, Answer]:
        rid = self.orch.ledger.find_by_subject(edited.intake.subject)
        if rid is None:
            reason = f"no item for {edited.intake.subject}; edits of unknown tickets are ignored"
            return 200, Answer(outcome="ignored", reason=reason)
        if not edited.recorded_in(self.orch.ledger.read_events(rid)):
            self.orch.ledger.append(rid, edited.intake.source.kind, edited.details())
        return Edited.status, self._existing(rid, "edited")

    def _resolve(self, resolved: Resolved) -> tuple[int, Answer]:
        rid = self.orch.ledger.find_by_subject(resolved.subject)
        if rid is None:
            return 200, Answer(outcome="ignored", reason=f"no item for {resolved.subject}")
        if not resolved.recorded_in(self.orch.ledger.read_events(rid)):
            self.orch.ledger.append(rid, "alertmanager", resolved.details())
        return Resolved.status, self._existing(rid, "resolved")

    # -- shared ----------------------------------------------------------------------
    def _queue(
        self,
        text: str,
        title: str | None,
        key: str | None,
        source: Source,
        trace: Mapping[str, str] | None = None,
    ) -> tuple[int, Answer]:
        if key is not None:
            seen = self.orch.ledger.find_by_idempotency_key(key)
            if seen is not None:  # a repeat is answered even when the queue is full
                result = self.orch.enqueue(text, title=title, idempotency_key=key, source=source)
                return 200, Answer(request_id=seen, state=result.state, outcome="duplicate")
        waiting = self.orch.queue().depth()
        if waiting >= self.orch.config.queue.max_depth:
            raise Problem(
                429,
                f"the queue is full ({waiting} items waiting); retry later",
                {"Retry-After": str(self.settings.retry_after_s)},
            )
        result = self.orch.enqueue(
            text, title=title, idempotency_key=key, source=source, trace_context=trace
        )
        outcome: Outcomes = "accepted" if result.created else "duplicate"
        status = 202 if result.created else 200
        answer = Answer(
            request_id=result.request_id, state=result.state, created=result.created,
            outcome=outcome,
        )  # fmt: skip
        return status, answer

    def _existing(self, rid: str, outcome: Outcomes) -> Answer:
        return Answer(request_id=rid, state=self.orch.ledger.view(rid).state.value, outcome=outcome)

    def _subject_lock(self, subject: str) -> threading.Lock:
        """One webhook of a subject at a time in this process (check, then write)."""
        return self._subjects[zlib.crc32(subject.encode()) % _STRIPES]

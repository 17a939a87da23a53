"""Replay triage decisions from the record, to see which would change today.

Why from the record: a decision is trustworthy only if it can be re-derived, and re-asking
a model is neither free nor deterministic. By default the recorded raw reply goes through
today's parsing (`triage.reparse`) and today's routing matrix (`triage.route_for`) — no
network, no model call. Only `runtime=NAME` asks a runtime afresh with the recorded input.
A replay appends a `REPLAYED` event with its outcome; it never rewrites history.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

import prompts
from adapters.base import AgentReply
from adapters.errors import AdapterError
from adapters.executor import Executor
from orchestrator.config import Config
from orchestrator.errors import InputError, OrchestrateError
from orchestrator.ledger import LedgerRepository, ids
from orchestrator.ledger.events import (
    Action,
    CallRecord,
    Change,
    ClassifierRef,
    Replayed,
    ReplayedDecision,
    Triaged,
)
from orchestrator.ledger.models import LedgerEvent
from orchestrator.run import gate, routing
from roles.triage import TriageDecision

Status = Literal["unchanged", "changed", "error", "skipped"]
DecisionField = Literal["kind", "severity", "priority"]
COMPARED: tuple[DecisionField, ...] = ("kind", "severity", "priority")
_COMPARED_KEYS: set[str] = set(COMPARED)


class Decision(BaseModel):
    """The part of a triage decision replay compares, plus where it came from."""

    kind: str
    severity: str
    priority: str
    stages: list[list[str]]
    runtime: str | None = None
    model: str | None = None
    classifier: ClassifierRef | None = Field(default=None, description="the offline model file")

    @property
    def made_by(self) -> str:
        """` (model 81420638f13f, packaged)`: the offline model file that decided, if one did."""
        made = self.classifier
        return f" (model {made.payload_sha256[:12]}, {made.path})" if made else ""

    @property
    def route(self) -> list[str]:
        return routing.flatten(self.stages)

    @property
    def short(self) -> str:
        return f"{self.kind}/{self.priority}"


class ReplayOutcome(BaseModel):
    """One request replayed: what was recorded, what today's code (or a runtime) says."""

    request_id: str
    status: Status
    source: str = Field(description="`record`, or the runtime asked afresh")
    recorded: Decision | None = None
    now: Decision | None = None
    changes: list[Change] = Field(default_factory=list)
    triaged_seq: int | None = None
    prompt_changed: bool = False
    error: str | None = None
    replayed_seq: int | None = Field(default=None, description="seq of the REPLAYED event")

    @property
    def sentence(self) -> str:
        """ "recorded on claude: incident/P1; mock now says: bug/P2"."""
        if self.recorded is None:
            return self.error or "nothing recorded"
        said = f"recorded on {self.recorded.runtime or 'unknown'}: {self.recorded.short}"
        said += self.recorded.made_by
        if self.now is None:
            return f"{said}; {self.error or 'no decision now'}"
        who = (
            "today's parsing and routing say"
            if self.source == "record"
            else (f"{self.source} now says")
        )
        again = self.now.made_by if self.source != "record" else ""
        return f"{said}; {who}: {self.now.short}{again}"


class DriftReport(BaseModel):
    """`replay --all`: how many decisions and routes would change, and which."""

    source: str
    total: int = 0
    unchanged: int = 0
    changed: int = 0
    errors: int = 0
    skipped: int = 0
    decisions_changed: int = 0
    routes_changed: int = 0
    outcomes: list[ReplayOutcome] = Field(default_factory=list)

    def add(self, outcome: ReplayOutcome) -> None:
        self.outcomes.append(outcome)
        self.total += 1
        if outcome.status == "unchanged":
            self.unchanged += 1
        elif outcome.status == "changed":
            self.changed += 1
            fields = {c.field for c in outcome.changes}
            self.decisions_changed += bool(fields & {"kind", "severity", "priority", "parse"})
            self.routes_changed += "route" in fields
        elif outcome.status == "error":
            self.errors += 1
        else:
            self.skipped += 1

    @property
    def exit_code(self) -> int:
        """1 when anything changed or could not be replayed: the drift check did not pass."""
        return 1 if self.changed or self.errors else 0


class Replayer:
    """Replays against one ledger and config; `runtime` set means ask that runtime afresh."""

    def __init__(
        self,
        config: Config,
        ledger: LedgerRepository,
        *,
        runtime: str | None = None,
        record: bool = True,
        executor: Executor | None = None,
    ) -> None:
        self.config = config
        self.ledger = ledger
        self.runtime = runtime
        self.record = record
        self.prompt_sha256 = prompts.load("triage").sha256
        self._executor = executor

    @property
    def source(self) -> str:
        return self.runtime or "record"

    @property
    def executor(self) -> Executor:
        if self._executor is None:  # no sink, no state dir: a replay leaves breakers alone
            self._executor = Executor(settings=self.config.runtimes, policy=self.config.retry)
        return self._executor

    # -- one request -------------------------------------------------------------------
    def one(self, request_id: str) -> ReplayOutcome:
        """One request; an unknown id or a damaged file raises (its own exit code)."""
        return self._replay(request_id, self.ledger.read_events(ids.validate(request_id)))

    def _replay(self, request_id: str, events: list[LedgerEvent]) -> ReplayOutcome:
        triaged = next((e for e in reversed(events) if e.action is Action.TRIAGED), None)
        out = ReplayOutcome(request_id=request_id, status="skipped", source=self.source)
        if triaged is None:
            out.error = "no triage decision recorded (blocked before triage?)"
            return out
        out.triaged_seq = triaged.seq
        try:
            recorded = _read(triaged)
            out.prompt_changed = recorded.prompt_sha256 != self.prompt_sha256
            out.recorded = _recorded(recorded)
            fresh = self._fresh(request_id) if self.runtime else None
            raw = fresh.raw if fresh is not None else _raw(triaged.seq, recorded)
        except (OrchestrateError, AdapterError) as exc:
            out.status, out.error = "error", str(exc)
            return out
        try:
            decision = gate.reparse(raw)
        except (ValidationError, AdapterError, ValueError) as exc:
            out.status = "changed"
            out.error = f"reply rejected by today's parsing: {_short(exc)}"
            out.changes = [Change(field="parse", recorded="accepted", now="rejected")]
        else:
            out.now = Decision(
                **decision.model_dump(include=_COMPARED_KEYS),
                stages=gate.route_for(self.config, decision),
                runtime=self.runtime or out.recorded.runtime,
                model=fresh.model if fresh is not None else out.recorded.model,
                classifier=_classifier(fresh) if fresh is not None else out.recorded.classifier,
            )
            out.changes = _diff(out.recorded, out.now)
            out.status = "changed" if out.changes else "unchanged"
        if self.record:
            out.replayed_seq = self._append(request_id, out, fresh)
        return out

    def _fresh(self, request_id: str) -> AgentReply[TriageDecision]:
        """Ask the runtime afresh with the recorded input."""
        packet = self.ledger.read_request(request_id)
        return self.executor.run(gate.triage_call(packet.text), [str(self.runtime)])

    def _append(
        self, request_id: str, out: ReplayOutcome, fresh: AgentReply[TriageDecision] | None
    ) -> int:
        now = None
        if out.now is not None:
            now = ReplayedDecision(
                **out.now.model_dump(include={*_COMPARED_KEYS, "stages"}), route=out.now.route
            )
        prompt = prompts.load("triage")
        # asked afresh: the call's record; from the record: only today's prompt, for drift
        call = (
            CallRecord.of(fresh, prompt)
            if fresh is not None
            else CallRecord(prompt=prompt.name, prompt_sha256=prompt.sha256)
        )
        replayed = Replayed(
            **call.model_dump(),
            source=out.source,
            status=out.status,
            triaged_seq=out.triaged_seq,
            changes=out.changes,
            now=now,
            prompt_changed=out.prompt_changed,
            error=out.error,
        )
        return self.ledger.append(request_id, "replay", replayed).seq

    # -- the whole ledger --------------------------------------------------------------
    def all(self, kind: str | None = None, since: date | None = None) -> DriftReport:
        report = DriftReport(source=self.source)
        for request_id in self.ledger.request_ids():
            if since is not None and _day(request_id) < since:
                continue
            try:
                events = self.ledger.read_events(request_id)
            except OrchestrateError as exc:
                report.add(
                    ReplayOutcome(
                        request_id=request_id, status="error", source=self.source, error=str(exc)
                    )
                )
                continue
            if kind is not None and _recorded_kind(events) != kind:
                continue
            try:
                report.add(self._replay(request_id, events))
            except OrchestrateError as exc:  # e.g. the append met a damaged file
                report.add(
                    ReplayOutcome(
                        request_id=request_id, status="error", source=self.source, error=str(exc)
                    )
                )
        return report


def parse_since(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"--since {value!r}: expected YYYY-MM-DD") from None


def _day(request_id: str) -> date:
    digits = request_id.split("-")[1]
    return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))


def _recorded_kind(events: list[LedgerEvent]) -> str | None:
    triaged = next((e for e in reversed(events) if e.action is Action.TRIAGED), None)
    if triaged is None:
        return None
    try:
        return triaged.read(Triaged).kind
    except ValidationError:
        return None


def _read(event: LedgerEvent) -> Triaged:
    try:
        return event.read(Triaged)
    except ValidationError as exc:
        raise InputError(f"TRIAGED event {event.seq} is incomplete: {_short(exc)}") from None


def _recorded(triaged: Triaged) -> Decision:
    return Decision(
        kind=triaged.kind,
        severity=triaged.severity,
        priority=triaged.priority,
        stages=triaged.stages,
        runtime=triaged.runtime,
        model=triaged.model,
        classifier=triaged.classifier,
    )


def _classifier(reply: AgentReply[TriageDecision]) -> ClassifierRef | None:
    made = reply.extra.get("classifier")
    return ClassifierRef.model_validate(made) if made else None


def _raw(seq: int, triaged: Triaged) -> str:
    if triaged.raw is None:
        raise InputError(f"TRIAGED event {seq} has no recorded raw reply")
    return triaged.raw


def _diff(recorded: Decision, now: Decision) -> list[Change]:
    changes = [
        Change(field=f, recorded=getattr(recorded, f), now=getattr(now, f))
        for f in COMPARED
        if getattr(recorded, f) != getattr(now, f)
    ]
    if recorded.stages != now.stages:
        changes.append(
            Change(
                field="route",
                recorded=routing.stages_text(recorded.stages),
                now=routing.stages_text(now.stages),
            )
        )
    return changes


def _short(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300]

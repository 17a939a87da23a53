"""The Python API the CLI is a thin layer over: `Orchestrator(config).submit(text)`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, JsonValue

from adapters.executor import Executor
from orchestrator.config import Config, load_config
from orchestrator.errors import InputError, NotFoundError, OrchestrateError
from orchestrator.ledger import FileLedger, fold, runlock
from orchestrator.ledger.lifecycle import is_open
from orchestrator.ledger.models import Action, LedgerEvent
from orchestrator.run import checkpoints, duplicates, gate, intake, routing

STARTUP_GRACE_S = 30.0


class HandoffLine(BaseModel):
    from_role: str
    to: list[str]
    runtime: str | None
    round: int
    summary: str | None = None


class TriageView(BaseModel):
    kind: str
    severity: str
    priority: str
    confidence: float
    rationale: str
    signals: list[str]
    runtime: str
    model: str | None = None


class SubmitResult(BaseModel):
    request_id: str
    created: bool = True
    state: str
    triage: TriageView | None
    route: list[str]
    stages: list[list[str]]
    handoffs: list[HandoffLine]
    blocked_reason: str | None = None
    usage: dict[str, int] = Field(default_factory=dict)
    duplicate_of: str | None = Field(
        default=None, description="an earlier request with identical text (a warning only)"
    )


class Orchestrator:
    def __init__(self, config: Config | None = None) -> None:
        self.config = config or load_config()
        self.ledger = FileLedger(self.config.ledger_path)
        self._graph: Any | None = None
        self._work: Any | None = None
        self._triage_executor: Executor | None = None

    def close(self) -> None:
        """Release the checkpoint store's connection (its WAL is folded back on close)."""
        saver = getattr(self._graph, "checkpointer", None)
        if saver is not None:
            saver.conn.close()
        self._graph = self._work = None

    def __enter__(self) -> Orchestrator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- classify only ------------------------------------------------------------
    def triage(self, text: str) -> gate.Triaged:
        """Classify without writing anything (no ledger, no breaker state)."""
        admitted = intake.admit(text, self.config.limits.max_text_chars)
        if self._triage_executor is None:  # one per Orchestrator: `triage --file` reuses it
            self._triage_executor = Executor(
                settings=self.config.runtimes, policy=self.config.retry
            )
        return gate.triage(self.config, self._triage_executor, admitted)

    # -- the main job -------------------------------------------------------------
    def submit(
        self,
        text: str,
        *,
        title: str | None = None,
        idempotency_key: str | None = None,
        workspace: Path | None = None,
        source: str = "cli",
    ) -> SubmitResult:
        admitted = intake.admit(text, self.config.limits.max_text_chars)
        if workspace is not None and not workspace.is_dir():
            raise InputError(f"workspace is not a directory: {workspace}")
        if idempotency_key is not None:
            seen = self.ledger.find_by_idempotency_key(idempotency_key)
            if seen is not None:  # the fast path; a racing first use is settled under the lock
                return self._repeat(seen, idempotency_key, admitted)
        if self.config.graph.checkpoint:  # a broken store fails before anything is written
            checkpoints.check_store(self.ledger.root)
        duplicate = None if idempotency_key else duplicates.same_text(self.ledger, admitted)
        created = self.ledger.create_request(
            admitted,
            intake.title_of(admitted, title),
            source=source,
            idempotency_key=idempotency_key,
        )
        rid = created.packet.request_id
        if not created.created:
            return self._repeat(rid, str(idempotency_key), admitted)
        self._run(rid, admitted, workspace, fresh=True)
        result = self.result(rid)
        result.duplicate_of = duplicate
        return result

    def _repeat(self, request_id: str, key: str, text: str) -> SubmitResult:
        """A key seen before: the existing request as it stands, unless the text differs."""
        if self.ledger.read_request(request_id).text != text:
            raise InputError(
                f"idempotency key {key!r} was used for {request_id} with different text"
            )
        if not self.ledger.events_path(request_id).exists():  # its creator is mid-way
            return SubmitResult(
                request_id=request_id, created=False, state="PROPOSED", triage=None,
                route=[], stages=[], handoffs=[],
            )  # fmt: skip
        return self.result(request_id, created=False)

    def resume(self, request_id: str, workspace: Path | None = None) -> SubmitResult:
        """Continue an interrupted run; refuses (writing nothing) a finished, running or
        unknown item and a damaged checkpoint store."""
        packet = self.ledger.read_request(request_id)
        _require_open(self.ledger, request_id)
        if self.config.graph.checkpoint:
            checkpoints.check_store(self.ledger.root, thorough=True)
        self._run(request_id, packet.text, workspace, fresh=False)
        return self.result(request_id)

    def resume_interrupted(
        self, workspace: Path | None = None
    ) -> tuple[list[SubmitResult], dict[str, str]]:
        """`resume --all`: every interrupted item. One another process took meanwhile is
        skipped; one that cannot be resumed (damaged chain, …) is reported and the rest go on."""
        results: list[SubmitResult] = []
        failures: dict[str, str] = {}
        for rid in self.interrupted():
            try:
                results.append(self.resume(rid, workspace))
            except runlock.Busy:
                continue
            except InputError as exc:
                if is_open(self.ledger.view(rid).state):
                    failures[rid] = str(exc)
            except OrchestrateError as exc:
                failures[rid] = str(exc)
        return results, failures

    def _run(self, rid: str, text: str, workspace: Path | None, fresh: bool) -> None:
        with runlock.hold(self.ledger, rid):
            graph, work = self._compiled()
            if not fresh:  # again under the lock: another process may have finished it
                _require_open(self.ledger, rid)
            from_checkpoint = not fresh and checkpoints.pending(graph, rid, self.ledger.root)
            work.open_run(rid, text, workspace)
            try:
                if not fresh:
                    work.note_resume(rid, from_checkpoint)
                start = None if from_checkpoint else {"request_id": rid}
                # "sync": each step's checkpoint is on disk before the next step starts
                durable = {"durability": "sync"} if graph.checkpointer is not None else {}
                graph.invoke(start, {"configurable": {"thread_id": rid}}, **durable)
            finally:
                work.close_run(rid)

    def interrupted(self, grace_s: float = STARTUP_GRACE_S) -> list[str]:
        """Open items that no live process holds: what `resume --all` picks up.

        An item whose run never took its lock is only counted after `grace_s`, so a
        `submit` between creating the request and starting the run is not taken from it."""
        return [
            rid
            for rid, view in sorted(self.ledger.index().items())
            if is_open(view.state) and runlock.is_abandoned(self.ledger, rid, grace_s)
        ]

    def checkpoint_history(self, request_id: str) -> list[checkpoints.CheckpointView]:
        """The run's saved graph steps, oldest first (empty without checkpointing)."""
        graph, _ = self._compiled()
        if graph.checkpointer is None:
            return []
        return checkpoints.history(graph, request_id)

    def _compiled(self) -> tuple[Any, Any]:
        if self._graph is None:
            from orchestrator.run.graph import build
            from orchestrator.run.nodes import Work

            self._work = Work(self.config, self.ledger)
            self._graph = build(self._work, self._checkpointer())
        return self._graph, self._work

    def _checkpointer(self) -> Any | None:
        if not self.config.graph.checkpoint:
            return None
        self.ledger.root.mkdir(parents=True, exist_ok=True)
        return checkpoints.open_saver(self.ledger.root)

    # -- results ------------------------------------------------------------------
    def result(self, request_id: str, created: bool = True) -> SubmitResult:
        events = self.ledger.read_events(request_id)
        view = fold(request_id, events)  # one read of the events file, folded once
        triaged = _last(events, Action.TRIAGED)
        usage = {"input_tokens": 0, "output_tokens": 0}
        for record in ([view.triage_call] if view.triage_call else []) + view.completed:
            usage["input_tokens"] += record.input_tokens
            usage["output_tokens"] += record.output_tokens
        return SubmitResult(
            request_id=request_id,
            created=created,
            state=view.state.value,
            triage=_triage_view(triaged) if triaged else None,
            route=[r.role for r in view.completed if r.role in routing.flatten(_stages(triaged))],
            stages=_stages(triaged),
            handoffs=[_handoff(e) for e in events if e.action is Action.HANDOFF],
            blocked_reason=view.blocked_reason,
            usage=usage,
        )


def _last(events: list[LedgerEvent], action: Action) -> LedgerEvent | None:
    return next((e for e in reversed(events) if e.action is action), None)


def _stages(event: LedgerEvent | None) -> list[list[str]]:
    if event is None:
        return []
    raw = event.details.get("stages") or []
    return [[str(r) for r in stage] for stage in raw]  # type: ignore[union-attr]


def _triage_view(event: LedgerEvent) -> TriageView:
    d = event.details
    return TriageView.model_validate({k: d.get(k) for k in TriageView.model_fields})


def _handoff(event: LedgerEvent) -> HandoffLine:
    d: dict[str, JsonValue] = event.details
    return HandoffLine(
        from_role=str(d.get("from")),
        to=[str(t) for t in d.get("to") or []],  # type: ignore[union-attr]
        runtime=None if d.get("runtime") is None else str(d.get("runtime")),
        round=int(d.get("round") or 1),  # type: ignore[arg-type]
        summary=None if d.get("summary") is None else str(d.get("summary")),
    )


def _require_open(ledger: FileLedger, request_id: str) -> None:
    state = ledger.view(request_id).state
    if not is_open(state):
        raise InputError(f"{request_id} is already {state.value}; nothing to resume")


def require_known(ledger: FileLedger, request_id: str) -> None:
    if not ledger.events_path(request_id).exists():
        raise NotFoundError(f"unknown request {request_id}")

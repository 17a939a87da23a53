"""The Python API the CLI is a thin layer over: `Orchestrator(config).submit(text)`."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, JsonValue

from adapters.executor import Executor
from orchestrator import intake, routing, runlock
from orchestrator import triage as gate
from orchestrator.config import Config, load_config
from orchestrator.errors import InputError, NotFoundError
from orchestrator.ledger import FileLedger
from orchestrator.models import Action, LedgerEvent
from orchestrator.states import is_open


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


class Orchestrator:
    def __init__(self, config: Config | None = None) -> None:
        self.config = config or load_config()
        self.ledger = FileLedger(self.config.ledger_path)
        self._graph: Any | None = None
        self._work: Any | None = None

    # -- classify only ------------------------------------------------------------
    def triage(self, text: str) -> gate.Triaged:
        """Classify without writing anything (no ledger, no breaker state)."""
        admitted = intake.admit(text, self.config.limits.max_text_chars)
        executor = Executor(settings=self.config.runtimes, policy=self.config.retry)
        return gate.triage(self.config, executor, admitted)

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
        created = self.ledger.create_request(
            admitted,
            intake.title_of(admitted, title),
            source=source,
            idempotency_key=idempotency_key,
        )
        rid = created.packet.request_id
        if created.created:
            self._run(rid, admitted, workspace, fresh=True)
        return self.result(rid, created=created.created)

    def resume(self, request_id: str, workspace: Path | None = None) -> SubmitResult:
        packet = self.ledger.read_request(request_id)
        view = self.ledger.view(request_id)
        if not is_open(view.state):
            raise InputError(f"{request_id} is already {view.state.value}; nothing to resume")
        self._run(request_id, packet.text, workspace, fresh=False)
        return self.result(request_id)

    def _run(self, rid: str, text: str, workspace: Path | None, fresh: bool) -> None:
        with runlock.hold(self.ledger, rid):
            graph, work = self._compiled()
            work.open_run(rid, text, workspace)
            try:
                cfg = {"configurable": {"thread_id": rid}}
                if not fresh:
                    work.note_resume(rid)
                start = (
                    {"request_id": rid} if fresh or not self._has_checkpoint(graph, cfg) else None
                )
                graph.invoke(start, cfg)
            finally:
                work.close_run(rid)

    @staticmethod
    def _has_checkpoint(graph: Any, cfg: dict[str, Any]) -> bool:
        if graph.checkpointer is None:
            return False
        snapshot = graph.get_state(cfg)
        return bool(snapshot.next)

    def interrupted(self) -> list[str]:
        """Open items that no live process holds: what `resume --all` picks up."""
        return [
            rid
            for rid, view in sorted(self.ledger.index().items())
            if is_open(view.state) and not runlock.is_running(self.ledger, rid)
        ]

    def _compiled(self) -> tuple[Any, Any]:
        if self._graph is None:
            from orchestrator.graph import build
            from orchestrator.work import Work

            self._work = Work(self.config, self.ledger)
            self._graph = build(self._work, self._checkpointer())
        return self._graph, self._work

    def _checkpointer(self) -> Any | None:
        if not self.config.graph.checkpoint:
            return None
        from langgraph.checkpoint.sqlite import SqliteSaver

        self.ledger.ensure()
        conn = sqlite3.connect(
            self.ledger.root / "checkpoints.sqlite", check_same_thread=False, timeout=30
        )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        return SqliteSaver(conn)

    # -- results ------------------------------------------------------------------
    def result(self, request_id: str, created: bool = True) -> SubmitResult:
        events = self.ledger.read_events(request_id)
        view = self.ledger.view(request_id)
        triaged = _last(events, Action.TRIAGED)
        usage = {"input_tokens": 0, "output_tokens": 0}
        for record in view.completed:
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


def require_known(ledger: FileLedger, request_id: str) -> None:
    if not ledger.events_path(request_id).exists():
        raise NotFoundError(f"unknown request {request_id}")

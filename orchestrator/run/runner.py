"""The Python API the CLI is a thin layer over: `Orchestrator(config).submit(text)`."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from adapters.executor import Executor
from orchestrator import telemetry
from orchestrator.config import Config, load_config
from orchestrator.errors import IllegalTransition, InputError, NotFoundError, OrchestrateError
from orchestrator.ledger import LedgerRepository, runlock
from orchestrator.ledger.backends import open_ledger
from orchestrator.ledger.events import Action, Queued, Resumed, Triaged
from orchestrator.ledger.lifecycle import is_open
from orchestrator.ledger.models import LedgerEvent, Source
from orchestrator.queue.base import Claim, Queue
from orchestrator.run import checkpoints, duplicates, gate, intake, people, preflight
from orchestrator.run.context import open_run
from orchestrator.run.observer import Quiet, RunObserver
from orchestrator.run.results import SubmitResult, result_of
from orchestrator.run.state import RunState

if TYPE_CHECKING:  # LangGraph is imported only when a run starts
    from langgraph.checkpoint.base import BaseCheckpointSaver

    from orchestrator.run.graph import Graph

STARTUP_GRACE_S = 30.0


class Orchestrator:
    def __init__(self, config: Config | None = None) -> None:
        self.config = config or load_config()
        self.ledger = open_ledger(self.config)
        self._graph: Graph | None = None
        self._saver: BaseCheckpointSaver[str] | None = None
        self._triage_executor: Executor | None = None
        self._warnings: list[str] | None = None
        self._queue: Queue | None = None

    def close(self) -> None:
        """Release the checkpoint store's connection (its WAL is folded back on close)."""
        if self._saver is not None:
            self.ledger.checkpoints().close(self._saver)
        self._graph = self._saver = None

    def __enter__(self) -> Orchestrator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- classify only ------------------------------------------------------------
    def triage(self, text: str) -> gate.Verdict:
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
        source: Source | None = None,
        observer: RunObserver | None = None,
        trace_context: Mapping[str, str] | None = None,
    ) -> SubmitResult:
        """Create the item, triage it and run its roles to CLOSED or BLOCKED. Bad input, a
        broken checkpoint store or a role with no usable runtime refuse before any write.
        `trace_context`: W3C trace headers (`traceparent`, …) the run's trace continues,
        when it runs on behalf of a traced request."""
        admitted = intake.admit(text, self.config.limits.max_text_chars)
        if workspace is not None and not workspace.is_dir():
            raise InputError(f"workspace is not a directory: {workspace}")
        if idempotency_key is not None:
            seen = self.ledger.find_by_idempotency_key(idempotency_key)
            if seen is not None:  # the fast path; a racing first use is settled under the lock
                return self._repeat(seen, idempotency_key, admitted)
        if self.config.graph.checkpoint and self._saver is None:
            self.ledger.checkpoints().check()  # a broken store fails before any write
        self.preflight()
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
        watching = observer or Quiet()
        watching.created(rid)
        events = self._run(rid, admitted, workspace, True, watching, trace_context)
        result = result_of(rid, events)
        result.duplicate_of = duplicate
        return result

    def _repeat(self, request_id: str, key: str, text: str) -> SubmitResult:
        """A key seen before: the existing request as it stands, unless the text differs."""
        if self.ledger.read_request(request_id).text != text:
            raise InputError(
                f"idempotency key {key!r} was used for {request_id} with different text"
            )
        if not self.ledger.has_events(request_id):  # its creator is mid-way
            return SubmitResult.pending(request_id)
        return self.result(request_id, created=False)

    def resume(
        self,
        request_id: str,
        workspace: Path | None = None,
        observer: RunObserver | None = None,
        trace_context: Mapping[str, str] | None = None,
    ) -> SubmitResult:
        """Continue an interrupted run; refuses (writing nothing) a finished, running or
        unknown item, a damaged checkpoint store and a role with no usable runtime."""
        packet = self.ledger.read_request(request_id)
        _require_open(self.ledger, request_id)
        people.require_not_waiting(self.ledger.view(request_id))
        if self.config.graph.checkpoint:
            self.ledger.checkpoints().check(thorough=True)
        self.preflight()
        watching = observer or Quiet()
        watching.created(request_id)
        events = self._run(request_id, packet.text, workspace, False, watching, trace_context)
        return result_of(request_id, events)

    def preflight(self) -> list[str]:
        """Every role can run (else NoUsableRuntime, exit 6); one warning per fallback taken.
        Checked once per Orchestrator: keys and executables do not come and go mid-process."""
        if self._warnings is None:
            self._warnings = preflight.check(self.config)
        return self._warnings

    def resume_interrupted(
        self, workspace: Path | None = None, observer: RunObserver | None = None
    ) -> tuple[list[SubmitResult], dict[str, str]]:
        """`resume --all`: every interrupted item. One another process took meanwhile is
        skipped; one that cannot be resumed (damaged chain, …) is reported and the rest go on."""
        results: list[SubmitResult] = []
        failures: dict[str, str] = {}
        for rid in self.interrupted():
            try:
                results.append(self.resume(rid, workspace, observer))
            except (runlock.Busy, IllegalTransition):
                continue  # another process has it, or finished it meanwhile
            except OrchestrateError as exc:
                failures[rid] = str(exc)
        return results, failures

    def _run(
        self,
        rid: str,
        text: str,
        workspace: Path | None,
        fresh: bool,
        observer: RunObserver | None = None,
        trace_context: Mapping[str, str] | None = None,
    ) -> list[LedgerEvent]:
        """Run the graph for `rid` under its run lock; the item's events as the run left them
        (the recorder holds them: no second read of the file)."""
        with runlock.hold(self.ledger, rid):
            return self._run_held(rid, text, workspace, fresh, observer, trace_context)

    def _run_held(
        self,
        rid: str,
        text: str,
        workspace: Path | None,
        fresh: bool,
        observer: RunObserver | None,
        trace_context: Mapping[str, str] | None = None,
    ) -> list[LedgerEvent]:
        """The run itself, in its trace; the caller holds the item's run lock."""
        with telemetry.run(rid, trace_context, resumed=not fresh) as trace:
            graph = self._compiled()
            if not fresh:  # again under the lock: another process may have finished it
                _require_open(self.ledger, rid)
            store = self.ledger.checkpoints()
            from_checkpoint = not fresh and checkpoints.pending(graph, rid, store)
            ctx = open_run(self.config, self.ledger, rid, text, workspace, observer, trace)
            if not from_checkpoint and ctx.recorder.find(Triaged) is not None:
                checkpoints.forget(graph, rid)  # it ran before: start again from the ledger
            if not fresh:
                resumed = Resumed(from_seq=ctx.recorder.last_seq, from_checkpoint=from_checkpoint)
                ctx.recorder.append("orchestrator", resumed, durable=False)
            start: RunState | None = None if from_checkpoint else {"request_id": rid}
            durability = self.config.graph.durability if graph.checkpointer is not None else None
            graph.invoke(
                start, {"configurable": {"thread_id": rid}}, context=ctx, durability=durability
            )
            events = ctx.recorder.events
            trace.ended(events)
            return events

    # -- the queue ------------------------------------------------------------------
    def enqueue(
        self,
        text: str,
        *,
        title: str | None = None,
        idempotency_key: str | None = None,
        source: Source | None = None,
        trace_context: Mapping[str, str] | None = None,
    ) -> SubmitResult:
        """Create the item and queue it for a worker (QUEUED, fsync'd with its creation): it
        is then in the ledger and will be run, even across a restart. `trace_context`: the
        W3C trace headers the worker's run is to continue."""
        admitted = intake.admit(text, self.config.limits.max_text_chars)
        if idempotency_key is not None:
            seen = self.ledger.find_by_idempotency_key(idempotency_key)
            if seen is not None:
                return self._repeat(seen, idempotency_key, admitted)
        self.preflight()
        via = (source or Source()).kind
        created = self.ledger.create_request(
            admitted,
            intake.title_of(admitted, title),
            source=source,
            idempotency_key=idempotency_key,
            then=[Queued(via=via, trace=dict(trace_context or {}))],
        )
        rid = created.packet.request_id
        if not created.created:
            return self._repeat(rid, str(idempotency_key), admitted)
        self.queue().enqueue(rid)
        return self.result(rid)

    def queue(self) -> Queue:
        if self._queue is None:
            self._queue = self.ledger.open_queue(self.config.queue)
        return self._queue

    def work(
        self,
        claim: Claim,
        observer: RunObserver | None = None,
        trace_context: Mapping[str, str] | None = None,
    ) -> SubmitResult:
        """Run a claimed item to its end (a first run, or a resume after a takeover); the
        claim holds the run lock. The run continues the trace the item was queued in."""
        packet = self.ledger.read_request(claim.request_id)
        if trace_context is None:
            trace_context = _queued_trace(self.ledger.read_events(claim.request_id))
        fresh = claim.attempt == 1
        events = self._run_held(claim.request_id, packet.text, None, fresh, observer, trace_context)
        return result_of(claim.request_id, events)

    def interrupted(self, grace_s: float = STARTUP_GRACE_S) -> list[str]:
        """Open items that no live process holds: what `resume --all` picks up.

        An item whose run never took its lock is only counted after `grace_s`, so a
        `submit` between creating the request and starting the run is not taken from it."""
        return [
            rid
            for rid, view in sorted(self.ledger.index().items())
            if is_open(view.state)
            and not view.waiting_for  # a person, not a process, is what it waits for
            and runlock.is_abandoned(self.ledger, rid, grace_s)
        ]

    def checkpoint_history(self, request_id: str) -> list[checkpoints.CheckpointView]:
        """The run's saved graph steps, oldest first (empty without checkpointing)."""
        graph = self._compiled()
        if graph.checkpointer is None:
            return []
        return checkpoints.history(graph, request_id)

    def _compiled(self) -> Graph:
        if self._graph is None:
            from orchestrator.run.graph import build
            from orchestrator.run.nodes import Nodes

            if self.config.graph.checkpoint:
                self._saver = self.ledger.checkpoints().open_saver()
            self._graph = build(Nodes(self.config, self.ledger), self._saver)
        return self._graph

    # -- people in the loop ----------------------------------------------------------
    def approve(
        self,
        request_id: str,
        actor: str,
        note: str = "",
        *,
        detach: bool = False,
        observer: RunObserver | None = None,
    ) -> SubmitResult:
        """Let the waiting stage start, and run the item on to its end (or queue it for a
        worker with `detach`)."""
        return self._act(request_id, people.approve, (actor, note), detach, observer)

    def reject(self, request_id: str, actor: str, reason: str) -> SubmitResult:
        """Refuse the waiting stage: the item is BLOCKED (`retry` asks again)."""
        return self._act(request_id, people.reject, (actor, reason), False, None, runs=False)

    def reclassify(
        self,
        request_id: str,
        actor: str,
        reason: str,
        correction: people.Correction,
        *,
        detach: bool = False,
        observer: RunObserver | None = None,
    ) -> SubmitResult:
        """Record a corrected triage; an open item runs on under the corrected route."""

        def write(ledger: LedgerRepository, rid: str) -> bool:
            return people.reclassify(ledger, self.config, rid, actor, reason, correction)

        return self._act(request_id, write, (), detach, observer)

    def retry(
        self,
        request_id: str,
        actor: str,
        runtimes: Mapping[str, str] | None = None,
        *,
        detach: bool = False,
        observer: RunObserver | None = None,
    ) -> SubmitResult:
        """Run a BLOCKED item again from the role that failed or was rejected, optionally
        on other runtimes (`{"dev": "claude"}`); finished roles and the triage stand."""
        chosen = people.runtime_choices(runtimes or {})
        if chosen:  # the run reads them from UNBLOCKED, here or in a worker
            preflight.check(people.with_runtimes(self.config, chosen))
        return self._act(request_id, people.retry, (actor, chosen), detach, observer)

    def _act(
        self,
        request_id: str,
        write: people.Write,
        args: tuple[object, ...],
        detach: bool,
        observer: RunObserver | None,
        runs: bool = True,
    ) -> SubmitResult:
        """Check and record a person's action under the item's run lock (a refusal writes
        nothing), then continue the run here, or queue it for a worker. `runs`: the action
        may continue the run, so every role needs a usable runtime first."""
        packet = self.ledger.read_request(request_id)
        require_known(self.ledger, request_id)
        if runs:
            self.preflight()
        with runlock.hold(self.ledger, request_id):
            if not write(self.ledger, request_id, *args):
                return self.result(request_id)
            if detach:
                self.ledger.append(request_id, "orchestrator", Queued(via="people"))
                self.queue().enqueue(request_id)
                return self.result(request_id)
            (observer or Quiet()).created(request_id)
            events = self._run_held(request_id, packet.text, None, False, observer)
        return result_of(request_id, events)

    # -- results ------------------------------------------------------------------
    def result(self, request_id: str, created: bool = True) -> SubmitResult:
        return result_of(request_id, self.ledger.read_events(request_id), created)


def _queued_trace(events: list[LedgerEvent]) -> dict[str, str] | None:
    queued = next((e for e in reversed(events) if e.action is Action.QUEUED), None)
    return (queued.read(Queued).trace or None) if queued is not None else None


def _require_open(ledger: LedgerRepository, request_id: str) -> None:
    state = ledger.view(request_id).state
    if not is_open(state):
        raise IllegalTransition(f"{request_id} is already {state.value}; nothing to resume")


def require_known(ledger: LedgerRepository, request_id: str) -> None:
    if not ledger.has_events(request_id):
        raise NotFoundError(f"unknown request {request_id}")

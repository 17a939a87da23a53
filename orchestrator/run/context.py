"""What one run's nodes share: its recorder, executor, the item's text and workspace, and
its trace (a no-op unless telemetry is configured).

Passed to the graph as LangGraph's runtime context (`invoke(..., context=...)`), so nodes
get it from their `runtime` argument instead of a side table keyed by request id.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from adapters.events import ExecutorEvent
from adapters.executor import EventSink, Executor
from orchestrator.config import Config
from orchestrator.ledger import LedgerRepository
from orchestrator.run.observer import RunObserver
from orchestrator.run.recorder import Recorder
from orchestrator.telemetry.api import NO_TRACE, RunTrace


@dataclass
class RunContext:
    recorder: Recorder
    executor: Executor
    text: str
    workspace: Path | None = None
    trace: RunTrace = NO_TRACE


def _sink(recorder: Recorder, trace: RunTrace) -> EventSink:
    """The executor's reports become ledger events, each under the runtime it concerns, and
    span events naming those events' seq."""

    def record(event: ExecutorEvent) -> None:
        logged = recorder.append(f"runtime:{event.runtime or 'unknown'}", event, durable=False)
        trace.event(event, logged.seq)

    return record


def open_run(
    config: Config,
    ledger: LedgerRepository,
    request_id: str,
    text: str,
    workspace: Path | None = None,
    observer: RunObserver | None = None,
    trace: RunTrace = NO_TRACE,
) -> RunContext:
    recorder = Recorder(ledger, request_id, observer)
    executor = Executor(
        settings=config.runtimes,
        policy=config.retry,
        sink=_sink(recorder, trace),
        state_dir=ledger.root / "runtime-state",
        observer=trace.observer,
    )
    return RunContext(
        recorder=recorder, executor=executor, text=text, workspace=workspace, trace=trace
    )

"""What one run's nodes share: its recorder, executor, the item's text and workspace.

Passed to the graph as LangGraph's runtime context (`invoke(..., context=...)`), so nodes
get it from their `runtime` argument instead of a side table keyed by request id.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from adapters.events import ExecutorEvent
from adapters.executor import EventSink, Executor
from orchestrator.config import Config
from orchestrator.ledger import FileLedger
from orchestrator.run.observer import RunObserver
from orchestrator.run.recorder import Recorder


@dataclass
class RunContext:
    recorder: Recorder
    executor: Executor
    text: str
    workspace: Path | None = None


def _sink(recorder: Recorder) -> EventSink:
    """The executor's reports become ledger events, each under the runtime it concerns."""

    def record(event: ExecutorEvent) -> None:
        recorder.append(f"runtime:{event.runtime or 'unknown'}", event, durable=False)

    return record


def open_run(
    config: Config,
    ledger: FileLedger,
    request_id: str,
    text: str,
    workspace: Path | None = None,
    observer: RunObserver | None = None,
) -> RunContext:
    recorder = Recorder(ledger, request_id, observer)
    executor = Executor(
        settings=config.runtimes,
        policy=config.retry,
        sink=_sink(recorder),
        state_dir=ledger.root / "runtime-state",
    )
    return RunContext(recorder=recorder, executor=executor, text=text, workspace=workspace)

"""End-to-end throughput with the mock runtime versus the floor measured in the same run.

Floor: a bare LangGraph graph of the same shape (triage → parallel role fan-out → review
loop) whose nodes do nothing but the same number of fsync'd appends our run wrote.

    python bench/throughput.py [--requests 60] [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any, TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.types import Send

from orchestrator import Orchestrator, load_config

TEXTS = [
    "Production outage: checkout returns 503 for all users since the deploy",
    "Add support for exporting reports as CSV",
    "Crash when saving a draft: expected saved, got TypeError in editor.js",
]


def _ours(n: int, checkpoint: bool) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        cfg = load_config(env={}, ledger=Path(tmp) / "coordination")
        cfg.graph.checkpoint = checkpoint
        orch = Orchestrator(cfg)
        orch.submit(TEXTS[0])  # compile the graph and warm caches outside the timing
        started = time.perf_counter()
        for i in range(n):
            orch.submit(TEXTS[i % len(TEXTS)])
        elapsed = time.perf_counter() - started
        events = sum(len(orch.ledger.read_events(r)) for r in orch.ledger.request_ids()[1:])
    return n / elapsed, events // n


def _merge(a: dict, b: dict) -> dict:
    return {**a, **b}


class _S(TypedDict, total=False):
    stage: int
    stages: list[list[str]]
    done: Annotated[dict[str, int], _merge]


def _floor_graph(append: Any) -> Any:
    def triage(state: _S) -> dict:
        append()
        return {"stage": 0}

    def role(task: dict) -> dict:
        append()
        return {"done": {task["role"]: 1}}

    def review(state: _S) -> dict:
        append()
        return {"stage": state["stage"] + 1}

    def dispatch(state: _S) -> Any:
        if state["stage"] >= len(state["stages"]):
            return END
        return [Send("role", {"role": r}) for r in state["stages"][state["stage"]]]

    g = StateGraph(_S)
    g.add_node("triage", triage)
    g.add_node("role", role)
    g.add_node("review", review)
    g.add_edge(START, "triage")
    g.add_conditional_edges("triage", dispatch, ["role", END])
    g.add_edge("role", "review")
    g.add_conditional_edges("review", dispatch, ["role", END])
    return g.compile()


def _floor(n: int, events_per_request: int) -> float:
    shapes = [[["ops", "dev"], ["pm"], ["test"]], [["pm"], ["dev"], ["test"]], [["dev"], ["test"]]]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events.jsonl"
        line = b'{"seq":1,"action":"X","details":{}}\n'

        def append() -> None:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            os.write(fd, line)
            os.fsync(fd)
            os.close(fd)

        graph = _floor_graph(lambda: None)
        started = time.perf_counter()
        for i in range(n):
            graph.invoke({"stages": shapes[i % 3], "done": {}})
            for _ in range(events_per_request):
                append()
        return n / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    ours, ours_nockpt, floor = [], [], []
    per_request = 0
    for _ in range(args.repeats):
        rate, per_request = _ours(args.requests, checkpoint=True)
        ours.append(rate)
        ours_nockpt.append(_ours(args.requests, checkpoint=False)[0])
        floor.append(_floor(args.requests, per_request))
    med = statistics.median
    print(f"requests per batch: {args.requests}, repeats: {args.repeats}, "
          f"events per request: {per_request}")  # fmt: skip
    print(f"floor (bare graph + {per_request} fsync'd appends): {med(floor):8.1f} req/s")
    print(f"orchestrate, checkpoints on:                {med(ours):8.1f} req/s")
    print(f"orchestrate, checkpoints off:               {med(ours_nockpt):8.1f} req/s")
    print(f"floor / ours (checkpoints on):  {med(floor) / med(ours):.2f}x  (goal <= 2x)")
    print(f"floor / ours (checkpoints off): {med(floor) / med(ours_nockpt):.2f}x")


if __name__ == "__main__":
    main()

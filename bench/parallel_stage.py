"""Parallel stages save wall time: an incident's Ops ∥ Dev stage against the same calls in series.

With a mock `latency_ms`, an incident makes five model calls (triage, ops, dev, pm, test) in
four sequential steps; if Ops and Dev did not overlap it would take five latencies. The
ratio wall / (5 × latency) is what the parallel fan-out buys (ideal: 0.8).

    python bench/parallel_stage.py [--latency-ms 300] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from orchestrator import Orchestrator, load_config

INCIDENT = "Production outage: checkout returns 503 for all users since the 14:02 deploy"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency-ms", type=float, default=300.0)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    walls = []
    with tempfile.TemporaryDirectory() as tmp:
        toml = Path(tmp) / "orchestrate.toml"
        toml.write_text(f"[runtimes.mock]\nlatency_ms = {args.latency_ms}\n")
        cfg = load_config(toml, env={}, ledger=Path(tmp) / "coordination")
        with Orchestrator(cfg) as orch:
            orch.submit(INCIDENT)  # warm: compile the graph, load the triage model
            for _ in range(args.runs):
                started = time.perf_counter()
                result = orch.submit(INCIDENT)
                walls.append(time.perf_counter() - started)
                assert result.stages[0] == ["ops", "dev"], result.stages
    serial = 5 * args.latency_ms / 1000
    wall = statistics.median(walls)
    print(f"incident, mock latency {args.latency_ms:g} ms, {args.runs} runs")
    print(f"median wall {wall:.3f} s; five calls in series would take {serial:.3f} s")
    print(f"wall / serial = {wall / serial:.2f}  (0.80 if Ops and Dev fully overlap)")


if __name__ == "__main__":
    main()

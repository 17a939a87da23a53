"""`replay --all` throughput, and the extra cost per submit of durable checkpointing.

1. Builds a ledger of `--requests` (default 1,000) requests with the mock runtime through
   the Python API, then times `Replayer.all()` — decisions per second re-derived from the
   record, no network — without recording (`--no-record`) and with REPLAYED appends (on a
   fresh copy each run), plus the CLI end to end (`orchestrate replay --all --no-record`,
   process start included). Medians of `--runs`.
2. Times single submits with `[graph] checkpoint = true` (SqliteSaver, WAL,
   synchronous=FULL, durability="sync") against `false`, interleaved, median per submit.

    python bench/replay_bench.py                          # 1,000 requests, 5 runs
    python bench/replay_bench.py --requests 200 --runs 3 --submits 20
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from orchestrator import Orchestrator
from orchestrator.config import Config, load_config
from orchestrator.ledger import FileLedger
from orchestrator.run.replay import Replayer

DATASET = Path("/work/shared/datasets/triage/dev.jsonl")
TEMPLATES = [
    "Production outage: checkout returns 503 for all users since the deploy ({n})",
    "Add support for exporting reports as CSV, requested by finance ({n})",
    "Crash when saving a draft: expected saved, got TypeError in editor.js ({n})",
    "Login fails for SSO users with 'invalid state' since 09:10 ({n})",
    "Typo on the pricing page footer ({n})",
    "Allow teams to pin dashboards to the sidebar ({n})",
]


def texts(n: int, source: Path | None) -> list[str]:
    if source is not None and source.is_file():
        rows = [json.loads(line)["text"] for line in source.read_text().splitlines() if line]
        if rows:
            return [f"{rows[i % len(rows)][:4000]} ({i})" for i in range(n)]
    return [TEMPLATES[i % len(TEMPLATES)].format(n=i) for i in range(n)]


def config(ledger: Path, checkpoint: bool) -> Config:
    cfg = load_config(env={}, ledger=ledger)
    cfg.graph.checkpoint = checkpoint
    return cfg


def build(ledger: Path, n: int, source: Path | None) -> float:
    orch = Orchestrator(config(ledger, checkpoint=False))
    started = time.perf_counter()
    for text in texts(n, source):
        orch.submit(text)
    return time.perf_counter() - started


def time_replay(ledger: Path, runs: int, record: bool) -> tuple[float, int]:
    samples, total = [], 0
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            target = ledger
            if record:  # appends change the ledger: every run starts from the same copy
                target = Path(tmp) / "copy"
                shutil.copytree(ledger, target)
            cfg = config(target, checkpoint=False)
            started = time.perf_counter()
            report = Replayer(cfg, FileLedger(target), record=record).all()
            samples.append(time.perf_counter() - started)
            total = report.total
            assert report.exit_code == 0, report.model_dump_json()[:500]
    return statistics.median(samples), total


def time_cli(ledger: Path, runs: int) -> float:
    cmd = [sys.executable, "-c", "from orchestrator.cli.app import main; main()"]
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(
            [*cmd, "replay", "--all", "--no-record", "--json", "--ledger", str(ledger)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def time_checkpointing(submits: int) -> dict[bool, float]:
    """Median seconds per submit with and without durable checkpoints, interleaved."""
    samples: dict[bool, list[float]] = {True: [], False: []}
    with tempfile.TemporaryDirectory() as tmp:
        orchs = {
            flag: Orchestrator(config(Path(tmp) / f"cp-{flag}", checkpoint=flag))
            for flag in (True, False)
        }
        for flag, orch in orchs.items():  # compile and warm outside the timing
            orch.submit(f"warm up {flag}")
        for i, text in enumerate(texts(submits, None)):
            for flag in (True, False) if i % 2 == 0 else (False, True):
                started = time.perf_counter()
                orchs[flag].submit(text)
                samples[flag].append(time.perf_counter() - started)
    return {flag: statistics.median(values) for flag, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--submits", type=int, default=40)
    parser.add_argument("--texts", type=Path, default=DATASET, help="JSONL with `text` fields")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        ledger = Path(tmp) / "coordination"
        built = build(ledger, args.requests, args.texts)
        print(f"built {args.requests} requests in {built:.1f}s ({args.requests / built:.1f}/s)")
        dry, total = time_replay(ledger, args.runs, record=False)
        print(f"replay --all --no-record (API): {total} in {dry:.3f}s = {total / dry:,.0f}/s")
        wet, total = time_replay(ledger, args.runs, record=True)
        print(f"replay --all, recording (API):  {total} in {wet:.3f}s = {total / wet:,.0f}/s")
        cli = time_cli(ledger, args.runs)
        print(f"orchestrate replay --all --no-record (CLI, incl. start): {cli:.3f}s")

    cost = time_checkpointing(args.submits)
    extra = cost[True] - cost[False]
    print(
        f"submit median: checkpoint=true {cost[True] * 1000:.1f} ms, "
        f"false {cost[False] * 1000:.1f} ms, extra {extra * 1000:+.1f} ms "
        f"({extra / cost[False]:+.0%})"
    )


if __name__ == "__main__":
    main()

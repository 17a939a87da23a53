"""Cost of one durable append as the ledger grows: a plain event vs. one that moves the index.

Only events that change what `list` shows (created, triaged, state changes, blocked)
rewrite index.json; the rest cost one fsync'd line whatever the ledger's size.

    python bench/append_cost.py [--sizes 50 5000] [-n 200]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from orchestrator.ledger import FileLedger
from orchestrator.ledger import events as ev
from orchestrator.ledger.lifecycle import State


def _ledger_of(root: Path, requests: int) -> tuple[FileLedger, list[str]]:
    ledger = FileLedger(root)
    rids = [
        ledger.create_request(f"item {i}", f"item {i}").packet.request_id for i in range(requests)
    ]
    return ledger, rids


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 5000])
    parser.add_argument("-n", type=int, default=200)
    args = parser.parse_args()
    print(f"{'requests':>9} {'plain append ms':>16} {'indexed append ms':>18}")
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            ledger, rids = _ledger_of(Path(tmp) / "c", size)
            plain, indexed = [], []
            for i in range(args.n):
                rid = rids[i % len(rids)]
                started = time.perf_counter()
                ledger.append(rid, "bench", ev.Handoff(from_="bench", to=["dev"], round=i))
                plain.append(time.perf_counter() - started)
            for rid in rids[: args.n]:
                started = time.perf_counter()
                ledger.transition(rid, State.ACCEPTED, "bench")
                indexed.append(time.perf_counter() - started)
            print(f"{size:>9} {_median_ms(plain):>16.2f} {_median_ms(indexed):>18.2f}")


if __name__ == "__main__":
    main()

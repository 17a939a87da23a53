"""Evaluate the offline triage gate on a labelled JSONL file.

By default it measures the shipped code path: the file's texts are written to a temporary
JSONL and classified by `orchestrate triage --file ITEMS --json` in a subprocess, and the
wall time of that subprocess is reported. `--in-process` calls `classify` directly instead,
for quick tuning. Prints per-class precision/recall/F1, macro-F1, the confusion matrix,
accuracy by confidence bucket, the worst misses (ids and signals only, never the text), and
PASS/FAIL lines for the targets.

    python bench/triage_eval.py                      # dev set, through the CLI
    python bench/triage_eval.py --data tests/data/triage_tickets.jsonl
    python bench/triage_eval.py --in-process --holdout-every 5
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_DATA = Path("/work/shared/datasets/triage/dev.jsonl")
OWN_DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "triage_tickets.jsonl"
KINDS = ("bug", "feature", "incident")
BUCKETS = ((0.0, 0.5), (0.5, 0.7), (0.7, 0.85), (0.85, 0.95), (0.95, 1.01))
TARGET_F1 = 0.85
TARGET_TOP_BUCKET = 0.95
TARGET_SECONDS = 2.0
WORST = 20


@dataclass(frozen=True)
class Row:
    """One labelled ticket and the gate's decision about it."""

    id: str
    label: str
    kind: str
    confidence: float
    signals: list[str]


def load(path: Path) -> list[dict[str, Any]]:
    """Read the labelled tickets; blank lines are skipped."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def orchestrate_cmd() -> list[str]:
    """The installed console script, or the same entry point through this interpreter."""
    beside = Path(sys.executable).with_name("orchestrate")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("orchestrate")
    if found:
        return [found]
    return [sys.executable, "-c", "from orchestrator.cli.app import main; main()"]


def predict_cli(items: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], float]:
    """Classify through `orchestrate triage --file --json`; return decisions and wall time."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "items.jsonl"
        with path.open("w", encoding="utf-8") as fh:
            for item in items:
                fh.write(json.dumps({"id": item["id"], "text": item["text"]}) + "\n")
        cmd = [*orchestrate_cmd(), "triage", "--file", str(path), "--json"]
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp, env=os.environ.copy())
        elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(
            f"triage_eval: {' '.join(cmd[-4:])} exited {proc.returncode}: "
            f"{proc.stderr.strip()[-500:]}"
        )
    out = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    if len(out) != len(items):
        sys.exit(f"triage_eval: expected {len(items)} decisions from the CLI, got {len(out)}")
    return out, elapsed


def predict_in_process(items: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], float]:
    """Classify by calling the classifier directly (for tuning; skips the CLI)."""
    from adapters.mock.classifier import classify

    start = time.perf_counter()
    out = [{"id": it["id"], **classify(it["text"]).model_dump()} for it in items]
    return out, time.perf_counter() - start


def join(items: list[dict[str, Any]], decisions: list[dict[str, Any]]) -> list[Row]:
    """Pair labels with decisions by position, checking the ids line up."""
    rows = []
    for item, dec in zip(items, decisions, strict=True):
        if str(dec.get("id")) != str(item["id"]):
            sys.exit(
                f"triage_eval: output out of order at id {item['id']!r} (got {dec.get('id')!r})"
            )
        rows.append(
            Row(
                str(item["id"]),
                item["label"],
                dec["kind"],
                float(dec["confidence"]),
                list(dec.get("signals") or []),
            )
        )
    return rows


def per_class(rows: list[Row]) -> dict[str, tuple[float, float, float, int]]:
    """Precision, recall, F1 and support for each kind."""
    stats = {}
    for kind in KINDS:
        tp = sum(r.kind == kind and r.label == kind for r in rows)
        fp = sum(r.kind == kind and r.label != kind for r in rows)
        fn = sum(r.kind != kind and r.label == kind for r in rows)
        p = tp / (tp + fp) if tp + fp else 0.0
        r_ = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * p * r_ / (p + r_) if p + r_ else 0.0
        stats[kind] = (p, r_, f1, tp + fn)
    return stats


def macro_f1(rows: list[Row]) -> float:
    """Mean F1 over the kinds present in the labels."""
    stats = per_class(rows)
    present = [k for k in KINDS if stats[k][3]]
    return sum(stats[k][2] for k in present) / len(present) if present else 0.0


def buckets(rows: list[Row]) -> list[tuple[str, int, float | None]]:
    """Accuracy in each confidence bucket: does higher confidence mean more often right?"""
    out = []
    for lo, hi in BUCKETS:
        inside = [r for r in rows if lo <= r.confidence < hi]
        acc = sum(r.kind == r.label for r in inside) / len(inside) if inside else None
        out.append((f"[{lo:.2f},{min(hi, 1.0):.2f}{']' if hi > 1 else ')'}", len(inside), acc))
    return out


def top_bucket(rows: list[Row]) -> tuple[str, int, float | None]:
    """The highest non-empty confidence bucket."""
    filled = [b for b in buckets(rows) if b[1]]
    return filled[-1] if filled else ("none", 0, None)


def report(name: str, rows: list[Row]) -> None:
    """Print the metrics for one slice."""
    stats = per_class(rows)
    acc = sum(r.kind == r.label for r in rows) / len(rows)
    print(f"\n== {name}: {len(rows)} tickets, accuracy {acc:.3f}, macro-F1 {macro_f1(rows):.3f}")
    print(f"{'class':<10}{'precision':>10}{'recall':>9}{'F1':>8}{'support':>9}")
    for kind, (p, r, f1, n) in stats.items():
        print(f"{kind:<10}{p:>10.3f}{r:>9.3f}{f1:>8.3f}{n:>9}")
    confusion = Counter((r.label, r.kind) for r in rows)
    print("confusion (rows = label, columns = predicted)")
    print(f"{'':<10}" + "".join(f"{k:>10}" for k in KINDS))
    for label in KINDS:
        print(f"{label:<10}" + "".join(f"{confusion[(label, k)]:>10}" for k in KINDS))
    print("accuracy by confidence bucket")
    for span, n, bacc in buckets(rows):
        print(f"  {span:<13} n={n:<5} accuracy={'-' if bacc is None else f'{bacc:.3f}'}")


def worst(rows: list[Row], limit: int = WORST) -> None:
    """The most confident misses, with the signals that misled the gate (no ticket text)."""
    misses = sorted((r for r in rows if r.kind != r.label), key=lambda r: -r.confidence)[:limit]
    print(f"\n== {len(misses)} worst misses (most confident first)")
    for r in misses:
        print(
            f"  {r.id}  label={r.label} predicted={r.kind} conf={r.confidence:.2f} "
            f"signals={r.signals[:6]}"
        )


def verdict(label: str, ok: bool, detail: str) -> bool:
    """One PASS/FAIL line."""
    print(f"{'PASS' if ok else 'FAIL'}  {label}: {detail}")
    return ok


def evaluate(path: Path, in_process: bool, holdout_every: int) -> tuple[list[Row], float]:
    """Classify one file, print its report, return the rows and wall time."""
    items = load(path)
    predict = predict_in_process if in_process else predict_cli
    decisions, seconds = predict(items)
    rows = join(items, decisions)
    mode = "in-process classify()" if in_process else "orchestrate triage --file --json"
    print(f"\n#### {path} via {mode}: {len(rows)} tickets in {seconds:.3f} s")
    report("all", rows)
    if holdout_every > 1:
        report(
            f"tuning slice (lines where n % {holdout_every} != {holdout_every - 1})",
            [r for i, r in enumerate(rows) if i % holdout_every != holdout_every - 1],
        )
        report(
            f"held-out slice (every {holdout_every}th line)",
            [r for i, r in enumerate(rows) if i % holdout_every == holdout_every - 1],
        )
    worst(rows)
    return rows, seconds


def main(argv: list[str] | None = None) -> int:
    """Run the evaluation; exit 0 only when every target is met."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="labelled JSONL")
    parser.add_argument("--own", type=Path, default=OWN_DATA, help="the project's own tickets")
    parser.add_argument("--in-process", action="store_true", help="call classify() directly")
    parser.add_argument(
        "--holdout-every",
        type=int,
        default=5,
        help="also report a held-out slice of every Nth line (0 = off)",
    )
    args = parser.parse_args(argv)

    rows, seconds = evaluate(args.data, args.in_process, args.holdout_every)
    own_rows, _ = evaluate(args.own, args.in_process, 0) if args.own.exists() else ([], 0.0)

    print("\n== targets")
    span, n, acc = top_bucket(rows)
    checks = [
        verdict(
            f"macro-F1 on {args.data.name} >= {TARGET_F1}",
            macro_f1(rows) >= TARGET_F1,
            f"{macro_f1(rows):.3f}",
        ),
        verdict(
            f"macro-F1 on own tickets >= {TARGET_F1}",
            bool(own_rows) and macro_f1(own_rows) >= TARGET_F1,
            f"{macro_f1(own_rows):.3f} over {len(own_rows)}" if own_rows else "missing",
        ),
        verdict(
            f"top confidence bucket accuracy >= {TARGET_TOP_BUCKET}",
            acc is not None and acc >= TARGET_TOP_BUCKET,
            f"{span} n={n} accuracy={'-' if acc is None else f'{acc:.3f}'}",
        ),
    ]
    mode = (
        "in-process classify() (not the CLI target)"
        if args.in_process
        else ("orchestrate triage --file")
    )
    checks.append(
        verdict(
            f"{mode} over {len(rows)} tickets < {TARGET_SECONDS:.0f} s",
            seconds < TARGET_SECONDS,
            f"{seconds:.3f} s",
        )
    )
    return 0 if all(checks) else 1


if __name__ == "__main__":
    sys.exit(main())

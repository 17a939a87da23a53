"""Rebuild the shipped weights reproducibly: `python -m adapters.mock.classifier.build`.

Trains on the shared dev set (read in place, never copied) and the project's own training
tickets, calibrates the temperature on 5-fold cross-validated predictions, and writes
`weights/triage.model` with its provenance: every data file with its sha256 and count,
the hyper-parameters, the git commit of this code, the date and the CV scores. The same
inputs give the same payload sha256. The held-out tickets are never read here.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
from pathlib import Path

from adapters.mock.classifier.model import WEIGHTS
from adapters.mock.classifier.provenance import DataFile, TrainConfig
from adapters.mock.classifier.schema import Example
from adapters.mock.classifier.train import cross_validate, fit

REPO = Path(__file__).resolve().parents[3]
DEV = Path("/work/shared/datasets/triage/dev.jsonl")
# The project's own tickets, written in the voices teams send; each counts this many times,
# since there are few of them and they are the shapes the gate meets in use.
OWN = (
    (REPO / "tests" / "data" / "triage_tickets.jsonl", 2.0),
    (REPO / "tests" / "data" / "triage_train_extra.jsonl", 2.0),
)
CONFIG = TrainConfig(c=3.0, flag_c=1.0, title_weight=0.5, doc_chars_min_df=4)


def read(path: Path, weight: float) -> tuple[list[Example], DataFile]:
    """Labelled tickets of one JSONL file, and its provenance record."""
    raw = path.read_bytes()
    rows = [json.loads(line) for line in raw.decode("utf-8").splitlines() if line.strip()]
    examples = [Example(text=r["text"], label=r["label"], weight=weight) for r in rows]
    shown = str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)
    record = DataFile(
        path=shown, sha256=hashlib.sha256(raw).hexdigest(), examples=len(rows), weight=weight
    )
    return examples, record


def code_version() -> str:
    """The git commit of this package, '+dirty' when it has uncommitted edits."""
    here = Path(__file__).parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(here), "status", "--porcelain", "--", "."],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + ("+dirty" if dirty else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", type=Path, default=DEV, help="the shared dev set (JSONL)")
    parser.add_argument("--out", type=Path, default=WEIGHTS, help="where to write the model")
    args = parser.parse_args(argv)

    dev, dev_file = read(args.dev, 1.0)
    own: list[Example] = []
    files = [dev_file]
    for path, weight in OWN:
        examples, record = read(path, weight)
        own.extend(examples)
        files.append(record)
    cv = cross_validate(dev, config=CONFIG, always_train=own)
    scores = {f"cv5_{v.view}_macro_f1": round(v.macro_f1, 4) for v in cv.views}
    print(f"5-fold CV on {dev_file.path}: {scores}, temperature {cv.temperature}")
    model = fit(dev + own, config=CONFIG, temperature=cv.temperature, data=files)
    model.provenance = model.provenance.model_copy(
        update={"code_version": code_version(), "scores": scores}
    )
    digest = model.save(args.out)
    size = args.out.stat().st_size
    print(f"wrote {args.out} ({size / 1e6:.2f} MB, {len(model.features)} features)")
    print(f"payload sha256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`orchestrate accuracy` (how often triage was corrected) and `train` (learn from it)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from orchestrator.cli.options import ConfigOpt, JsonOpt, LedgerOpt, friendly
from orchestrator.errors import InputError

if TYPE_CHECKING:
    from orchestrator.learning import Check


def _since(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"--since {text!r}: expected a date, YYYY-MM-DD") from None


@friendly
def accuracy_command(
    since: Annotated[
        str | None, typer.Option("--since", metavar="DATE", help="Only items triaged from DATE.")
    ] = None,
    as_json: JsonOpt = False,
    ledger: LedgerOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Per runtime that triaged: decisions, how many a person corrected, a confusion table
    of the kind corrections, and the same per ISO week."""
    from orchestrator import accuracy
    from orchestrator.cli import render
    from orchestrator.config import load_config
    from orchestrator.ledger.backends import open_ledger

    day = _since(since)
    store = open_ledger(load_config(config, ledger=ledger))
    store.require()
    report = accuracy.measure(store, day)
    if as_json:
        render.emit_json(report)
        return
    for line in accuracy.lines(report):
        render.console.print(line, soft_wrap=True, highlight=False, markup=False)


def _checked(check: Check | None) -> str:
    if check is None:
        return ""
    b, a, n = check.before, check.after, check.examples
    return (
        f"macro-F1 on {check.path} ({n} tickets): before {b.macro_f1:.3f} ({b.right}/{n} right), "
        f"after {a.macro_f1:.3f} ({a.right}/{n} right) — {a.macro_f1 - b.macro_f1:+.3f}\n"
    )


@friendly
def train_command(
    from_ledger: Annotated[
        bool, typer.Option("--from-ledger", help="Learn from the items people reclassified.")
    ] = False,
    data: Annotated[
        list[Path] | None,
        typer.Option("--data", metavar="FILE.jsonl", help="More {text, label} tickets (repeat)."),
    ] = None,
    check: Annotated[
        Path | None,
        typer.Option("--check", metavar="FILE.jsonl", help="Also score both models on FILE."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", metavar="PATH", help="Where to write (default: LEDGER/triage.model)"),
    ] = None,
    as_json: JsonOpt = False,
    ledger: LedgerOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Refit the offline triage model (from the packaged one) with the team's corrections;
    prints macro-F1 on the corrected tickets before and after. Use it with
    `[triage] model = PATH`. Needs numpy (`pip install 'orchestrate[train]'`)."""
    from adapters.mock.classifier import load
    from orchestrator import learning
    from orchestrator.cli import render
    from orchestrator.config import load_config
    from orchestrator.ledger.backends import open_ledger

    cfg = load_config(config, ledger=ledger)
    store = open_ledger(cfg)
    store.require()
    target = out or learning.default_out(store)
    in_use = str(getattr(cfg.runtimes.get("mock"), "triage_model", ""))  # [triage] model
    current = load(Path(in_use)) if in_use and Path(in_use).exists() else None
    report = learning.train(
        store, target, from_ledger=from_ledger, data=data or [], current=current, check=check
    )
    if as_json:
        render.emit_json(report)
        return
    b, a = report.before, report.after
    n = report.corrections or report.examples
    render.console.print(
        f"trained on {report.examples} tickets ({report.corrections} corrected items), "
        f"from the packaged model\n"
        f"macro-F1 on the corrected tickets: before {b.macro_f1:.3f} ({b.right}/{n} right, "
        f"model {b.model_sha256[:12]}), after {a.macro_f1:.3f} ({a.right}/{n} right, "
        f"{learning.FOLD_TEXT}) — {report.delta:+.3f}\n"
        f"{_checked(report.check)}"
        f"wrote {report.out} (model {a.model_sha256[:12]}); use it with [triage] model = "
        f'"{report.out}"',
        soft_wrap=True,
        highlight=False,
        markup=False,
    )

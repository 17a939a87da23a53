"""Commands for people in the loop: approve, reject, reclassify, retry.

Each is a thin layer over `Orchestrator.approve/reject/reclassify/retry` (the service and
the dashboard call the same methods): a refusal is one line and an exit code, nothing written.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from orchestrator.cli.options import ConfigOpt, JsonOpt, LedgerOpt, RuntimeOpt, friendly

if TYPE_CHECKING:
    from orchestrator.run.results import SubmitResult
    from orchestrator.run.runner import Orchestrator

ReqArg = Annotated[str, typer.Argument(metavar="REQ", help="The request id (REQ-YYYYMMDD-NNNN).")]
AsOpt = Annotated[
    str, typer.Option("--as", metavar="NAME", help="Who decides (recorded as the actor).")
]
ReasonOpt = Annotated[str, typer.Option("--reason", metavar="TEXT", help="Why (recorded).")]


def _orchestrator(ledger: Path | None, config: Path | None) -> Orchestrator:
    from orchestrator.config import load_config
    from orchestrator.run.runner import Orchestrator

    orch = Orchestrator(load_config(config, ledger=ledger))
    orch.ledger.require()
    return orch


def _checked(orch: Orchestrator, request_id: str) -> str:
    from orchestrator.items import require_known

    return require_known(orch.ledger, request_id)


def _report(result: SubmitResult, as_json: bool) -> None:
    """The item as the action left it; exit 1 if BLOCKED, 8 if it waits for a person."""
    from orchestrator.cli import render

    if as_json:
        render.emit_json(result)
    else:
        render.result(result)
    if result.waiting_for:
        raise typer.Exit(8)
    if result.state == "BLOCKED":
        raise typer.Exit(1)


@friendly
def approve_command(
    request_id: ReqArg,
    actor: AsOpt,
    note: Annotated[str, typer.Option("--note", metavar="TEXT", help="A note (recorded).")] = "",
    as_json: JsonOpt = False,
    ledger: LedgerOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Approve the stage an item waits at, and run it on to its end."""
    with _orchestrator(ledger, config) as orch:
        result = orch.approve(_checked(orch, request_id), actor, note)
    _report(result, as_json)


@friendly
def reject_command(
    request_id: ReqArg,
    actor: AsOpt,
    reason: ReasonOpt,
    as_json: JsonOpt = False,
    ledger: LedgerOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Reject the stage an item waits at: the item is BLOCKED (`retry` asks again)."""
    with _orchestrator(ledger, config) as orch:
        result = orch.reject(_checked(orch, request_id), actor, reason)
    _report(result, as_json)


@friendly
def reclassify_command(
    request_id: ReqArg,
    kind: Annotated[str, typer.Option("--kind", metavar="KIND", help="bug, feature or incident.")],
    actor: AsOpt,
    reason: ReasonOpt,
    severity: Annotated[
        str | None, typer.Option("--severity", metavar="S", help="critical, high, medium, low.")
    ] = None,
    priority: Annotated[
        str | None, typer.Option("--priority", metavar="P", help="P1, P2, P3 or P4.")
    ] = None,
    as_json: JsonOpt = False,
    ledger: LedgerOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Correct an item's triage: an open item runs on under the corrected route; a finished
    one keeps its history (the correction is recorded, nothing re-runs)."""
    from orchestrator.run.people import Correction

    fix = Correction(kind=kind, severity=severity, priority=priority)
    fix.check()
    with _orchestrator(ledger, config) as orch:
        result = orch.reclassify(_checked(orch, request_id), actor, reason, fix)
    _report(result, as_json)


@friendly
def retry_command(
    request_id: ReqArg,
    runtime: RuntimeOpt = None,
    actor: Annotated[
        str, typer.Option("--as", metavar="NAME", help="Who retries (recorded as the actor).")
    ] = "cli",
    as_json: JsonOpt = False,
    ledger: LedgerOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Run a BLOCKED item again from the role that failed or was rejected; finished roles
    and the triage are not repeated."""
    from orchestrator.config import parse_assignments

    runtimes = parse_assignments(runtime or [], "--runtime")
    with _orchestrator(ledger, config) as orch:
        result = orch.retry(_checked(orch, request_id), actor, runtimes)
    _report(result, as_json)

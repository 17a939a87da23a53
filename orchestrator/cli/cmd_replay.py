"""`orchestrate replay`: re-derive triage decisions and report drift.

Exit codes are the contract CI relies on after editing a prompt or the routing matrix:
0 nothing changed, 1 something changed or could not be replayed (the report says which);
and, as for every command, 2 bad input, 3 unknown request, 5 damaged ledger.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from orchestrator.cli.options import ConfigOpt, JsonOpt, LedgerOpt, friendly
from orchestrator.errors import InputError

if TYPE_CHECKING:
    from orchestrator.run.replay import DriftReport, ReplayOutcome


@friendly
def replay_command(
    request_id: Annotated[
        str | None, typer.Argument(metavar="REQ", help="The request id (or use --all).")
    ] = None,
    all_requests: Annotated[
        bool, typer.Option("--all", help="Replay every request: a drift report.")
    ] = False,
    kind: Annotated[
        str | None,
        typer.Option(metavar="KIND", help="With --all: only decisions recorded as KIND."),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(metavar="YYYY-MM-DD", help="With --all: only requests from that day on."),
    ] = None,
    runtime: Annotated[
        str | None,
        typer.Option(
            "--runtime", "-r", metavar="NAME", help="Ask NAME afresh instead of the record."
        ),
    ] = None,
    no_record: Annotated[
        bool, typer.Option("--no-record", help="Do not append REPLAYED events.")
    ] = False,
    as_json: JsonOpt = False,
    ledger: LedgerOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Re-derive triage decisions from the record (or a runtime); say what would change."""
    from adapters import registry
    from orchestrator.cli import render
    from orchestrator.config import load_config
    from orchestrator.errors import IllegalTransition, NotFoundError
    from orchestrator.ledger import ids
    from orchestrator.ledger.backends import open_ledger
    from orchestrator.run import replay

    if (request_id is None) == (not all_requests):
        raise InputError("give one REQ or --all")
    if not all_requests and (kind is not None or since is not None):
        raise InputError("--kind and --since go with --all")
    if kind is not None and kind not in ("bug", "feature", "incident"):
        raise InputError(f"unknown kind {kind!r} (known: bug, feature, incident)")
    day = replay.parse_since(since)
    cfg = load_config(config, ledger=ledger)
    if runtime is not None and not registry.is_known(runtime):
        raise InputError(f"unknown runtime {runtime!r} (known: {', '.join(registry.names())})")
    store = open_ledger(cfg)
    store.require()
    replayer = replay.Replayer(cfg, store, runtime=runtime, record=not no_record)
    if all_requests:
        report = replayer.all(kind=kind, since=day)
        _emit_report(report, as_json)
        if report.exit_code:
            raise typer.Exit(report.exit_code)
        return
    rid = ids.validate(str(request_id))
    if not store.has_events(rid):
        raise NotFoundError(f"unknown request {rid}")
    outcome = replayer.one(rid)
    if outcome.status == "error":
        raise InputError(outcome.error or "replay failed")
    if outcome.status == "skipped":
        raise IllegalTransition(f"{rid}: nothing to replay ({outcome.error})")
    if as_json:
        render.emit_json(outcome)
    else:
        _print_outcome(outcome)
    if outcome.status == "changed":
        raise typer.Exit(1)


def _print_outcome(outcome: ReplayOutcome) -> None:
    from orchestrator.cli import render
    from orchestrator.run.routing import stages_text

    out = render.console
    style = "green" if outcome.status == "unchanged" else "red"
    out.print(f"[bold]{outcome.request_id}[/bold]  [{style}]{outcome.status}[/{style}]")
    out.print(f"  {outcome.sentence}")
    if outcome.now is not None and not outcome.changes:
        out.print(
            f"  {outcome.now.kind} · {outcome.now.severity} · {outcome.now.priority}"
            f"  route {stages_text(outcome.now.stages)}"
        )
    for change in outcome.changes:
        out.print(f"  {change.field:<9} {change.recorded}  →  {change.now}")
    if outcome.error and outcome.now is None:
        out.print(f"  [red]{outcome.error}[/red]")
    if outcome.prompt_changed and outcome.source == "record":
        out.print(
            "  [yellow]note[/yellow] the triage prompt changed since this was recorded; "
            "replaying the record cannot tell what the new prompt would say (use --runtime)"
        )


def _emit_report(report: DriftReport, as_json: bool) -> None:
    from orchestrator.cli import render

    if as_json:
        render.emit_json(report)
        return
    out = render.console
    where = "the record" if report.source == "record" else f"runtime {report.source}"
    out.print(
        f"replayed {report.total} decision(s) from {where}: {report.unchanged} unchanged, "
        f"{report.changed} changed ({report.decisions_changed} decision(s), "
        f"{report.routes_changed} route(s)), {report.errors} error(s), "
        f"{report.skipped} not triaged"
    )
    for outcome in report.outcomes:
        if outcome.status == "changed":
            out.print(f"[bold]{outcome.request_id}[/bold]  {outcome.sentence}")
            for change in outcome.changes:
                out.print(f"  {change.field:<9} {change.recorded}  →  {change.now}")
        elif outcome.status == "error":
            out.print(f"[bold]{outcome.request_id}[/bold]  [red]error[/red] {outcome.error}")
    prompts_changed = sum(o.prompt_changed for o in report.outcomes)
    if prompts_changed and report.source == "record":
        out.print(
            f"[yellow]note[/yellow] {prompts_changed} decision(s) were made with an older "
            "triage prompt; replaying the record cannot show its effect (use --runtime)"
        )

"""Read commands: list, show, verify, reindex. They never import LangGraph or an SDK."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from orchestrator.cli.options import ConfigOpt, JsonOpt, LedgerOpt, friendly

if TYPE_CHECKING:  # `--help` builds no models; each command imports what it uses
    from orchestrator.config import Config
    from orchestrator.items import ShowPayload
    from orchestrator.ledger import LedgerRepository

ReqArg = Annotated[str, typer.Argument(metavar="REQ", help="The request id (REQ-YYYYMMDD-NNNN).")]
TEXT_LINES = 6  # of the request text `show` prints without --full


def _ledger(ledger: Path | None, config: Path | None) -> tuple[LedgerRepository, Config]:
    from orchestrator.config import load_config
    from orchestrator.ledger.backends import open_ledger

    cfg = load_config(config, ledger=ledger)
    store = open_ledger(cfg)
    store.require()
    return store, cfg


@friendly
def list_command(
    state: Annotated[
        str | None, typer.Option(metavar="STATE", help="Only items in STATE (e.g. BLOCKED).")
    ] = None,
    kind: Annotated[
        str | None, typer.Option(metavar="KIND", help="Only bug, feature or incident.")
    ] = None,
    wide: Annotated[
        bool, typer.Option("--wide", help="Whole titles, folded, instead of one line each.")
    ] = False,
    waiting: Annotated[
        bool, typer.Option("--waiting", help="Only items waiting for a person, and for whom.")
    ] = False,
    as_json: JsonOpt = False,
    ledger: LedgerOpt = None,
    config: ConfigOpt = None,
) -> None:
    """List requests from the index, newest first, one line each."""
    from orchestrator.cli import render
    from orchestrator.items import Filters, ListedItem, listed

    filters = Filters.parse(state, kind, waiting=waiting)
    store, _ = _ledger(ledger, config)
    views = listed(store, filters)
    if as_json:
        render.emit_json([ListedItem.of(v).model_dump(mode="json") for v in views])
    elif not views:
        render.console.print("no requests match")
    else:
        for line in render.list_lines(views, wide=wide):
            render.console.print(line, soft_wrap=True, crop=False)


@friendly
def show_command(
    request_id: ReqArg,
    at: Annotated[
        int | None, typer.Option("--at", metavar="SEQ", help="The item as it stood after SEQ.")
    ] = None,
    full: Annotated[
        bool, typer.Option("--full", help=f"The whole request text (default: {TEXT_LINES} lines).")
    ] = False,
    as_json: JsonOpt = False,
    ledger: LedgerOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Show a request: text, decision, stages, roles, cost and timeline.

    Warns on stderr when the item's chain does not verify: what is shown may then have been
    edited since it was written.
    """
    from orchestrator.cli import render
    from orchestrator.items import show

    store, cfg = _ledger(ledger, config)
    payload = show(store, cfg, request_id, at, at_name="--at")
    if payload.verify_problem is not None:
        print(
            f"warning: {request_id} does not verify ({payload.verify_problem}); what is shown "
            "may have been edited — run `orchestrate verify`",
            file=sys.stderr,
        )
    if as_json:
        render.emit_json(payload)
        return
    _print_show(payload, full)


def _print_show(p: ShowPayload, full: bool) -> None:
    from rich.markup import escape
    from rich.table import Table

    from orchestrator.cli import render
    from orchestrator.ledger import events as ev
    from orchestrator.run.routing import stages_text

    out = render.console
    v = p.item
    at = f"  (as of event {p.at})" if p.at is not None else ""
    out.print(f"[bold]{v.request_id}[/bold]  {escape(v.title)}{at}")
    status = render.state_text(v.state.value)
    if p.status == "waiting":
        who = ", ".join(v.waiting_for)
        status += f"  [yellow]waiting[/yellow] for a person to approve {who}"
        status += f" — `orchestrate approve {v.request_id} --as NAME`"
    elif p.status == "interrupted":
        status += f"  [yellow]interrupted[/yellow] — `orchestrate resume {v.request_id}`"
    elif p.status == "running":
        status += "  (running)"
    out.print(f"state     {status}")
    out.print(f"source    {escape(_source_text(p))}")
    triaged = next((e.read(ev.Triaged) for e in reversed(p.events) if e.action == "TRIAGED"), None)
    if triaged is not None:
        line = render.decision_line(
            triaged.kind, triaged.severity, triaged.priority, triaged.confidence,
            triaged.needs_review,
        )  # fmt: skip
        out.print(f"triage    {line}  ({escape(triaged.runtime or '')})")
        if triaged.escalated_from is not None:
            first = triaged.escalated_from
            out.print(
                f"          escalated from {escape(first.runtime or '')}: {first.kind} · "
                f"{first.severity} · {first.priority} · confidence {first.confidence:.2f}"
            )
        out.print(f"          {escape(triaged.rationale)}")
        out.print(f"stages    {stages_text(triaged.stages)}")
    if v.blocked_reason:
        out.print(f"blocked   [red]{escape(v.blocked_reason)}[/red]")
    lines = p.request.text.splitlines()
    shown = lines if full else lines[:TEXT_LINES]
    out.print("request")
    for line in shown:
        out.print(f"  {escape(line)}")
    if len(shown) < len(lines):
        out.print(f"  [dim]… {len(lines) - len(shown)} more line(s); --full shows them[/dim]")
    if p.roles:
        table = Table(box=None, pad_edge=False, title="calls", title_justify="left")
        for col in ("role", "round", "runtime", "model", "in tok", "out tok", "ms", "cost $"):
            table.add_column(col, no_wrap=True)
        for r in p.roles:
            cost = "—" if r.cost_usd is None else f"{r.cost_usd:.4f}"
            table.add_row(
                r.role, str(r.round), escape(r.runtime or ""), escape(r.model or ""),
                str(r.input_tokens), str(r.output_tokens), f"{r.latency_ms:.0f}", cost,
            )  # fmt: skip
        out.print(table)
        cost_text = "—" if p.total_cost_usd is None else f"${p.total_cost_usd:.4f}"
        out.print(f"total     {p.total_tokens} tokens, estimated cost {cost_text}")
    out.print(render.timeline(p.events))


def _source_text(p: ShowPayload) -> str:
    s = p.request.source
    where = " ".join(
        part
        for part in (
            f"{s.repository}#{s.issue_number}" if s.repository and s.issue_number else "",
            s.url or "",
            f"by {s.author}" if s.author else "",
            f"alert group {s.group_key}" if s.group_key else "",
        )
        if part
    )
    return f"{s.kind} {where}".strip()


@friendly
def verify_command(
    request_ids: Annotated[
        list[str] | None,
        typer.Argument(metavar="REQ", help="Only these requests (default: the whole ledger)."),
    ] = None,
    as_json: JsonOpt = False,
    ledger: LedgerOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Check every hash chain, line schema, request packet and the index."""
    from orchestrator.cli import render
    from orchestrator.ledger.verify import verify as verify_ledger

    store, _ = _ledger(ledger, config)
    from orchestrator.items import require_known

    wanted = [require_known(store, rid) for rid in request_ids or []]
    report = verify_ledger(store, wanted)
    if as_json:
        render.emit_json({"ok": report.ok, **report.model_dump(mode="json")})
    elif report.ok:
        render.console.print(
            f"ok: {report.requests} requests, {report.events} events, every chain intact"
        )
        if report.stale:
            print(f"note: index.json is behind for {len(report.stale)} request(s); run reindex")
    else:
        for f in report.findings:
            where = f"{f.file}:{f.line}" if f.line else f.file
            print(f"{where}: {f.reason}")
        print(f"{len(report.findings)} problem(s) in {report.requests} requests")
    if not report.ok:
        raise typer.Exit(1)


@friendly
def reindex_command(ledger: LedgerOpt = None, config: ConfigOpt = None) -> None:
    """Rebuild index.json from the events."""
    from orchestrator.cli import render

    store, _ = _ledger(ledger, config)
    count = store.reindex()
    render.console.print(f"reindexed {count} requests at {store.location}")

"""Read commands: list, show, verify, reindex. They never import LangGraph or an SDK."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from orchestrator.cli.options import ConfigOpt, JsonOpt, LedgerOpt, friendly

if TYPE_CHECKING:  # `--help` builds no models; each command imports what it uses
    from orchestrator.cli.payloads import ShowPayload
    from orchestrator.config import Config
    from orchestrator.ledger import FileLedger, ItemView


def _ledger(ledger: Path | None, config: Path | None) -> tuple[FileLedger, Config]:
    from orchestrator.config import load_config
    from orchestrator.ledger import FileLedger

    cfg = load_config(config, ledger=ledger)
    store = FileLedger(cfg.ledger_path)
    store.require()
    return store, cfg


def _status(store: FileLedger, view: ItemView, at: int | None) -> str:
    from orchestrator.ledger import runlock
    from orchestrator.ledger.lifecycle import is_open

    if at is not None or not is_open(view.state):
        return view.state.value
    return "running" if runlock.is_running(store, view.request_id) else "interrupted"


@friendly
def list_command(
    state: Annotated[str | None, typer.Option(help="Only items in this state.")] = None,
    kind: Annotated[str | None, typer.Option(help="Only bug, feature or incident.")] = None,
    as_json: JsonOpt = False,
    ledger: LedgerOpt = None,
    config: ConfigOpt = None,
) -> None:
    """List requests from the index, newest first."""
    from orchestrator.cli import render
    from orchestrator.errors import InputError
    from orchestrator.ledger import ids
    from orchestrator.ledger.lifecycle import State

    if state is not None and state.upper() not in State.__members__:
        raise InputError(f"unknown state {state!r} (known: {', '.join(State.__members__)})")
    if kind is not None and kind not in ("bug", "feature", "incident"):
        raise InputError(f"unknown kind {kind!r} (known: bug, feature, incident)")
    store, _ = _ledger(ledger, config)
    views = sorted(store.index().values(), key=lambda v: ids.sort_key(v.request_id), reverse=True)
    views = [
        v
        for v in views
        if (state is None or v.state.value == state.upper()) and (kind is None or v.kind == kind)
    ]
    if as_json:
        render.emit_json([v.model_dump(mode="json", exclude={"completed"}) for v in views])
    elif not views:
        render.console.print("no requests match")
    else:
        render.console.print(render.list_table(views))


@friendly
def show_command(
    request_id: Annotated[str, typer.Argument(metavar="REQ", help="Request id.")],
    at: Annotated[int | None, typer.Option("--at", help="As it stood after event SEQ.")] = None,
    as_json: JsonOpt = False,
    ledger: LedgerOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Show a request: its packet, decision, roles, tokens and cost, and its timeline."""
    from orchestrator.accounting import total
    from orchestrator.cli import render
    from orchestrator.cli.payloads import ShowPayload
    from orchestrator.errors import InputError, NotFoundError
    from orchestrator.ledger import fold, ids

    ids.validate(request_id)
    store, cfg = _ledger(ledger, config)
    if not store.has_events(request_id):
        raise NotFoundError(f"unknown request {request_id}")
    events = store.read_events(request_id)
    if at is not None and not 1 <= at <= len(events):
        raise InputError(f"--at {at}: {request_id} has events 1..{len(events)}")
    shown = [e for e in events if at is None or e.seq <= at]
    view = fold(request_id, shown)
    costs = total(view.calls, cfg.prices)
    payload = ShowPayload(
        request=store.read_request(request_id),
        item=view,
        at=at,
        status=_status(store, view, at),
        roles=costs.lines,
        total_tokens=costs.total_tokens,
        total_cost_usd=costs.cost_usd if costs.lines else None,
        events=shown,
    )
    if as_json:
        render.emit_json(payload)
        return
    _print_show(payload)


def _print_show(p: ShowPayload) -> None:
    from rich.markup import escape
    from rich.table import Table

    from orchestrator.cli import render

    out = render.console
    v = p.item
    at = f"  (as of event {p.at})" if p.at is not None else ""
    out.print(f"[bold]{v.request_id}[/bold]  {escape(v.title)}{at}")
    status = render.state_text(v.state.value)
    if p.status == "interrupted":
        status += f"  [yellow]interrupted[/yellow] — `orchestrate resume {v.request_id}`"
    elif p.status == "running":
        status += "  (running)"
    out.print(f"state     {status}")
    if v.kind:
        out.print(
            f"triage    {v.kind} · {v.severity} · {v.priority} · confidence {v.confidence:.2f}"
        )
        out.print(f"route     {' → '.join(v.route)}")
    if v.blocked_reason:
        out.print(f"blocked   [red]{escape(v.blocked_reason)}[/red]")
    if p.roles:
        table = Table(box=None, pad_edge=False, title="roles", title_justify="left")
        for col in ("role", "round", "runtime", "model", "in tok", "out tok", "ms", "cost $"):
            table.add_column(col)
        for r in p.roles:
            cost = "—" if r.cost_usd is None else f"{r.cost_usd:.4f}"
            table.add_row(
                r.role, str(r.round), r.runtime or "", r.model or "", str(r.input_tokens),
                str(r.output_tokens), f"{r.latency_ms:.0f}", cost,
            )  # fmt: skip
        out.print(table)
        total = "—" if p.total_cost_usd is None else f"${p.total_cost_usd:.4f}"
        out.print(f"total     {p.total_tokens} tokens, estimated cost {total}")
    out.print(render.timeline(p.events))


@friendly
def verify_command(
    request_ids: Annotated[list[str] | None, typer.Argument(metavar="[REQ]...")] = None,
    as_json: JsonOpt = False,
    ledger: LedgerOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Check every hash chain, line schema, request packet and the index. Exit 1 if broken."""
    from orchestrator.cli import render
    from orchestrator.ledger.verify import verify as verify_ledger

    store, _ = _ledger(ledger, config)
    report = verify_ledger(store, list(request_ids or []))
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
    render.console.print(f"reindexed {count} requests into {store.index_path}")

"""`orchestrate stats`: volume, time to close, tokens and cost, escalations, runtime trouble."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from orchestrator.cli.options import ConfigOpt, JsonOpt, LedgerOpt, friendly

if TYPE_CHECKING:  # `--help` builds no models
    from rich.table import Table

    from orchestrator.stats import Stats, Usage

SinceOpt = Annotated[
    str | None,
    typer.Option(
        "--since", metavar="DATE", help="Only items created from DATE on (2026-05-01, ISO time)."
    ),
]


@friendly
def stats_command(
    since: SinceOpt = None,
    as_json: JsonOpt = False,
    ledger: LedgerOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Items by kind and state, median and p90 time to close, tokens and estimated cost per
    kind and per runtime, escalation rate, retries and fallbacks — from the ledger alone."""
    from orchestrator.cli import render
    from orchestrator.config import load_config
    from orchestrator.ledger.backends import open_ledger
    from orchestrator.stats import compute, parse_since

    start = parse_since(since) if since is not None else None
    cfg = load_config(config, ledger=ledger)
    store = open_ledger(cfg)
    store.require()
    stats = compute(store, cfg.prices, start)
    if as_json:
        render.emit_json(stats)
    else:
        _print(stats)


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours:02d}h"


def _table(title: str, *columns: str) -> Table:
    from rich.table import Table

    table = Table(box=None, pad_edge=False, title=title, title_justify="left")
    table.add_column(columns[0])
    for column in columns[1:]:
        table.add_column(column, justify="right")
    return table


def _print(s: Stats) -> None:
    from rich.markup import escape

    from orchestrator.cli import render
    from orchestrator.ledger.lifecycle import State

    out = render.console
    window = f" since {s.since}" if s.since else ""
    if not s.items:
        out.print(f"no requests{window}")
        return
    e = s.escalation
    rate = "—" if e.rate is None else f"{e.rate:.0%}"
    out.print(
        f"[bold]{s.items} items[/bold]{window} · escalated {e.escalated} of {e.triaged} "
        f"triaged ({rate}) · {s.retries} retries · {s.fallbacks} fallbacks"
    )
    seen = {state for k in s.by_kind.values() for state in k.states}
    states = [state.value for state in State if state.value in seen]
    items = _table(
        "items and time to close", "kind", "items", *(st.lower() for st in states), "median", "p90"
    )
    usage = _table("tokens and cost", "kind", "calls", "in tok", "out tok", "cost $", "retries")
    usage.add_column("fallbacks", justify="right")
    usage.add_column("escalated", justify="right")
    for kind, k in s.by_kind.items():
        counts = [str(k.states.get(st, 0)) for st in states]
        items.add_row(
            kind, str(k.items), *counts, _duration(k.median_close_s), _duration(k.p90_close_s)
        )
        usage.add_row(*_usage(kind, k), str(k.fallbacks), str(k.escalated))
    runtimes = _table("by runtime", "runtime", "calls", "in tok", "out tok", "cost $", "retries")
    runtimes.add_column("fallbacks", justify="right")
    for name, r in sorted(s.by_runtime.items()):
        runtimes.add_row(*_usage(name, r), str(r.fallbacks))
    for table in (items, usage, runtimes):
        out.print(table)
    unpriced = sorted({m for k in s.by_kind.values() for m in k.unpriced_models})
    note = f"; no price for {', '.join(unpriced)}" if unpriced else ""
    prices = escape("[prices]")
    out.print(f"cost: estimated at {s.prices_as_of} list prices ({prices} overrides){note}")


def _usage(name: str, u: Usage) -> list[str]:
    cost = "—" if u.cost_usd is None else f"{u.cost_usd:.4f}"
    return [name, str(u.calls), str(u.input_tokens), str(u.output_tokens), cost, str(u.retries)]

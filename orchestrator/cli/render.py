"""Human output with rich: a request, a timeline, a list. JSON goes through `emit_json`."""

from __future__ import annotations

import json
import sys

from pydantic import BaseModel
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from orchestrator.ledger.fold import ItemView
from orchestrator.ledger.models import LedgerEvent

console = Console(highlight=False, soft_wrap=True)

_STATE_STYLE = {"CLOSED": "green", "BLOCKED": "red", "VERIFIED": "green", "DELIVERED": "cyan"}


def emit_json(payload: BaseModel | dict | list) -> None:
    if isinstance(payload, BaseModel):
        sys.stdout.write(payload.model_dump_json() + "\n")
    else:
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, default=str) + "\n")


def state_text(state: str) -> str:
    style = _STATE_STYLE.get(state, "yellow")
    return f"[{style}]{state}[/{style}]"


def list_table(views: list[ItemView]) -> Table:
    table = Table(box=None, pad_edge=False)
    for col in ("request", "state", "kind", "sev", "prio", "updated"):
        table.add_column(col, no_wrap=True)  # ids and times are never cut; the title folds
    table.add_column("title", overflow="fold", min_width=24)
    for v in views:
        table.add_row(
            v.request_id,
            state_text(v.state.value),
            v.kind or "—",
            v.severity or "—",
            v.priority or "—",
            (v.updated_at or "")[5:16].replace("T", " "),
            escape(v.title),
        )
    return table


def _brief(event: LedgerEvent) -> str:
    d = event.details
    action = event.action.value
    if action == "STATE_CHANGED":
        return f"{d.get('from')} → {d.get('to')}" + (
            f"  ({d['reason']})" if d.get("reason") else ""
        )
    if action == "TRIAGED":
        return f"{d.get('kind')}/{d.get('severity')}/{d.get('priority')} via {d.get('runtime')}"
    if action in ("ROLE_STARTED", "ROLE_COMPLETED", "ROLE_FAILED"):
        tail = f" via {d.get('runtime')}" if d.get("runtime") else f": {d.get('error', '')}"
        return f"{d.get('role')} round {d.get('round')}{tail}"
    if action == "HANDOFF":
        return f"{d.get('from')} → {', '.join(map(str, d.get('to') or []))}"
    if action == "REVIEW_REJECTED":
        concerns = "; ".join(map(str, d.get("concerns") or []))
        return f"{d.get('reviewer')} → {d.get('senders')}: {concerns}"
    if action in ("BLOCKED",):
        return str(d.get("reason", ""))
    if action.startswith("RUNTIME_") or action.startswith("CIRCUIT_"):
        return ", ".join(
            f"{k}={v}"
            for k, v in d.items()
            if k in ("role", "runtime", "from_runtime", "to_runtime", "error_kind", "attempt")
        )
    return ", ".join(f"{k}={v}" for k, v in list(d.items())[:3])


def timeline(events: list[LedgerEvent]) -> Table:
    table = Table(box=None, pad_edge=False, title="timeline", title_justify="left")
    for col in ("seq", "time", "actor", "action", "detail"):
        table.add_column(col, overflow="fold" if col == "detail" else "ellipsis")
    for e in events:
        table.add_row(str(e.seq), e.ts[11:23], escape(e.actor), e.action.value, escape(_brief(e)))
    return table

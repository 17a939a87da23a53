"""Human output with rich: a request, a timeline, a list. JSON goes through `emit_json`."""

from __future__ import annotations

import json
import sys

from pydantic import BaseModel, JsonValue, ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from orchestrator.ledger import events as ev
from orchestrator.ledger.fold import ItemView
from orchestrator.ledger.models import LedgerEvent

console = Console(highlight=False, soft_wrap=True)

_STATE_STYLE = {"CLOSED": "green", "BLOCKED": "red", "VERIFIED": "green", "DELIVERED": "cyan"}


def emit_json(payload: BaseModel | JsonValue) -> None:
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
    """One line about an event, read through its action's model."""
    try:
        d = event.typed()
    except ValidationError:
        return "(details unreadable: run `orchestrate verify`)"
    if isinstance(d, ev.StateChanged):
        moved = f"{d.from_} → {d.to}"
        return f"{moved}  ({d.reason})" if d.reason else moved
    if isinstance(d, ev.Triaged):
        return f"{d.kind}/{d.severity}/{d.priority} via {d.runtime}"
    if isinstance(d, ev.RoleStarted | ev.RoleCompleted):
        return f"{d.role} round {d.round} via {d.runtime}"
    if isinstance(d, ev.RoleFailed):
        return f"{d.role} round {d.round}: {d.error}"
    if isinstance(d, ev.Handoff):
        return f"{d.from_} → {', '.join(d.to)}"
    if isinstance(d, ev.ReviewRejected):
        return f"{d.reviewer} → {', '.join(d.senders)}: {'; '.join(d.concerns)}"
    if isinstance(d, ev.Blocked):
        return d.reason
    if isinstance(d, ev.RuntimeFallback):
        return f"{d.role}: {d.from_runtime} → {d.to_runtime} ({d.error_kind})"
    if isinstance(d, ev.RuntimeEvent):
        return ", ".join(f"{k}={v}" for k, v in d.model_dump(include=_RUNTIME_KEYS).items() if v)
    return ", ".join(f"{k}={v}" for k, v in list(event.details.items())[:3])


_RUNTIME_KEYS = {"role", "runtime", "error_kind", "attempt"}


def timeline(events: list[LedgerEvent]) -> Table:
    table = Table(box=None, pad_edge=False, title="timeline", title_justify="left")
    for col in ("seq", "time", "actor", "action", "detail"):
        table.add_column(col, overflow="fold" if col == "detail" else "ellipsis")
    for e in events:
        table.add_row(str(e.seq), e.ts[11:23], escape(e.actor), e.action.value, escape(_brief(e)))
    return table

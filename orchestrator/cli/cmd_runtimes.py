"""`orchestrate runtimes`: every registered runtime, usable or not, its breaker, and its roles.

Without `--probe` nothing touches the network (and no provider SDK is imported): usable
means the key variable is set. `--probe` sends each usable runtime one minimal request and
reports its latency or the error, key-free.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel

from adapters import registry
from adapters.base import ProbeResult, Runtime
from adapters.breaker import STATE_SUBDIR, Breakers, BreakerState
from adapters.errors import AdapterError
from adapters.secrets import redact
from orchestrator.config import Config
from roles.registry import ROLE_NAMES

PROBE_FAILED_EXIT = 6  # the CLI's exit code for runtime failures


class BreakerView(BaseModel):
    state: str
    failures: int = 0
    retry_in_s: float | None = None
    last_error_kind: str = ""
    last_error: str = ""


class RuntimeRow(BaseModel):
    name: str
    usable: bool
    detail: str
    model: str | None = None
    breaker: BreakerView
    roles: list[str]  # roles that run on it first
    fallback_for: list[str]  # roles that fall back to it
    probe: ProbeResult | None = None


class RuntimesReport(BaseModel):
    config: str
    state_dir: str
    runtimes: list[RuntimeRow]


def runtimes_command(config: Config, probe: bool, as_json: bool) -> int:
    """Build the report, print it (rich or JSON), and return the exit code."""
    report = build_report(config, probe=probe)
    if as_json:
        print(report.model_dump_json())
    else:
        _print(report, probe)
    failed = [
        row
        for row in report.runtimes
        if row.probe is not None and not row.probe.ok and (row.roles or row.fallback_for)
    ]
    return PROBE_FAILED_EXIT if failed else 0


def build_report(config: Config, *, probe: bool = False) -> RuntimesReport:
    state_dir = Path(config.ledger_path) / STATE_SUBDIR
    breakers = Breakers(
        state_dir,
        threshold=config.retry.breaker_threshold,
        cooldown_s=config.retry.breaker_cooldown_s,
    )
    states = breakers.snapshot() if state_dir.is_dir() else {}
    rows = [_row(name, config, breakers, states.get(name), probe) for name in registry.names()]
    return RuntimesReport(config=config.source, state_dir=str(state_dir), runtimes=rows)


def _row(
    name: str, config: Config, breakers: Breakers, state: BreakerState | None, probe: bool
) -> RuntimeRow:
    primary, fallback = _roles_of(name, config)
    runtime: Runtime[Any] | None = None
    try:
        runtime = registry.create(name, config.runtimes.get(name))
        status = runtime.status()
        usable, detail = status.usable, status.detail
    except AdapterError as exc:
        usable, detail = False, str(exc)
    except Exception as exc:  # a plugin that cannot even start is reported, not fatal
        usable, detail = False, f"cannot start: {type(exc).__name__}: {exc}"
    row = RuntimeRow(
        name=name,
        usable=usable,
        detail=redact(detail),
        model=runtime.model_for() if runtime is not None else None,
        breaker=_breaker_view(breakers, state),
        roles=primary,
        fallback_for=fallback,
    )
    if probe:
        row.probe = _probe(runtime, usable, detail)
    return row


def _probe(runtime: Runtime[Any] | None, usable: bool, detail: str) -> ProbeResult:
    if runtime is None or not usable:
        return ProbeResult(ok=False, error_kind="unusable", detail=redact(detail))
    try:
        result = runtime.probe()
    except Exception as exc:  # a plugin's probe that raises is a failed probe, not a crash
        return ProbeResult(ok=False, error_kind="error", detail=redact(f"{exc}"))
    return result.model_copy(update={"detail": redact(result.detail)})


def _roles_of(name: str, config: Config) -> tuple[list[str], list[str]]:
    primary: list[str] = []
    fallback: list[str] = []
    for role in ROLE_NAMES:
        chain = config.chain_for(role)
        if chain[0] == name:
            primary.append(role)
        elif name in chain[1:]:
            fallback.append(role)
    return primary, fallback


def _breaker_view(breakers: Breakers, state: BreakerState | None) -> BreakerView:
    if state is None:
        return BreakerView(state="closed")
    retry_in = round(breakers.retry_in(state), 1) if state.state != "closed" else None
    return BreakerView(
        state=state.state,
        failures=state.failures,
        retry_in_s=retry_in,
        last_error_kind=state.last_error_kind,
        last_error=redact(state.last_error),
    )


def _print(report: RuntimesReport, probe: bool) -> None:
    """One short line per runtime, then what it needs (or why the probe failed) indented on
    the next: readable at 80 columns however long the reasons are."""
    import textwrap

    from rich.console import Console
    from rich.markup import escape

    console = Console(highlight=False)
    heads = (
        f"{'runtime':<12} {'usable':<7}{'probe':<10}" if probe else f"{'runtime':<12} {'usable':<7}"
    )
    console.print(f"[bold]{heads}{'breaker':<10}roles[/bold]")
    for row in report.runtimes:
        usable = "[green]yes[/green]    " if row.usable else "[red]no[/red]     "
        probed = f"{_probe_text(row.probe):<10}" if probe else ""
        console.print(
            f"{row.name:<12} {usable}{probed}{_breaker_text(row.breaker):<10}"
            f"{escape(_roles_text(row))}"
        )
        failed = row.probe is not None and not row.probe.ok and row.usable
        note = row.probe.detail if failed and row.probe is not None else row.detail
        wrapped = textwrap.fill(
            note, width=max(40, console.width - 1), initial_indent="  ", subsequent_indent="  "
        )
        console.print(f"[dim]{escape(wrapped)}[/dim]")
    where = f"config: {report.config or 'defaults'}; breakers: {report.state_dir}"
    console.print(f"[dim]{escape(where)}[/dim]")


def _breaker_text(view: BreakerView) -> str:
    """`closed`, `closed·2` (failures so far), `open 58s` (until the next trial)."""
    if view.state == "closed":
        return "closed" + (f"·{view.failures}" if view.failures else "")
    wait = f" {view.retry_in_s:.0f}s" if view.retry_in_s else " due"
    return f"{view.state.replace('_', '-')}{wait}"


def _roles_text(row: RuntimeRow) -> str:
    parts = [", ".join(row.roles)] if row.roles else []
    if row.fallback_for:
        parts.append(f"fallback: {', '.join(row.fallback_for)}")
    return "; ".join(parts) or "—"


def _probe_text(result: ProbeResult | None) -> str:
    """Plain (no markup), so the column lines up; the detail goes on the line below."""
    if result is None:
        return "—"
    if result.ok:
        return f"ok {result.latency_ms:.0f} ms" if result.latency_ms is not None else "ok"
    return result.error_kind or "failed"

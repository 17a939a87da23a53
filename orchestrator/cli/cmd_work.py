"""Commands that do work: submit, triage, resume."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from orchestrator.cli.options import ConfigOpt, JsonOpt, LedgerOpt, RuntimeOpt, friendly
from orchestrator.errors import InputError

if TYPE_CHECKING:  # `--help` builds no models; each command imports what it uses
    from orchestrator.config import Config
    from orchestrator.run.results import SubmitResult
    from orchestrator.run.runner import Orchestrator

TextArg = Annotated[
    str | None, typer.Argument(metavar="TEXT", help="The work item; `-` reads stdin.")
]


def _read_text(text: str | None) -> str:
    if text is None:
        raise InputError("no text given (pass TEXT, or - to read stdin)")
    if text == "-":
        from orchestrator.run import intake

        return intake.decode(sys.stdin.buffer.read(), "stdin")
    return text


def _config(config: Path | None, runtime: list[str] | None, ledger: Path | None) -> Config:
    from orchestrator.config import load_config

    return load_config(config, runtime_flags=runtime or [], ledger=ledger)


@friendly
def submit_command(
    text: TextArg = None,
    title: Annotated[str | None, typer.Option(help="Title (default: first line).")] = None,
    runtime: RuntimeOpt = None,
    workspace: Annotated[
        Path | None, typer.Option(help="Directory agentic runtimes work in.")
    ] = None,
    idempotency_key: Annotated[
        str | None, typer.Option(help="Return the existing request if this key was used.")
    ] = None,
    as_json: JsonOpt = False,
    ledger: LedgerOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Triage a work item and run it through its roles. Exit 0 closed, 1 blocked."""
    from orchestrator.cli import render
    from orchestrator.run.runner import Orchestrator

    raw = _read_text(text)
    cfg = _config(config, runtime, ledger)
    with Orchestrator(cfg) as orch:
        result = orch.submit(raw, title=title, idempotency_key=idempotency_key, workspace=workspace)
    if result.duplicate_of:
        print(
            f"warning: same text as {result.duplicate_of} (use --idempotency-key to dedupe); "
            f"created {result.request_id}",
            file=sys.stderr,
        )
    if as_json:
        render.emit_json(result)
    else:
        _print_result(result)
    if result.state == "BLOCKED":
        raise typer.Exit(1)


def _print_result(result: SubmitResult) -> None:
    from orchestrator.cli import render
    from orchestrator.run.routing import stages_text

    out = render.console
    if not result.created:
        out.print(
            f"[yellow]already submitted[/yellow] with this idempotency key: {result.request_id}"
        )
    out.print(f"[bold]{result.request_id}[/bold]")
    t = result.triage
    if t is not None:
        out.print(
            f"triage    [bold]{t.kind}[/bold] · {t.severity} · {t.priority} · "
            f"confidence {t.confidence:.2f}  ({t.runtime})"
        )
        out.print(f"          {t.rationale}")
    out.print(f"route     {stages_text(result.stages)}")
    for h in result.handoffs:
        again = f" (round {h.round})" if h.round > 1 else ""
        hop = f"{h.from_role:>5} → {', '.join(h.to):<10}"
        out.print(f"  {hop} {h.runtime or '':<8}{again} {h.summary or ''}")
    out.print(f"state     {render.state_text(result.state)}")
    if result.blocked_reason:
        out.print(f"blocked   [red]{result.blocked_reason}[/red]")


@friendly
def triage_command(
    text: TextArg = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="JSONL of {text, id?} items; one decision each.")
    ] = None,
    runtime: Annotated[
        str | None, typer.Option("--runtime", "-r", help="Runtime for triage (default: config).")
    ] = None,
    as_json: JsonOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Classify only: print the decision and its route; writes nothing."""
    from orchestrator.cli import render
    from orchestrator.config import load_config
    from orchestrator.run.routing import stages_text
    from orchestrator.run.runner import Orchestrator

    flags = [f"triage={runtime}"] if runtime else []
    orch = Orchestrator(load_config(config, runtime_flags=flags))
    if file is not None:
        if text is not None:
            raise InputError("give TEXT or --file, not both")
        failures = _triage_file(orch, file, as_json)
        if failures:
            raise typer.Exit(2)
        return
    triaged = orch.triage(_read_text(text))
    payload = {
        **triaged.decision.model_dump(mode="json"),
        "route": triaged.route,
        "stages": triaged.stages,
        "runtime": triaged.reply.runtime,
        "model": triaged.reply.model,
    }
    if as_json:
        render.emit_json(payload)
        return
    d = triaged.decision
    out = render.console
    out.print(
        f"[bold]{d.kind}[/bold] · {d.severity} · {d.priority} · confidence {d.confidence:.2f}"
    )
    out.print(f"rationale {d.rationale}")
    out.print(f"signals   {', '.join(d.signals) or '—'}")
    out.print(f"route     {stages_text(triaged.stages)}")


def _triage_file(orch: Orchestrator, file: Path, as_json: bool) -> int:
    """One decision per line, in order; a bad line is reported and skipped, not fatal."""
    from adapters.errors import AdapterError
    from orchestrator.errors import OrchestrateError
    from orchestrator.run import intake

    try:
        data = file.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {file}: {exc.strerror}") from None
    raw = intake.decode(data, str(file))
    failures = 0
    out = sys.stdout
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            text = item["text"] if isinstance(item, dict) else None
            if not isinstance(text, str):
                raise InputError("each line needs a string `text`")
            item_id = str(item.get("id", number))
            triaged = orch.triage(text)
        except (ValueError, KeyError, OrchestrateError, AdapterError) as exc:
            failures += 1
            known = isinstance(exc, OrchestrateError | AdapterError)
            msg = str(exc) if known else f"bad JSON line ({exc})"
            print(f"error: {file}:{number}: {msg}", file=sys.stderr)
            continue
        d = triaged.decision
        if as_json:
            row = {"id": item_id, **d.model_dump(mode="json"), "route": triaged.route,
                   "runtime": triaged.reply.runtime}  # fmt: skip
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        else:
            out.write(f"{item_id}\t{d.kind}\t{d.severity}\t{d.priority}\t{d.confidence:.2f}\n")
    return failures


@friendly
def resume_command(
    request_id: Annotated[str | None, typer.Argument(metavar="[REQ]")] = None,
    all_open: Annotated[
        bool, typer.Option("--all", help="Resume every open item whose process is gone.")
    ] = False,
    workspace: Annotated[
        Path | None, typer.Option(help="Directory agentic runtimes work in.")
    ] = None,
    as_json: JsonOpt = False,
    ledger: LedgerOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Continue an interrupted run from its last completed step."""
    from orchestrator.cli import render
    from orchestrator.ledger import ids
    from orchestrator.run.runner import Orchestrator, require_known

    if (request_id is None) == (not all_open):
        raise InputError("give one REQ or --all")
    cfg = _config(config, None, ledger)
    with Orchestrator(cfg) as orch:
        orch.ledger.require()
        failures: dict[str, str] = {}
        if all_open:
            results, failures = orch.resume_interrupted(workspace=workspace)
        else:
            rid = ids.validate(str(request_id))
            require_known(orch.ledger, rid)
            results = [orch.resume(rid, workspace=workspace)]
    for rid, why in failures.items():
        print(f"error: {rid}: {why}", file=sys.stderr)
    if as_json:
        render.emit_json([r.model_dump(mode="json") for r in results])
    else:
        if not results and not failures:
            render.console.print("nothing to resume: no interrupted items")
        for result in results:
            _print_result(result)
    if failures:
        raise typer.Exit(5)
    if any(r.state == "BLOCKED" for r in results):
        raise typer.Exit(1)

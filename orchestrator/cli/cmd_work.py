"""Commands that do work: submit, triage, resume."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from orchestrator.cli.options import (
    ConfigOpt,
    JsonOpt,
    LedgerOpt,
    RuntimeOpt,
    WorkspaceOpt,
    friendly,
)
from orchestrator.errors import InputError

if TYPE_CHECKING:  # `--help` builds no models; each command imports what it uses
    from orchestrator.config import Config

TextArg = Annotated[
    str | None,
    typer.Argument(metavar="TEXT", help="The work item, quoted; `-` reads it from stdin."),
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


def _warn(lines: list[str]) -> None:
    for line in lines:
        print(f"warning: {line}", file=sys.stderr)


@friendly
def submit_command(
    text: TextArg = None,
    title: Annotated[
        str | None, typer.Option(metavar="TITLE", help="Title (default: from the text).")
    ] = None,
    runtime: RuntimeOpt = None,
    workspace: WorkspaceOpt = None,
    idempotency_key: Annotated[
        str | None,
        typer.Option(metavar="KEY", help="Return the existing request if KEY was used before."),
    ] = None,
    detach: Annotated[
        bool,
        typer.Option("--detach", help="Queue it for `orchestrate worker` and return its id."),
    ] = False,
    as_json: JsonOpt = False,
    ledger: LedgerOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Triage a work item and run it through its roles (or queue it with --detach).

    On a terminal each step is shown as it happens; with --json or when piped, only the
    result. Ctrl-C leaves the item resumable and names the command that continues it.
    """
    from orchestrator.cli import render
    from orchestrator.cli.progress import Progress
    from orchestrator.run.runner import Orchestrator

    raw = _read_text(text)
    with Orchestrator(_config(config, runtime, ledger)) as orch:
        _warn(orch.preflight())
        if detach:
            if workspace is not None:
                raise InputError("--workspace goes with a run here, not --detach")
            queued = orch.enqueue(raw, title=title, idempotency_key=idempotency_key)
            if as_json:
                render.emit_json({"request_id": queued.request_id, "state": queued.state,
                                  "created": queued.created})  # fmt: skip
            else:
                render.console.print(f"{queued.request_id}  queued")
            return
        progress = Progress.for_stdout(as_json)
        with progress.interruptible():
            result = orch.submit(
                raw,
                title=title,
                idempotency_key=idempotency_key,
                workspace=workspace,
                observer=progress,
            )
    if result.duplicate_of:
        _warn([f"same text as {result.duplicate_of} (use --idempotency-key to dedupe)"])
    if as_json:
        render.emit_json(result)
    else:
        render.result(result, progress.shown)
    if result.waiting_for:
        raise typer.Exit(8)
    if result.state == "BLOCKED":
        raise typer.Exit(1)


@friendly
def triage_command(
    text: TextArg = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            metavar="ITEMS.jsonl",
            help="JSON Lines of {text, id?}; one decision per line (JSON Lines with --json).",
        ),
    ] = None,
    runtime: Annotated[
        str | None,
        typer.Option("--runtime", "-r", metavar="NAME", help="Triage on NAME (default: config)."),
    ] = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="Show the evidence for and against each kind.")
    ] = False,
    as_json: JsonOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Classify only: the decision and its route; writes nothing."""
    from orchestrator.cli import render
    from orchestrator.run.runner import Orchestrator

    flags = [f"triage={runtime}"] if runtime else []
    orch = Orchestrator(_config(config, flags, None))
    if file is not None:
        if text is not None:
            raise InputError("give TEXT or --file, not both")
        if explain:
            raise InputError("--explain takes one TEXT, not --file")
        from orchestrator.cli.triage_file import triage_file

        if triage_file(orch, file, as_json):
            raise typer.Exit(2)
        return
    admitted = _read_text(text)
    verdict = orch.triage(admitted)
    if explain:
        from adapters.mock.classifier import explain as explain_text

        evidence = explain_text(admitted)
        if as_json:
            explained = evidence.model_dump(mode="json")
            render.emit_json({"decision": render.verdict_json(verdict), "evidence": explained})
        else:
            render.verdict(verdict)
            render.evidence(evidence)
        return
    if as_json:
        render.emit_json(render.verdict_json(verdict))
    else:
        render.verdict(verdict)


@friendly
def resume_command(
    request_id: Annotated[
        str | None, typer.Argument(metavar="REQ", help="The request id (REQ-YYYYMMDD-NNNN).")
    ] = None,
    all_open: Annotated[
        bool, typer.Option("--all", help="Resume every open item whose process is gone.")
    ] = False,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    ledger: LedgerOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Continue an interrupted run from its last completed step."""
    from orchestrator.cli import render
    from orchestrator.cli.progress import Progress
    from orchestrator.ledger import ids
    from orchestrator.run.runner import Orchestrator, require_known

    if (request_id is None) == (not all_open):
        raise InputError("give one REQ or --all")
    with Orchestrator(_config(config, None, ledger)) as orch:
        orch.ledger.require()
        progress = Progress.for_stdout(as_json)
        failures: dict[str, str] = {}
        with progress.interruptible():
            if all_open:
                _warn(orch.preflight())
                results, failures = orch.resume_interrupted(workspace=workspace, observer=progress)
            else:
                rid = ids.validate(str(request_id))
                require_known(orch.ledger, rid)
                _warn(orch.preflight())
                results = [orch.resume(rid, workspace=workspace, observer=progress)]
    for rid, why in failures.items():
        print(f"error: {rid}: {why}", file=sys.stderr)
    if as_json:
        render.emit_json([r.model_dump(mode="json") for r in results])
    else:
        if not results and not failures:
            render.console.print("nothing to resume: no interrupted items")
        for result in results:
            render.result(result, progress.shown)
    if failures:
        raise typer.Exit(5)
    if any(r.state == "BLOCKED" for r in results):
        raise typer.Exit(1)
    if any(r.waiting_for for r in results):
        raise typer.Exit(8)

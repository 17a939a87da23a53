"""`orchestrate`: wires the command modules into one typer app, with one-line usage errors."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup

from orchestrator.cli import (
    cmd_accuracy,
    cmd_db,
    cmd_meta,
    cmd_people,
    cmd_queue,
    cmd_read,
    cmd_replay,
    cmd_serve,
    cmd_stats,
    cmd_work,
    exits,
)
from orchestrator.cli.exits import Exit


def _usage_line(exc: Exception) -> str | None:
    """Click's usage errors (unknown command, bad value, missing argument) as one line, or
    None for anything else. Duck-typed: typer vendors its own click."""
    format_message = getattr(exc, "format_message", None)
    if not callable(format_message) or not isinstance(getattr(exc, "exit_code", None), int):
        return None
    ctx = getattr(exc, "ctx", None)
    where = getattr(ctx, "command_path", "orchestrate") if ctx is not None else "orchestrate"
    message = " ".join(str(format_message()).split())
    return f"{message} (see `{where} --help`)"


class _Argument(TyperArgument):
    """Arguments as a usage line shows them to people: `REQ`, `[REQ]`, `[REQ]...` — no
    braces for required ones, no `<str>` type after the name in the help."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None

    def _usage_display_name(self) -> str:
        name = self.display_name_raw if self.required else f"[{self.display_name_raw}]"
        return name + ("..." if self.nargs != 1 else "")


class _Command(TyperCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if type(param) is TyperArgument:
                param.__class__ = _Argument


class _Group(TyperGroup):
    """Runs the command and answers every usage error with one line on stderr and exit 2."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            code = super().main(
                args=args,
                prog_name=prog_name or "orchestrate",
                complete_var=complete_var,
                standalone_mode=False,
                **extra,
            )
        except typer.Abort:
            print("error: interrupted", file=sys.stderr)
            code = Exit.INTERRUPTED
        except Exception as exc:
            line = _usage_line(exc)
            if line is None:
                raise
            print(f"error: {line}", file=sys.stderr)
            code = getattr(exc, "exit_code", Exit.BAD_INPUT)
        code = code if isinstance(code, int) else 0
        if standalone_mode:
            sys.exit(code)
        return code


app = typer.Typer(
    name="orchestrate",
    cls=_Group,
    help="Triage work items and run them through PM, Dev, Test and Ops agents, "
    "with every step in a verifiable ledger.",
    epilog="\b\nExit codes, for every command:\n" + exits.table(),
    invoke_without_command=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    add_completion=False,
)


@app.callback()
def _root(ctx: typer.Context) -> None:
    """`orchestrate` alone prints this help and exits 0."""
    if ctx.invoked_subcommand is None:
        print(ctx.get_help())
        raise typer.Exit(Exit.OK)


_COMMANDS: dict[str, Callable[..., None]] = {
    "submit": cmd_work.submit_command,
    "triage": cmd_work.triage_command,
    "list": cmd_read.list_command,
    "show": cmd_read.show_command,
    "verify": cmd_read.verify_command,
    "stats": cmd_stats.stats_command,
    "reindex": cmd_read.reindex_command,
    "resume": cmd_work.resume_command,
    "replay": cmd_replay.replay_command,
    "worker": cmd_queue.worker_command,
    "serve": cmd_serve.serve_command,
    "runtimes": cmd_meta.runtimes_command,
    "graph": cmd_meta.graph_command,
    "init": cmd_meta.init_command,
    "approve": cmd_people.approve_command,
    "reject": cmd_people.reject_command,
    "reclassify": cmd_people.reclassify_command,
    "retry": cmd_people.retry_command,
    "accuracy": cmd_accuracy.accuracy_command,
    "train": cmd_accuracy.train_command,
}
for _name, _command in _COMMANDS.items():
    app.command(_name, cls=_Command, epilog=exits.epilog(_name))(_command)
_DB_COMMANDS: dict[str, Callable[..., None]] = {
    "upgrade": cmd_db.upgrade_command,
    "copy": cmd_db.copy_command,
}
for _sub, _subcommand in _DB_COMMANDS.items():
    cmd_db.db_app.command(_sub, cls=_Command, epilog=exits.epilog(f"db {_sub}"))(_subcommand)
app.add_typer(cmd_db.db_app)


def _terminate(signum: int, frame: object) -> None:
    """SIGTERM ends any agent CLI still running (each sits in its own session, out of the
    signal's reach), so the threads waiting on them return, then unwinds like Ctrl-C."""
    process = sys.modules.get("adapters.agents.process")
    if process is not None:
        process.end_all()
    raise SystemExit(128 + signum)


def main() -> None:
    signal.signal(signal.SIGTERM, _terminate)
    app()

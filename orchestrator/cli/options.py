"""Options shared by several commands, and the one place errors become exit codes."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, NoReturn, ParamSpec, TypeVar

import typer

from adapters.errors import AdapterError
from orchestrator.cli.exits import Exit
from orchestrator.errors import OrchestrateError

LedgerOpt = Annotated[
    Path | None,
    typer.Option(
        "--ledger",
        metavar="DIR|URL",
        envvar="ORCHESTRATE_LEDGER",
        show_envvar=True,
        help="Ledger directory, or postgresql://… (default: ./coordination, or [ledger]).",
    ),
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        metavar="FILE",
        envvar="ORCHESTRATE_CONFIG",
        show_envvar=True,
        help="Config file (default: ./orchestrate.toml if present).",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]
RuntimeOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--runtime",
        "-r",
        metavar="ROLE=NAME",
        help="Run ROLE (triage, pm, dev, test, ops or all) on runtime NAME; repeatable.",
    ),
]
WorkspaceOpt = Annotated[
    Path | None,
    typer.Option(metavar="DIR", help="Directory the agentic runtimes work in."),
]

P = ParamSpec("P")
R = TypeVar("R")


def fail(message: str, code: int) -> typer.Exit:
    """One line on stderr, never a traceback."""
    first = " ".join(str(message).split())[:500]
    print(f"error: {first}", file=sys.stderr)
    return typer.Exit(code)


def pipe_closed() -> NoReturn:
    """The reader went away (`… | head -1`): say nothing, and stop Python from complaining
    when it flushes stdout at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    raise typer.Exit(Exit.PIPE_CLOSED)


def friendly(func: Callable[P, R]) -> Callable[P, R]:
    """Turn every expected failure into one clear line and a meaningful exit code."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except typer.Exit:
            raise
        except BrokenPipeError:
            pipe_closed()
        except OrchestrateError as exc:
            raise fail(str(exc), exc.exit_code) from None
        except AdapterError as exc:
            raise fail(f"runtime {exc.kind}: {exc}", Exit.NO_RUNTIME) from None
        except PermissionError as exc:
            raise fail(f"permission denied: {exc.filename}", Exit.NOT_FOUND) from None
        except IsADirectoryError as exc:
            raise fail(f"is a directory: {exc.filename}", Exit.BAD_INPUT) from None
        except OSError as exc:
            raise fail(f"{exc.strerror or exc}: {exc.filename or ''}", Exit.NOT_FOUND) from None
        except KeyboardInterrupt:
            raise fail("interrupted", Exit.INTERRUPTED) from None
        except Exception as exc:
            if os.environ.get("ORCHESTRATE_DEBUG"):
                raise
            hint = "(ORCHESTRATE_DEBUG=1 shows the traceback)"
            message = f"internal error {type(exc).__name__}: {exc} {hint}"
            raise fail(message, Exit.INTERNAL) from None

    return wrapper

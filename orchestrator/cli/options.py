"""Options shared by several commands, and the one place errors become exit codes."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, ParamSpec, TypeVar

import typer

from adapters.errors import AdapterError
from orchestrator.errors import OrchestrateError

LedgerOpt = Annotated[
    Path | None,
    typer.Option("--ledger", help="Ledger directory [env ORCHESTRATE_LEDGER; ./coordination]"),
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", help="Config file [env ORCHESTRATE_CONFIG; ./orchestrate.toml]"),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
RuntimeOpt = Annotated[
    list[str] | None,
    typer.Option("--runtime", "-r", help="ROLE=RUNTIME (ROLE: triage, pm, dev, test, ops, all)."),
]

P = ParamSpec("P")
R = TypeVar("R")


def fail(message: str, code: int) -> typer.Exit:
    """One line on stderr, never a traceback."""
    first = " ".join(str(message).split())[:500]
    print(f"error: {first}", file=sys.stderr)
    return typer.Exit(code)


def friendly(func: Callable[P, R]) -> Callable[P, R]:
    """Turn every expected failure into one clear line and a meaningful exit code."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except typer.Exit:
            raise
        except OrchestrateError as exc:
            raise fail(str(exc), exc.exit_code) from None
        except AdapterError as exc:
            raise fail(f"runtime {exc.kind}: {exc}", 6) from None
        except PermissionError as exc:
            raise fail(f"permission denied: {exc.filename}", 3) from None
        except IsADirectoryError as exc:
            raise fail(f"is a directory: {exc.filename}", 2) from None
        except OSError as exc:
            raise fail(f"{exc.strerror or exc}: {exc.filename or ''}", 3) from None
        except KeyboardInterrupt:
            raise fail(
                "interrupted; `orchestrate resume` continues an interrupted run", 130
            ) from None
        except Exception as exc:
            if os.environ.get("ORCHESTRATE_DEBUG"):
                raise
            hint = "(ORCHESTRATE_DEBUG=1 shows the traceback)"
            raise fail(f"internal error {type(exc).__name__}: {exc} {hint}", 70) from None

    return wrapper

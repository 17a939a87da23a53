"""runtimes, graph and init: what can run, the routing matrix as Mermaid, a starter config."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Annotated

import typer

from orchestrator.cli.options import ConfigOpt, JsonOpt, LedgerOpt, RuntimeOpt, friendly


@friendly
def graph_command(config: ConfigOpt = None) -> None:
    """Print the routing matrix (as configured) as a Mermaid flowchart."""
    from orchestrator.config import load_config
    from orchestrator.run.routing import mermaid

    cfg = load_config(config)
    print(mermaid(cfg.routing.matrix), end="")


@friendly
def init_command(
    path: Annotated[
        Path, typer.Argument(metavar="FILE", help="Where to write it.", show_default=True)
    ] = Path("orchestrate.toml"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented starter orchestrate.toml (every role on mock)."""
    from orchestrator.errors import InputError

    if path.exists() and not force:
        raise InputError(f"{path} exists (use --force to overwrite)")
    text = files("orchestrator").joinpath("starter.toml").read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}; every role runs on mock until you change [roles]")


@friendly
def runtimes_command(
    probe: Annotated[
        bool, typer.Option("--probe", help="Send a minimal real request to each usable one.")
    ] = False,
    runtime: RuntimeOpt = None,
    as_json: JsonOpt = False,
    ledger: LedgerOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Each runtime: usable now, its breaker, which roles use it, what it needs."""
    from orchestrator.cli.cmd_runtimes import runtimes_command
    from orchestrator.config import load_config

    cfg = load_config(config, runtime_flags=runtime or [], ledger=ledger)
    code = runtimes_command(cfg, probe, as_json)
    if code:
        raise typer.Exit(code)

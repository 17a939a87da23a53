"""graph and init: the routing matrix as Mermaid, and a commented starter config."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Annotated

import typer

from orchestrator.cli import render
from orchestrator.cli.options import ConfigOpt, friendly
from orchestrator.config import CONFIG_NAME, load_config
from orchestrator.errors import InputError


def graph_command(config: ConfigOpt = None) -> None:
    """Print the routing matrix (as configured) as a Mermaid flowchart."""
    friendly(_graph)(config)


def _graph(config) -> None:
    from orchestrator.routing import mermaid

    cfg = load_config(config)
    print(mermaid(cfg.routing.matrix), end="")


def init_command(
    path: Annotated[Path, typer.Argument(help="Where to write it.")] = Path(CONFIG_NAME),
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented starter orchestrate.toml (every role on mock)."""
    friendly(_init)(path, force)


def _init(path: Path, force: bool) -> None:
    if path.exists() and not force:
        raise InputError(f"{path} exists (use --force to overwrite)")
    text = files("orchestrator").joinpath("starter.toml").read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    render.console.print(f"wrote {path}; every role runs on mock until you change [roles]")

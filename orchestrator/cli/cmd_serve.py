"""`orchestrate serve`: the HTTP API, webhooks, dashboard and in-process workers."""

from __future__ import annotations

from typing import Annotated

import typer

from orchestrator.cli.options import ConfigOpt, LedgerOpt, friendly


@friendly
def serve_command(
    host: Annotated[
        str | None, typer.Option(metavar="HOST", help="Address to listen on [default: 127.0.0.1].")
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(min=0, max=65535, metavar="PORT", help="Port to listen on [default: 8080]."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=0,
            max=64,
            metavar="N",
            help="In-process worker slots; 0 leaves the runs to `orchestrate worker` [default: 2].",
        ),
    ] = None,
    access_log: Annotated[
        bool, typer.Option("--access-log/--no-access-log", help="Log every request.")
    ] = True,
    ledger: LedgerOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Serve the API, the webhooks (GitHub, Alertmanager) and the dashboard, and run queued
    items. Needs ORCHESTRATE_API_TOKEN to listen on anything but loopback."""  # fmt: skip
    from orchestrator.config import load_config
    from orchestrator.service.server import serve

    cfg = load_config(config, ledger=ledger)
    s = cfg.service
    serve(
        cfg,
        host=host or s.host,
        port=s.port if port is None else port,
        workers=s.workers if workers is None else workers,
        access_log=access_log,
    )

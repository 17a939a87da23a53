"""`orchestrate worker`: run queued items (from `submit --detach` and the service)."""

from __future__ import annotations

import signal
import sys
from typing import Annotated

import typer

from orchestrator.cli.options import ConfigOpt, LedgerOpt, friendly


@friendly
def worker_command(
    concurrency: Annotated[
        int, typer.Option(min=1, max=64, metavar="N", help="Items run at once.", show_default=True)
    ] = 1,
    drain: Annotated[
        bool, typer.Option("--drain", help="Stop (exit 0) once the queue is empty.")
    ] = False,
    ledger: LedgerOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Claim queued items and run them until stopped (SIGTERM, Ctrl-C) or drained."""
    from orchestrator.config import load_config
    from orchestrator.ledger.backends import open_ledger
    from orchestrator.queue.worker import Worker
    from orchestrator.service.followups import Followups

    cfg = load_config(config, ledger=ledger)
    followups = Followups(open_ledger(cfg), cfg.github, cfg.retry)  # GitHub items' write-back
    worker = Worker(cfg, concurrency=concurrency, drain=drain, observe=followups.observer)
    followups.start()

    def stop(signum: int, frame: object) -> None:
        print(f"{worker.name}: stopping; runs in flight finish", file=sys.stderr)
        worker.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    done = worker.run()
    if not followups.stop(timeout_s=cfg.queue.grace_s):
        print(f"{worker.name}: {followups.pending()} write-back(s) left unsent", file=sys.stderr)
    print(f"{worker.name}: {done} item(s) run", file=sys.stderr)
    for failure in worker.failures:
        print(f"error: {failure}", file=sys.stderr)

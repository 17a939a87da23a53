"""`orchestrate db upgrade` and `orchestrate db copy SRC DST`: the shared database's schema,
and moving a ledger between a directory and PostgreSQL with its chains intact."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from orchestrator.cli.options import ConfigOpt, LedgerOpt, friendly

if TYPE_CHECKING:
    from orchestrator.config import Config
    from orchestrator.ledger.repository import LedgerRepository

db_app = typer.Typer(
    name="db",
    help="The PostgreSQL ledger: apply schema migrations, copy a ledger in or out.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

SourceArg = Annotated[
    str, typer.Argument(metavar="SRC", help="The ledger to copy: a directory or postgresql://…")
]
DestArg = Annotated[
    str, typer.Argument(metavar="DST", help="An empty ledger: a directory or postgresql://…")
]


@friendly
def upgrade_command(ledger: LedgerOpt = None, config: ConfigOpt = None) -> None:
    """Apply the schema migrations this orchestrate needs (safe to run again, and from
    several machines at once)."""
    from orchestrator.cli import render
    from orchestrator.config import load_config
    from orchestrator.errors import InputError
    from orchestrator.ledger import urls

    cfg = load_config(config, ledger=ledger)
    if cfg.ledger.url is None:
        raise InputError(
            "db upgrade needs a database ledger (--ledger postgresql://…, ORCHESTRATE_LEDGER "
            "or [ledger] url); a ledger directory has no schema"
        )
    from orchestrator.ledger.postgres.checkpoints import PostgresCheckpoints
    from orchestrator.ledger.postgres.connect import connect, database
    from orchestrator.ledger.postgres.schema import upgrade

    with connect(cfg.ledger.url) as conn:
        was, now = upgrade(conn)
    store = PostgresCheckpoints(database(cfg.ledger.url, cfg.retry))
    store.close(store.open_saver())  # LangGraph's checkpoint tables, migrated the same way
    label = urls.redact(cfg.ledger.url)
    if was == now:
        render.console.print(f"{label}: schema {now}, up to date")
    else:
        render.console.print(f"{label}: schema {was} → {now}")


@friendly
def copy_command(source: SourceArg, dest: DestArg, config: ConfigOpt = None) -> None:
    """Copy every request, chain and packet byte for byte from SRC to an empty DST, then
    verify both sides."""
    from orchestrator.cli import render
    from orchestrator.config import load_config
    from orchestrator.ledger.copying import copy_ledger

    cfg = load_config(config)
    src = _open(source, cfg)
    src.require()
    dst = _open(dest, cfg)
    copied = copy_ledger(src, dst)
    dst.open_queue(cfg.queue).reconcile()  # queued and claimed items wait for workers there
    render.console.print(
        f"copied {copied.requests} requests, {copied.events} events from {src.location} to "
        f"{dst.location}; both verify, every chain byte-identical"
    )


def _open(location: str, cfg: Config) -> LedgerRepository:
    from pathlib import Path

    from orchestrator.config import LedgerSection
    from orchestrator.ledger import urls
    from orchestrator.ledger.backends import open_ledger

    if urls.is_postgres(location):
        section = LedgerSection(path=cfg.ledger.path, url=location)
    else:
        section = LedgerSection(path=Path(location))
    return open_ledger(cfg.model_copy(update={"ledger": section}))

"""`orchestrate`: wires the command modules into one typer app."""

from __future__ import annotations

import signal
import sys

import typer

from orchestrator.cli import cmd_meta, cmd_read, cmd_replay, cmd_stats, cmd_work

app = typer.Typer(
    name="orchestrate",
    help="Triage work items and run them through PM, Dev, Test and Ops agents, "
    "with every step in a verifiable ledger.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

app.command("submit")(cmd_work.submit_command)
app.command("triage")(cmd_work.triage_command)
app.command("list")(cmd_read.list_command)
app.command("show")(cmd_read.show_command)
app.command("verify")(cmd_read.verify_command)
app.command("stats")(cmd_stats.stats_command)
app.command("reindex")(cmd_read.reindex_command)
app.command("resume")(cmd_work.resume_command)
app.command("replay")(cmd_replay.replay_command)
app.command("runtimes")(cmd_meta.runtimes_cli)
app.command("graph")(cmd_meta.graph_command)
app.command("init")(cmd_meta.init_command)


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

"""Shared helpers for the ledger tests, and a worker script the multi-process tests spawn.

Run as a script (`python ledger_helpers.py MODE ...`) it becomes a separate writer process,
so the tests exercise real cross-process locking rather than threads in one interpreter.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from adapters.base import Usage
from orchestrator.config import Config, LedgerSection
from orchestrator.errors import IllegalTransition
from orchestrator.ledger import FileLedger, LedgerRepository
from orchestrator.ledger import events as ev
from orchestrator.ledger.lifecycle import State
from orchestrator.ledger.verify import Finding, Report

HELPER = Path(__file__).resolve()


def open_pg(url: str, local: Path | None = None) -> LedgerRepository:
    from orchestrator.ledger.backends import open_ledger

    section = LedgerSection(url=url, path=local or Path("coordination"))
    return open_ledger(Config(ledger=section))


def open_at(location: str) -> LedgerRepository:
    """The ledger at a directory or a URL, as a command would open it."""
    return open_pg(location) if location.startswith("postgresql://") else FileLedger(location)


def build_ledger(root: Path, requests: int = 3) -> tuple[FileLedger, list[str]]:
    """A small ledger through the public API: every request has 6-7 events of varied kinds."""
    ledger = FileLedger(root)
    rids = []
    for n in range(requests):
        rid = ledger.create_request(f"text {n} – ünïcode ✓", f"title {n}").packet.request_id
        triage = ev.Triaged(
            kind="bug", severity="medium", priority="P3", confidence=0.8, route=["dev", "test"]
        )
        ledger.append(rid, "triage", triage)
        ledger.transition(rid, State.ACCEPTED, "triage")
        ledger.append(rid, "graph", ev.Handoff(from_="triage", to=["dev"]))
        ledger.transition(rid, State.IN_PROGRESS, "graph")
        usage = Usage(input_tokens=10, output_tokens=5)
        ledger.append(rid, "dev", ev.RoleCompleted(role="dev", summary="fixed", usage=usage))
        if n % 2:
            ledger.append(rid, "graph", ev.Blocked(reason="needs a human"))
        rids.append(rid)
    return ledger, rids


def copy_ledger(template: Path, dest: Path) -> FileLedger:
    shutil.copytree(template, dest)
    return FileLedger(dest)


def lines_of(path: Path) -> list[bytes]:
    """Complete lines with their newlines, plus any unterminated tail as the last item."""
    return path.read_bytes().splitlines(keepends=True)


def write_lines(path: Path, lines: list[bytes]) -> None:
    path.write_bytes(b"".join(lines))


def summary(report: Report) -> list[tuple[str, int | None, str]]:
    """Findings as (file, line, reason) triples, for exact assertions."""
    return [(f.file, f.line, f.reason) for f in report.findings]


def only_torn_tail(findings: list[Finding]) -> bool:
    return len(findings) == 1 and findings[0].reason.startswith("torn tail")


def spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(HELPER), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(go: Path, deadline: float = 30.0) -> None:
    end = time.monotonic() + deadline
    while not go.exists():
        if time.monotonic() > end:
            raise SystemExit("no go signal")
        time.sleep(0.002)


def _mixed_worker(root: str, worker: str, creates: str, shared: str, go: str) -> None:
    """Create requests and append to them, race the others on shared requests, report ids."""
    ledger = open_at(root)
    shared_ids = json.loads(Path(shared).read_text())
    _wait_for(Path(go))
    created: list[str] = []
    appended: list[list[object]] = []
    won: list[str] = []
    for n in range(int(creates)):
        rid = ledger.create_request(f"worker {worker} #{n}", f"w{worker}-{n}").packet.request_id
        created.append(rid)
        event = ledger.append(rid, f"w{worker}", ev.Handoff(from_=f"w{worker}", round=n + 1))
        appended.append([rid, event.seq])
        target = shared_ids[n % len(shared_ids)]
        event = ledger.append(target, f"w{worker}", ev.RoleStarted(role=f"w{worker}"))
        appended.append([target, event.seq])
        if n < len(shared_ids):
            try:
                ledger.transition(shared_ids[n], State.ACCEPTED, f"w{worker}")
                won.append(shared_ids[n])
            except IllegalTransition:
                pass
    print(json.dumps({"created": created, "appended": appended, "won": won}))


def _append_loop(root: str, rid: str, ready: str) -> None:
    """Append as fast as possible until killed; `ready` appears once appends are under way."""
    ledger = open_at(root)
    n = 0
    while True:
        ledger.append(rid, "looper", ev.RuntimeRetry(attempt=n + 1, error="x" * (n % 300)))
        n += 1
        if n == 5:
            Path(ready).touch()


def _reindex_loop(root: str, go: str, stop: str) -> None:
    """Rebuild the index over and over while others append: it must never lose their updates."""
    ledger = open_at(root)
    _wait_for(Path(go))
    rounds = 0
    while not Path(stop).exists():
        ledger.reindex()
        rounds += 1
        time.sleep(0.01)  # rebuild often, but leave the lock to the writers in between
    print(json.dumps({"reindexed": rounds}))


if __name__ == "__main__":
    mode, *rest = sys.argv[1:]
    {"mixed": _mixed_worker, "loop": _append_loop, "reindex": _reindex_loop}[mode](*rest)

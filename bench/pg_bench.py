"""The PostgreSQL backend under load: appends, workers, verify, list, and a takeover.

Each section runs on a scratch database of its own (created on the server `--url` names,
dropped after) and prints one block; `--markdown` also writes them to a file.

- appends/s: P processes appending to their own requests, and to one shared (hot) request;
- items/s: N items queued, drained by 1, 2 and 4 `orchestrate worker` processes, with mock
  `latency_ms` 300 and 0; timed from the first CLAIMED to the last event (process start-up
  excluded), and wall time including it;
- verify events/s at 10k and 100k events, and `list` (the index read, and the command) at
  100,000 requests; generated rows are bulk-loaded with COPY from the ledger's own sealing;
- takeover: a worker SIGKILLed mid-role (mock latency 3 s, so it is), the time until an
  idle second worker's LEASE_EXPIRED and until the item is CLOSED.

    python bench/pg_bench.py                        # everything, default server
    python bench/pg_bench.py --only appends workers --markdown out.md
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

from orchestrator.config import Config, LedgerSection
from orchestrator.ledger import events as ev
from orchestrator.ledger import ids
from orchestrator.ledger.backends import open_ledger
from orchestrator.ledger.canonical import GENESIS, canonical_bytes, sealed_line, sha256_hex
from orchestrator.ledger.files import packet_sha256
from orchestrator.ledger.fold import fold, index_entry
from orchestrator.ledger.models import LedgerEvent, RequestPacket, iso, utc_now
from orchestrator.ledger.repository import LedgerRepository
from orchestrator.ledger.verify import verify
from orchestrator.run.runner import Orchestrator

ORCHESTRATE = str(Path(sys.executable).with_name("orchestrate"))
TEXT = "Crash when saving a draft: expected the draft saved but got TypeError in editor.js"


@contextmanager
def scratch(admin_url: str) -> Iterator[str]:
    name = f"orch_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"'.encode())
    try:
        yield urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'.encode())


def ledger_at(url: str) -> LedgerRepository:
    return open_ledger(Config(ledger=LedgerSection(url=url)))


# -- appends ---------------------------------------------------------------------------------
def _appender(url: str, rid: str, n: int, ready: Barrier, ends: Queue[float]) -> None:
    ledger = ledger_at(url)
    ledger.append(rid, "bench", ev.Handoff(from_="bench", round=0))  # connected and warm
    ready.wait()
    for k in range(n):
        ledger.append(rid, "bench", ev.Handoff(from_="bench", round=k + 1))
    ends.put(time.perf_counter())


def _append_rate(url: str, procs: int, n: int, hot: bool) -> float:
    """Events/s from the moment every process is connected and warm to the last append."""
    ledger = ledger_at(url)
    shared = ledger.create_request("hot chain", "hot").packet.request_id
    rids = [
        shared if hot else ledger.create_request(f"own {p}", "own").packet.request_id
        for p in range(procs)
    ]
    ctx = multiprocessing.get_context("spawn")
    ready, ends = ctx.Barrier(procs + 1), ctx.Queue()
    workers = [ctx.Process(target=_appender, args=(url, rid, n, ready, ends)) for rid in rids]
    for w in workers:
        w.start()
    ready.wait()
    start = time.perf_counter()
    finished = [ends.get(timeout=600) for _ in workers]
    for w in workers:
        w.join()
    assert verify(ledger).ok
    return procs * n / (max(finished) - start)


def appends(admin: str, n: int) -> list[str]:
    out = ["| processes | chains | events | events/s |", "|---:|---|---:|---:|"]
    for procs, hot in ((1, False), (4, False), (4, True)):
        with scratch(admin) as url:
            rate = _append_rate(url, procs, n, hot)
        chains = "one shared (hot)" if hot else "one each"
        out.append(f"| {procs} | {chains} | {procs * n} | {rate:,.0f} |")
    return out


# -- workers ---------------------------------------------------------------------------------
def _env(url: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("ORCHESTRATE_")}
    return {**base, "ORCHESTRATE_LEDGER": url}


def _ts(event: LedgerEvent) -> float:
    return datetime.fromisoformat(event.ts).timestamp()


def _drain(url: str, items: int, workers: int, latency_ms: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "orchestrate.toml").write_text(
            f"[runtimes.mock]\nlatency_ms = {latency_ms}\n[queue]\npoll_s = 0.05\n"
        )
        config = Config(ledger=LedgerSection(url=url, path=Path(tmp) / "local"))
        with Orchestrator(config) as orch:
            rids = [orch.enqueue(f"{TEXT} #{i}").request_id for i in range(items)]
        start = time.perf_counter()
        procs = [
            subprocess.Popen(
                [ORCHESTRATE, "worker", "--drain"],
                cwd=tmp,
                env=_env(url),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(workers)
        ]
        for p in procs:
            if p.wait(timeout=1800) != 0:
                raise SystemExit(f"worker failed: {p.stderr.read() if p.stderr else ''}")
        wall = time.perf_counter() - start
    ledger = ledger_at(url)
    chains = [ledger.read_events(rid) for rid in rids]
    assert all(ledger.view(rid).state.value in ("CLOSED", "BLOCKED") for rid in rids)
    first = min(_ts(e) for chain in chains for e in chain if e.action.value == "CLAIMED")
    last = max(_ts(chain[-1]) for chain in chains)
    return items / (last - first), items / wall


def workers(admin: str, items_slow: int, items_fast: int, counts: list[int]) -> list[str]:
    out = [
        "| mock latency_ms | workers | items | items/s (claim→last event) | items/s (wall) |",
        "|---:|---:|---:|---:|---:|",
    ]
    for latency, items in ((300, items_slow), (0, items_fast)):
        for count in counts:
            with scratch(admin) as url:
                busy, wall = _drain(url, items, count, latency)
            out.append(f"| {latency} | {count} | {items} | {busy:.2f} | {wall:.2f} |")
    return out


# -- generated ledgers: verify and list ------------------------------------------------------
def _generate(url: str, requests: int, per_request: int) -> int:
    """Rows exactly as the ledger seals them, bulk-loaded with COPY (appending 100k events
    one transaction at a time would take minutes and measure nothing new)."""
    ledger_at(url)  # sets up the schema
    day = ids.day_of(utc_now())
    kinds = ("bug", "feature", "incident")
    packet_rows: list[tuple[object, ...]] = []
    event_rows: list[tuple[object, ...]] = []
    index_rows: list[tuple[object, ...]] = []
    for r in range(1, requests + 1):
        rid = ids.format_id(day, r)
        packet = RequestPacket(
            request_id=rid, created_at=iso(utc_now()), title=f"request {r}", text=TEXT
        )
        stored = packet.stored()
        packet_rows.append(
            (rid, day, r, canonical_bytes(stored) + b"\n", sha256_hex(TEXT.encode()))
        )
        created = ev.RequestCreated(
            title=packet.title, source="cli", packet_sha256=packet_sha256(stored)
        )
        triaged = ev.Triaged(
            kind=kinds[r % 3], severity="high", priority="P2", confidence=0.9, route=["dev"]
        )
        script: list[ev.Details] = [created, triaged]
        script += [ev.Handoff(from_="dev", round=k) for k in range(per_request - 2)]
        prev, chain = GENESIS, []
        for seq, details in enumerate(script, start=1):
            body = {
                "seq": seq,
                "ts": iso(utc_now()),
                "request_id": rid,
                "actor": "bench",
                "action": str(type(details).action),
                "details": ev.dump(details),
                "prev": prev,
            }
            digest, line = sealed_line(body)
            event_rows.append((rid, seq, body["action"], digest, line))
            chain.append(LedgerEvent.model_validate({**body, "hash": digest}))
            prev = digest
        view = fold(rid, chain)
        index_rows.append((rid, day, r, view.state.value, json.dumps(index_entry(view))))
    with psycopg.connect(url) as conn:
        for sql, rows in (
            ("COPY packets (request_id, day, number, sealed, text_sha256) FROM STDIN", packet_rows),
            ("COPY events (request_id, seq, action, hash, sealed) FROM STDIN", event_rows),
            ("COPY item_index (request_id, day, number, state, entry) FROM STDIN", index_rows),
        ):
            with conn.cursor().copy(sql.encode()) as copy:
                for row in rows:
                    copy.write_row(row)
        conn.execute("SELECT setval('request_number', %s)", (requests,))
    return requests * per_request


def _timed(fn: Callable[[], object], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return sorted(samples)[len(samples) // 2]


def verifying(admin: str, sizes: list[int], runs: int) -> list[str]:
    out = ["| events | requests | verify s | events/s |", "|---:|---:|---:|---:|"]
    for size in sizes:
        with scratch(admin) as url:
            _generate(url, size // 20, 20)
            ledger = ledger_at(url)
            report = verify(ledger)
            assert report.ok and report.events == size, report.findings[:3]
            took = _timed(lambda ledger=ledger: verify(ledger), runs)
        out.append(f"| {size:,} | {size // 20:,} | {took:.2f} | {size / took:,.0f} |")
    return out


def listing(admin: str, requests: int, runs: int) -> list[str]:
    out = ["| requests | what | seconds |", "|---:|---|---:|"]
    with scratch(admin) as url:
        _generate(url, requests, 3)
        ledger = ledger_at(url)
        assert len(ledger.index()) == requests
        out.append(
            f"| {requests:,} | `index()` (what list reads) | {_timed(ledger.index, runs):.2f} |"
        )
        for args in (["list", "--kind", "incident", "--state", "BLOCKED"], ["list", "--json"]):
            cmd = [ORCHESTRATE, *args]
            took = _timed(
                lambda cmd=cmd: subprocess.run(
                    cmd, env=_env(url), stdout=subprocess.DEVNULL, check=True
                ),
                runs,
            )
            out.append(f"| {requests:,} | `orchestrate {' '.join(args)}` (process) | {took:.2f} |")
    return out


# -- takeover --------------------------------------------------------------------------------
def takeover(admin: str, lease_s: float) -> list[str]:
    with scratch(admin) as url, tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "orchestrate.toml").write_text(
            f"[runtimes.mock]\nlatency_ms = 3000\n[queue]\nlease_s = {lease_s}\npoll_s = 0.1\n"
        )
        config = Config(ledger=LedgerSection(url=url, path=Path(tmp) / "local"))
        with Orchestrator(config) as orch:
            rid = orch.enqueue(TEXT).request_id
        ledger = ledger_at(url)

        def spawn() -> subprocess.Popen[str]:
            return subprocess.Popen(
                [ORCHESTRATE, "worker"], cwd=tmp, env=_env(url), stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, text=True,
            )  # fmt: skip

        first = spawn()
        while "ROLE_STARTED" not in [e.action.value for e in ledger.read_events(rid)]:
            time.sleep(0.02)
        second = spawn()
        time.sleep(2.5)  # the second worker is up and polling; the first is mid-role (3 s)
        killed = time.time()
        first.send_signal(signal.SIGKILL)
        first.wait()
        while ledger.view(rid).state.value not in ("CLOSED", "BLOCKED"):
            time.sleep(0.05)
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=60)
        chain = ledger.read_events(rid)
        expired = next(e for e in chain if e.action.value == "LEASE_EXPIRED")
        done = chain[-1]
    return [
        "| lease_s | kill → LEASE_EXPIRED s | kill → CLOSED s |",
        "|---:|---:|---:|",
        f"| {lease_s} | {_ts(expired) - killed:.2f} | {_ts(done) - killed:.2f} |",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument(
        "--only", nargs="+", default=["appends", "workers", "verify", "list", "takeover"]
    )
    parser.add_argument("--appends", type=int, default=500, help="events per process")
    parser.add_argument("--items-slow", type=int, default=16)
    parser.add_argument("--items-fast", type=int, default=40)
    parser.add_argument("--worker-counts", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--list-requests", type=int, default=100_000)
    parser.add_argument("--lease-s", type=float, default=3.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--markdown", type=Path)
    args = parser.parse_args(argv)
    sections: dict[str, tuple[str, Callable[[], list[str]]]] = {
        "appends": ("Appends", lambda: appends(args.url, args.appends)),
        "workers": (
            "Workers",
            lambda: workers(args.url, args.items_slow, args.items_fast, args.worker_counts),
        ),
        "verify": ("verify", lambda: verifying(args.url, args.sizes, args.runs)),
        "list": ("list", lambda: listing(args.url, args.list_requests, args.runs)),
        "takeover": ("Takeover of a SIGKILLed worker", lambda: takeover(args.url, args.lease_s)),
    }
    printed: list[str] = []
    for key in args.only:
        title, run = sections[key]
        block = [f"### {title}", "", *run(), ""]
        print("\n".join(block), flush=True)
        printed += block
    if args.markdown:
        args.markdown.write_text("\n".join(printed))
    return 0


if __name__ == "__main__":
    sys.exit(main())

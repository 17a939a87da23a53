"""Load on `orchestrate serve` from a second process on loopback.

1. Acknowledgements: 16 concurrent clients POST `/v1/items` and signed GitHub `issues`
   webhooks while the in-process workers run what they accept; acks/s and p50/p99 latency.
2. Workers: items finished per second with 1, 2 and 4 in-process workers when every model
   call takes `latency_ms` (mock), so the run is latency-bound; ratio 4 vs 1.
3. Memory: the service's RSS after it has accepted and finished N items.

    python bench/service_load.py [--acks 2000] [--items 40] [--latency-ms 200] [--memory 10000]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from orchestrator.service.sources.github import sign

ORCHESTRATE = str(Path(sys.executable).with_name("orchestrate"))
SECRET = "bench-secret"
TOKEN = "bench-token"
TEXTS = (
    "login returns 500 for every user",
    "Add an export to CSV for the monthly report",
    "Checkout is down for all users since the 14:02 deploy",
    "The invoice PDF cuts off the last page",
)


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Service:
    def __init__(self, directory: Path, workers: int, latency_ms: int) -> None:
        self.directory = directory
        (directory / "orchestrate.toml").write_text(
            f'[ledger]\npath = "{directory / "coordination"}"\n'
            f"[runtimes.mock]\nlatency_ms = {latency_ms}\n"
            "[queue]\npoll_s = 0.02\nmax_depth = 100000\n"
        )
        self.url = f"http://127.0.0.1:{_port()}"
        env = {
            **os.environ, "ORCHESTRATE_CONFIG": str(directory / "orchestrate.toml"),
            "ORCHESTRATE_API_TOKEN": TOKEN, "ORCHESTRATE_GITHUB_WEBHOOK_SECRET": SECRET,
        }  # fmt: skip
        self.process = subprocess.Popen(
            [ORCHESTRATE, "serve", "--port", self.url.rsplit(":", 1)[1], "--workers",
             str(workers), "--no-access-log"],
            cwd=directory, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise SystemExit("the service did not start")

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {TOKEN}"})

    def rss_mib(self) -> float:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
        return kb / 1024

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(60)


def _post_item(client: httpx.Client, n: int) -> int:
    return client.post("/v1/items", json={"text": f"{TEXTS[n % 4]} (#{n})"}).status_code


def _post_webhook(client: httpx.Client, n: int) -> int:
    issue = {
        "action": "opened",
        "issue": {"number": n + 1, "title": TEXTS[n % 4], "body": f"seen by user {n}",
                  "html_url": f"https://github.com/o/r/issues/{n + 1}", "user": {"login": "u"}},
        "repository": {"full_name": "o/r"},
    }  # fmt: skip
    body = json.dumps(issue).encode()
    headers = {
        "content-type": "application/json", "x-github-event": "issues",
        "x-github-delivery": f"bench-{n}", "x-hub-signature-256": sign(SECRET, body),
    }  # fmt: skip
    return client.post("/webhooks/github", content=body, headers=headers).status_code


def acks(service: Service, total: int, clients: int, post: object) -> tuple[float, float, float]:
    """`total` requests from `clients` threads; (acks/s, p50 ms, p99 ms)."""
    latencies: list[float] = []
    lock = threading.Lock()
    counter = iter(range(total))

    def run() -> None:
        with service.client() as client:
            for n in counter:
                started = time.perf_counter()
                status = post(client, n)  # type: ignore[operator]
                took = time.perf_counter() - started
                if status != 202:
                    raise SystemExit(f"answer {status}")
                with lock:
                    latencies.append(took)

    threads = [threading.Thread(target=run) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return total / elapsed, statistics.median(latencies) * 1000, p99 * 1000


def _wait_finished(service: Service, expected: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    with service.client() as client:
        while time.monotonic() < deadline:
            page = client.get("/v1/items", params={"limit": 1, "state": "CLOSED"}).json()
            blocked = client.get("/v1/items", params={"limit": 1, "state": "BLOCKED"}).json()
            if page["total"] + blocked["total"] >= expected:
                return
            time.sleep(0.05)
    raise SystemExit("items did not finish in time")


def finishing(workers: int, items: int, latency_ms: int) -> float:
    """Items finished per second: queue `items` with the workers held back, then time them."""
    with tempfile.TemporaryDirectory() as tmp:
        held = Service(Path(tmp), 0, latency_ms)
        with held.client() as client:
            for n in range(items):
                _post_item(client, n)
        held.stop()
        service = Service(Path(tmp), workers, latency_ms)
        started = time.perf_counter()
        _wait_finished(service, items, 600)
        elapsed = time.perf_counter() - started
        service.stop()
    return items / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--acks", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--items", type=int, default=40)
    parser.add_argument("--latency-ms", type=int, default=200)
    parser.add_argument("--memory", type=int, default=10000)
    args = parser.parse_args()

    print(f"-- acknowledgements: {args.acks} requests, {args.clients} clients, 2 workers running")
    for name, post in (("POST /v1/items", _post_item), ("signed GitHub webhook", _post_webhook)):
        with tempfile.TemporaryDirectory() as tmp:
            service = Service(Path(tmp), 2, 0)
            rate, p50, p99 = acks(service, args.acks, args.clients, post)
            service.stop()
        print(f"{name:<24} {rate:7.1f} acks/s   p50 {p50:6.1f} ms   p99 {p99:6.1f} ms")

    print(f"-- workers: {args.items} items, mock latency_ms = {args.latency_ms}")
    rates = {w: finishing(w, args.items, args.latency_ms) for w in (1, 2, 4)}
    for w, rate in rates.items():
        print(f"{w} worker(s): {rate:6.2f} items/s   ({rate / rates[1]:.2f}x one)")

    if args.memory:
        print(f"-- memory: {args.memory} items accepted and finished (mock, latency 0, 2 workers)")
        with tempfile.TemporaryDirectory() as tmp:
            service = Service(Path(tmp), 2, 0)
            start_rss = service.rss_mib()
            acks(service, args.memory, args.clients, _post_item)
            _wait_finished(service, args.memory, 3600)
            print(f"RSS at start {start_rss:.0f} MiB, after {args.memory} items "
                  f"{service.rss_mib():.0f} MiB")  # fmt: skip
            service.stop()


if __name__ == "__main__":
    main()

"""The real service on loopback for tests: uvicorn in a thread (or `orchestrate serve` in a
process), a temp ledger, and helpers to sign webhooks and wait for items to finish."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn

from orchestrator.config import load_config
from orchestrator.service.app import create_app
from orchestrator.service.state import ServiceState

API_TOKEN = "test-api-token-0123456789"
GITHUB_SECRET = "It's a Secret to Everybody"
ALERT_TOKEN = "alertmanager-token-abcdef"
ORCHESTRATE = str(Path(sys.executable).with_name("orchestrate"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


QUICK_QUEUE = {"lease_s": 2.0, "poll_s": 0.02, "grace_s": 5}


def write_config(
    directory: Path, extra: str = "", queue: Mapping[str, float] | None = None
) -> Path:
    """A config with a quick queue (`queue` overrides its keys) and `extra` tables."""
    table = "\n".join(f"{k} = {v}" for k, v in {**QUICK_QUEUE, **(queue or {})}.items())
    path = directory / "orchestrate.toml"
    path.write_text(f'[ledger]\npath = "{directory / "coordination"}"\n[queue]\n{table}\n{extra}')
    return path


@dataclass
class Running:
    url: str
    state: ServiceState
    ledger: Path

    def client(self, token: str | None = API_TOKEN) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)


@contextlib.contextmanager
def serving(
    directory: Path,
    extra: str = "",
    workers: int | None = None,
    queue: Mapping[str, float] | None = None,
) -> Iterator[Running]:
    """The app over a fresh ledger in `directory`, served on a free loopback port; the
    caller sets the secrets in the environment first (they are read at start)."""
    config = load_config(write_config(directory, extra, queue))
    app = create_app(config, workers=workers)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started, 15, "the service to start")
    try:
        yield Running(f"http://127.0.0.1:{port}", app.state.service, directory / "coordination")
    finally:
        server.should_exit = True
        thread.join(30)


def wait_until(check: Callable[[], object], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


def finished(client: httpx.Client, request_ids: list[str]) -> bool:
    for rid in request_ids:
        state = client.get(f"/v1/items/{rid}").json()["item"]["state"]
        if state not in ("CLOSED", "BLOCKED"):
            return False
    return True


def serve_process(
    directory: Path, *args: str, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[str], str]:
    """`orchestrate serve` as a user starts it, on a free port; returns it and its URL."""
    port = free_port()
    full_env = {**os.environ, **(env or {})}
    process = subprocess.Popen(
        [ORCHESTRATE, "serve", "--port", str(port), "--no-access-log", *args],
        cwd=directory, env=full_env, stdout=(directory / "serve.log").open("a"),
        stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        if process.poll() is not None:
            output = (directory / "serve.log").read_text()
            raise AssertionError(f"serve exited {process.returncode}: {output}")
        try:
            return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(up, 30, "orchestrate serve to answer /healthz")
    return process, url

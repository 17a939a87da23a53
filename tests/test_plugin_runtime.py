"""A third-party runtime, installed as a distribution with an `orchestrate.runtimes` entry point,
runs a role end to end: the plugin of docs/plugins.md against a loopback gateway."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import actions, events_of

PLUGIN_PATH = Path(__file__).parent / "data" / "plugin"
ORCHESTRATE = Path(sys.executable).with_name("orchestrate")
TOKEN = "inhouse-token-4f1c9a"
DEV_REPLY = {
    "summary": "Null check missing in the save handler",
    "root_cause_hypothesis": "editor.js dereferences a draft before it is loaded",
    "affected_components": ["editor"],
    "plan": ["Guard the save handler", "Add a regression test"],
    "risk": "low",
}


class Gateway(ThreadingHTTPServer):
    requests: list[dict[str, Any]]


class _Handler(BaseHTTPRequestHandler):
    server: Gateway

    def log_message(self, *args: object) -> None:
        return None

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._answer(200, {"ok": True})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append({"auth": self.headers.get("Authorization"), **body})
        usage = {"input_tokens": 42, "output_tokens": 17}
        self._answer(200, {"text": json.dumps(DEV_REPLY), "model": "gw-7b", "usage": usage})


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    server = Gateway(("127.0.0.1", 0), _Handler)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


def _run(*args: str, cwd: Path, token: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORCHESTRATE_")}
    env["PYTHONPATH"] = str(PLUGIN_PATH)
    if token:
        env["INHOUSE_TOKEN"] = TOKEN
    else:
        env.pop("INHOUSE_TOKEN", None)
    return subprocess.run(
        [str(ORCHESTRATE), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def _config(tmp_path: Path, gateway: Gateway, extra: str = "") -> None:
    url = f"http://127.0.0.1:{gateway.server_address[1]}"
    (tmp_path / "orchestrate.toml").write_text(
        f'[runtimes.inhouse]\nbase_url = "{url}"\nmodel = "gw-7b"\n{extra}', encoding="utf-8"
    )


def test_a_plugin_runtime_works_a_role_through_submit(tmp_path: Path, gateway: Gateway) -> None:
    _config(tmp_path, gateway)
    text = "Crash in editor.js when saving a draft: TypeError, expected saved"
    done = _run("submit", text, "--runtime", "dev=inhouse", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["state"] == "CLOSED"
    [request] = gateway.requests
    assert request["auth"] == f"Bearer {TOKEN}" and request["model"] == "gw-7b"
    assert request["schema"]["title"] == "DevArtifact"
    events = events_of(tmp_path / "coordination", result["request_id"])
    [dev] = [e for e in events if e["action"] == "ROLE_COMPLETED" and e["details"]["role"] == "dev"]
    assert dev["details"]["runtime"] == "inhouse" and dev["details"]["model"] == "gw-7b"
    assert dev["details"]["output"]["root_cause_hypothesis"] == DEV_REPLY["root_cause_hypothesis"]
    assert dev["details"]["usage"] == {"input_tokens": 42, "output_tokens": 17}
    assert "CLOSED" in json.dumps([e for e in events if e["action"] == "STATE_CHANGED"][-1])
    written = [p for p in (tmp_path / "coordination").rglob("*") if p.is_file()]
    assert all(TOKEN.encode() not in p.read_bytes() for p in written)
    assert "ROLE_FAILED" not in actions(events)


def test_a_plugin_is_listed_and_probed(tmp_path: Path, gateway: Gateway) -> None:
    _config(tmp_path, gateway)
    done = _run("runtimes", "--probe", "--json", cwd=tmp_path)
    rows = {r["name"]: r for r in json.loads(done.stdout)["runtimes"]}
    assert rows["inhouse"]["usable"] is True
    assert rows["inhouse"]["probe"]["ok"] is True and rows["inhouse"]["model"] == "gw-7b"
    missing = _run("runtimes", "--json", cwd=tmp_path, token=False)
    row = {r["name"]: r for r in json.loads(missing.stdout)["runtimes"]}["inhouse"]
    assert row["usable"] is False and "INHOUSE_TOKEN" in row["detail"]


def test_a_typo_in_the_plugins_table_is_refused_up_front(tmp_path: Path, gateway: Gateway) -> None:
    _config(tmp_path, gateway, "temprature = 0.5\n")
    done = _run("submit", "login returns 500", "--runtime", "dev=inhouse", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"error: invalid config ({tmp_path / 'orchestrate.toml'}): "
        "runtimes.inhouse.temprature: unknown key"
    ]
    assert not (tmp_path / "coordination").exists()
    assert gateway.requests == []

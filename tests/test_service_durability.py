"""Nothing accepted is lost: a burst of 200 items is finished with the ledger sound, a
service SIGKILLed mid-burst finishes every item it acknowledged once started again, and
SIGTERM lets runs finish or leaves them resumable, with no role run twice."""

from __future__ import annotations

import os
import signal
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from orchestrator.ledger import FileLedger
from orchestrator.ledger.verify import verify
from tests.helpers import events_of
from tests.service_helpers import (
    ORCHESTRATE,
    finished,
    serve_process,
    serving,
    wait_until,
    write_config,
)

TEXTS = (
    "login returns 500 for every user",
    "Add an export to CSV for the monthly report",
    "Checkout is down for all users since the 14:02 deploy",
    "The invoice PDF cuts off the last page",
)


def roles_twice(ledger: Path, rid: str) -> list[tuple[str, int]]:
    done = Counter(
        (e["details"]["role"], e["details"]["round"])
        for e in events_of(ledger, rid)
        if e["action"] == "ROLE_COMPLETED"
    )
    return [key for key, n in done.items() if n > 1]


def test_a_burst_of_200_items_is_accepted_and_finished_with_the_ledger_sound(tmp_path):
    with serving(tmp_path, workers=2) as svc, svc.client(None) as api:

        def post(n: int) -> httpx.Response:
            with httpx.Client(base_url=svc.url, timeout=30) as own:
                return own.post("/v1/items", json={"text": f"{TEXTS[n % 4]} (#{n})"})

        with ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(post, range(200)))
        assert [a.status_code for a in answers] == [202] * 200
        rids = [a.json()["request_id"] for a in answers]
        assert len(set(rids)) == 200
        wait_until(lambda: finished(api, rids), 240, "200 items to finish")
        report = verify(FileLedger(svc.ledger))
        assert report.ok and report.requests == 200, report.findings
        assert all(not roles_twice(svc.ledger, rid) for rid in rids)


@pytest.mark.slow
def test_a_service_killed_mid_burst_finishes_everything_it_acknowledged(tmp_path):
    write_config(tmp_path, "[runtimes.mock]\nlatency_ms = 20\n")
    env = {"ORCHESTRATE_CONFIG": str(tmp_path / "orchestrate.toml")}
    process, url = serve_process(tmp_path, "--workers", "2", env=env)
    acknowledged: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def client(n: int) -> None:
        with httpx.Client(base_url=url, timeout=10) as own:
            for k in range(40):
                if stop.is_set():
                    return
                try:
                    answer = own.post("/v1/items", json={"text": f"{TEXTS[k % 4]} ({n}-{k})"})
                except httpx.HTTPError:
                    return  # the service died under us: not acknowledged
                if answer.status_code == 202:
                    with lock:
                        acknowledged.append(answer.json()["request_id"])

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    wait_until(lambda: len(acknowledged) >= 60, 60, "60 acknowledgements")
    os.kill(process.pid, signal.SIGKILL)
    process.wait(10)
    stop.set()
    for t in threads:
        t.join(15)
    ledger = tmp_path / "coordination"
    assert len(acknowledged) >= 60

    again, url = serve_process(tmp_path, "--workers", "2", env=env)
    try:
        with httpx.Client(base_url=url, timeout=10) as api:
            wait_until(lambda: finished(api, acknowledged), 180, "every acknowledged item")
    finally:
        again.send_signal(signal.SIGTERM)
        assert again.wait(30) == 0
    report = verify(FileLedger(ledger))
    assert report.ok, report.findings
    assert all(not roles_twice(ledger, rid) for rid in acknowledged)


@pytest.mark.slow
def test_sigterm_stops_intake_and_leaves_nothing_half_done(tmp_path):
    write_config(tmp_path, "[runtimes.mock]\nlatency_ms = 300\n", queue={"grace_s": 0.5})
    env = {"ORCHESTRATE_CONFIG": str(tmp_path / "orchestrate.toml")}
    process, url = serve_process(tmp_path, "--workers", "1", env=env)
    with httpx.Client(base_url=url, timeout=10) as api:
        rids = [api.post("/v1/items", json={"text": text}).json()["request_id"] for text in TEXTS]
        wait_until(
            lambda: api.get(f"/v1/items/{rids[0]}").json()["item"]["queue"] == "claimed",
            30, "the first claim",
        )  # fmt: skip
    process.send_signal(signal.SIGTERM)
    assert process.wait(30) == 0
    log = (tmp_path / "serve.log").read_text()
    assert "Traceback" not in log
    ledger = tmp_path / "coordination"
    assert verify(FileLedger(ledger)).ok

    again, url = serve_process(tmp_path, "--workers", "2", env=env)
    try:
        with httpx.Client(base_url=url, timeout=10) as api:
            wait_until(lambda: finished(api, rids), 120, "the items after the restart")
            assert {api.get(f"/v1/items/{r}").json()["item"]["state"] for r in rids} == {"CLOSED"}
    finally:
        again.send_signal(signal.SIGTERM)
        again.wait(30)
    assert all(not roles_twice(ledger, rid) for rid in rids)


def test_serve_refuses_an_open_service_off_loopback(tmp_path):
    import subprocess

    env = {k: v for k, v in os.environ.items() if not k.startswith("ORCHESTRATE_")}
    done = subprocess.run(
        [ORCHESTRATE, "serve", "--host", "0.0.0.0"], cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: refusing to serve on 0.0.0.0 without ORCHESTRATE_API_TOKEN: set a token, or "
        "use --host 127.0.0.1"
    ]
    assert not (tmp_path / "coordination").exists()

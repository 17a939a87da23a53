"""Serve the app with uvicorn: refuse an open service off loopback, log one format, and on
SIGTERM stop intake, let runs finish (`[queue] grace_s`) or leave them resumable, exit 0."""

from __future__ import annotations

import ipaddress
import logging
import os
import signal

from orchestrator.config import Config
from orchestrator.errors import InputError
from orchestrator.service.auth import TOKEN_VAR

LOOPBACK_NAMES = frozenset({"localhost", "ip6-localhost"})


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(host: str) -> None:
    """No token means anyone who can reach the port can act: allowed on loopback only."""
    if not os.environ.get(TOKEN_VAR) and not is_loopback(host):
        raise InputError(
            f"refusing to serve on {host} without {TOKEN_VAR}: set a token, or use --host 127.0.0.1"
        )


def serve(config: Config, host: str, port: int, workers: int, access_log: bool = True) -> None:
    import uvicorn

    from orchestrator.service.app import create_app

    check_exposure(host)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app = create_app(config, workers=workers)
    app.state.service.orch.preflight()  # no usable runtime: one line and exit 6, not a trace
    server = uvicorn.Server(
        uvicorn.Config(
            app, host=host, port=port, log_config=None, access_log=access_log,
            timeout_graceful_shutdown=int(config.queue.grace_s) or None,
            server_header=False,
        )
    )  # fmt: skip
    # uvicorn handles SIGTERM/SIGINT while it runs (stop intake, drain, lifespan shutdown)
    # and raises the signal again afterwards for the handler it found: make that a no-op, so
    # a service stopped as it should be exits 0.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _stopped)
    server.run()


def _stopped(signum: int, frame: object) -> None:
    return None

"""OpenTelemetry for runs: one trace per run, GenAI spans and metrics — only when configured.

Nothing of OpenTelemetry is imported until the `OTEL_*` variables ask for telemetry (see
`settings`) and the `otel` extra is installed; asked for but not installed, one warning line
is logged and runs go on untraced. A host process (the service, a test) may `install` a
`Telemetry` of its own instead: its providers, its readers.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING

from orchestrator.telemetry.api import NO_TRACE, RunTrace
from orchestrator.telemetry.settings import Settings

if TYPE_CHECKING:  # the OpenTelemetry side, imported only when telemetry is on
    from orchestrator.telemetry.tracing import Telemetry

log = logging.getLogger("orchestrate.telemetry")

_lock = threading.Lock()
_installed: Telemetry | None = None
_from_env: Telemetry | None = None
_unavailable = False  # asked for but impossible (packages missing, ...): said once, not again


def install(telemetry: Telemetry | None) -> None:
    """Use `telemetry` for every run from now on (None: back to the `OTEL_*` variables)."""
    global _installed
    _installed = telemetry


def current() -> Telemetry | None:
    """The telemetry runs report to, or None when it is off (then nothing is imported)."""
    if _installed is not None:
        return _installed
    settings = Settings.from_env(os.environ)
    if not settings.wanted:
        return None
    return _built(settings)


def _built(settings: Settings) -> Telemetry | None:
    global _from_env, _unavailable
    with _lock:
        if _from_env is None and not _unavailable:
            try:
                from orchestrator.telemetry.tracing import Telemetry
            except ImportError as exc:
                if not (exc.name or "").startswith("opentelemetry"):
                    raise
                _unavailable = True
                log.warning(
                    "warning: %s is set but OpenTelemetry is not installed "
                    "(pip install 'orchestrate[otel]'); telemetry is off",
                    settings.asked_by,
                )
            else:
                try:
                    _from_env = Telemetry.from_settings(settings)
                except Exception as exc:  # a bad exporter setting must not stop the work
                    _unavailable = True
                    log.warning("warning: telemetry is off: %s: %s", type(exc).__name__, exc)
        return _from_env


def run(
    request_id: str, trace_context: Mapping[str, str] | None = None, resumed: bool = False
) -> AbstractContextManager[RunTrace]:
    """Around one run of `request_id`: its workflow span, continuing the W3C trace context in
    `trace_context` (incoming headers, or a carrier saved with a queued item) when given."""
    telemetry = current()
    if telemetry is None:
        return nullcontext(NO_TRACE)
    return telemetry.run(request_id, trace_context, resumed)


def carrier() -> dict[str, str]:
    """The current trace context as headers (`traceparent`, …), to keep with a queued item and
    pass back as `trace_context` when it runs; empty when telemetry is off."""
    if current() is None:
        return {}
    from orchestrator.telemetry import propagation

    return propagation.inject()


__all__ = ["NO_TRACE", "RunTrace", "carrier", "current", "install", "run"]

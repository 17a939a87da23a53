"""Trace context across a process boundary: continue an incoming one, hand the current one on.

W3C Trace Context (`traceparent`, `tracestate`) and baggage, or whatever `OTEL_PROPAGATORS`
names: the global propagator decides. Header names are matched case-insensitively.
"""

from __future__ import annotations

from collections.abc import Mapping

from opentelemetry import propagate
from opentelemetry.context import Context


def extract(headers: Mapping[str, str]) -> Context:
    """The context to continue from incoming `headers` (empty when they carry none)."""
    return propagate.extract({name.lower(): value for name, value in headers.items()})


def inject(context: Context | None = None) -> dict[str, str]:
    """The current (or given) context as headers, e.g. to keep with a queued item."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier, context=context)
    return carrier

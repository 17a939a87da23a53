"""GenAI client metrics on the service's `/metrics`, beside its own: a Prometheus reader.

The service calls `enable()` once at startup; every run from then on records
`gen_ai_client_operation_duration_seconds` and `gen_ai_client_token_usage` (histograms)
into prometheus_client's registry, which its `/metrics` renders (`make_asgi_app()` or
`generate_latest()`). Traces stay as the `OTEL_*` variables configure them.
"""

from __future__ import annotations

import os

from opentelemetry.exporter.prometheus import PrometheusMetricReader
from opentelemetry.sdk.metrics import MeterProvider
from prometheus_client import REGISTRY, CollectorRegistry

from orchestrator import telemetry
from orchestrator.telemetry import exporters
from orchestrator.telemetry.settings import Settings
from orchestrator.telemetry.tracing import Telemetry


def enable(registry: CollectorRegistry = REGISTRY) -> Telemetry:
    """Record every run's GenAI metrics into `registry` (and to any `OTEL_METRICS_EXPORTER`).

    The meter provider is the service's own, not the process-global one, so it works
    whatever else set that; call once (a second reader on one registry repeats each series)."""
    settings = Settings.from_env(os.environ)
    readers = [PrometheusMetricReader(registry=registry), *exporters.metric_readers(settings)]
    provider = MeterProvider(metric_readers=readers, resource=exporters.resource())
    enabled = Telemetry.from_settings(settings, meter_provider=provider)
    telemetry.install(enabled)
    return enabled

"""SDK providers built from the `OTEL_*` variables: console (to stderr) and OTLP exporters.

A provider the process already set globally (a host application's) is used as it is; else
ours becomes the global one, so other instrumentations in the process share it. The console
exporters write to stderr, so `--json` output on stdout stays clean JSON. The OTLP exporters
read their own variables (endpoint, headers, timeout); the protocol is `http/protobuf`. The
SDK shuts the providers down, flushing what is buffered, when the process exits.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from importlib.metadata import PackageNotFoundError, version

from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import (
    ConsoleMetricExporter,
    MetricExporter,
    MetricReader,
    PeriodicExportingMetricReader,
)
from opentelemetry.sdk.resources import SERVICE_NAME, SERVICE_VERSION, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter

from orchestrator.telemetry.settings import Settings

log = logging.getLogger("orchestrate.telemetry")


def package_version() -> str:
    with contextlib.suppress(PackageNotFoundError):
        return version("orchestrate")
    return "0"


def resource() -> Resource:
    """`OTEL_SERVICE_NAME` / `OTEL_RESOURCE_ATTRIBUTES` as given; `orchestrate` otherwise."""
    found = Resource.create()
    ours = {SERVICE_VERSION: package_version()}
    if str(found.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
        ours[SERVICE_NAME] = "orchestrate"
    return found.merge(Resource(ours))


def _otlp_over_http(signal: str) -> bool:
    """Only OTLP over HTTP is shipped (the `otel` extra); gRPC is refused, not guessed at."""
    env = os.environ
    chosen = env.get(f"OTEL_EXPORTER_OTLP_{signal}_PROTOCOL") or env.get(
        "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"
    )
    if chosen.strip().lower() == "http/protobuf":
        return True
    _ignored("OTEL_EXPORTER_OTLP_PROTOCOL", chosen, "supported: http/protobuf")
    return False


def _ignored(variable: str, value: str, why: str) -> None:
    log.warning("warning: %s=%s: %s; ignored", variable, value, why)


def _span_exporter(name: str) -> SpanExporter | None:
    if name == "console":
        return ConsoleSpanExporter(out=sys.stderr)
    if name == "otlp":
        if not _otlp_over_http("TRACES"):
            return None
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter()
    _ignored("OTEL_TRACES_EXPORTER", name, "supported: console, otlp")
    return None


def _metric_exporter(name: str) -> MetricExporter | None:
    if name == "console":
        return ConsoleMetricExporter(out=sys.stderr)
    if name == "otlp":
        if not _otlp_over_http("METRICS"):
            return None
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter

        return OTLPMetricExporter()
    _ignored("OTEL_METRICS_EXPORTER", name, "supported: console, otlp")
    return None


def tracer_provider(settings: Settings) -> trace.TracerProvider:
    """The process's tracer provider, built and set globally if nobody did yet."""
    existing = trace.get_tracer_provider()
    if isinstance(existing, TracerProvider) or not settings.traces:
        return existing
    provider = TracerProvider(resource=resource())
    for name in settings.traces:
        exporter = _span_exporter(name)
        if exporter is not None:
            provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    return provider


def metric_readers(settings: Settings) -> list[MetricReader]:
    """A periodic reader per exporter `OTEL_METRICS_EXPORTER` names (flushed at exit)."""
    exporters = (_metric_exporter(name) for name in settings.metrics)
    return [PeriodicExportingMetricReader(e) for e in exporters if e is not None]


def meter_provider(settings: Settings) -> metrics.MeterProvider:
    """The process's meter provider, built and set globally if nobody did yet."""
    existing = metrics.get_meter_provider()
    readers = [] if isinstance(existing, MeterProvider) else metric_readers(settings)
    if not readers:
        return existing
    provider = MeterProvider(metric_readers=readers, resource=resource())
    metrics.set_meter_provider(provider)
    return provider

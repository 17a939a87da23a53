"""The GenAI client metrics, recorded once per model call (semconv `gen-ai-metrics.md`).

`gen_ai.client.operation.duration` (s) for every call, failed ones with `error.type`;
`gen_ai.client.token.usage` ({token}) twice per answered call, `gen_ai.token.type` input and
output. Both histograms use the convention's bucket boundaries. They go to whatever meter
provider the telemetry was given: OTLP or console from `OTEL_METRICS_EXPORTER`, or the
service's Prometheus reader (`orchestrator.telemetry.prometheus`).
"""

from __future__ import annotations

from opentelemetry.metrics import MeterProvider
from opentelemetry.util.types import AttributeValue

from adapters.base import Usage
from orchestrator.telemetry import semconv as sc
from orchestrator.telemetry.exporters import package_version


class GenAIMetrics:
    def __init__(self, provider: MeterProvider) -> None:
        meter = provider.get_meter(sc.INSTRUMENTATION, package_version(), sc.SCHEMA_URL)
        self.duration = meter.create_histogram(
            sc.OPERATION_DURATION,
            unit="s",
            description="GenAI operation duration.",
            explicit_bucket_boundaries_advisory=list(sc.DURATION_BUCKETS),
        )
        self.tokens = meter.create_histogram(
            sc.TOKEN_USAGE,
            unit="{token}",
            description="Number of input and output tokens used.",
            explicit_bucket_boundaries_advisory=[float(b) for b in sc.TOKEN_BUCKETS],
        )

    def record(
        self,
        seconds: float,
        *,
        provider: str,
        request_model: str,
        response_model: str | None,
        usage: Usage | None,
        error_type: str | None,
    ) -> None:
        attrs: dict[str, AttributeValue] = {
            sc.OPERATION_NAME: sc.CHAT,
            sc.PROVIDER_NAME: provider,
            sc.REQUEST_MODEL: request_model,
        }
        if response_model:
            attrs[sc.RESPONSE_MODEL] = response_model
        failed = {sc.ERROR_TYPE: error_type} if error_type else {}
        self.duration.record(seconds, {**attrs, **failed})
        if usage is not None:  # a reply that failed validation still cost its tokens
            self.tokens.record(usage.input_tokens, {**attrs, sc.TOKEN_TYPE: "input"})
            self.tokens.record(usage.output_tokens, {**attrs, sc.TOKEN_TYPE: "output"})

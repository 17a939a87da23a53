"""What the standard `OTEL_*` variables ask of us, read without importing OpenTelemetry.

Telemetry is off unless asked for: traces when `OTEL_TRACES_EXPORTER` names an exporter (not
`none`) or an OTLP endpoint is set (`OTEL_EXPORTER_OTLP_ENDPOINT`, `…_TRACES_ENDPOINT`);
metrics when `OTEL_METRICS_EXPORTER` names one or `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` is
set. `OTEL_SDK_DISABLED=true` turns everything off. Prompt and reply text is recorded only
with `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true`, the GenAI instrumentations'
switch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

CAPTURE_CONTENT = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
_CAPTURE_VALUES = frozenset({"true", "1", "yes", "span_only", "span_and_event"})


def _exporters(env: Mapping[str, str], variable: str, *endpoints: str) -> tuple[str, ...]:
    named = env.get(variable, "").strip().lower()
    if named:
        return tuple(n for n in (p.strip() for p in named.split(",")) if n and n != "none")
    return ("otlp",) if any(env.get(e, "").strip() for e in endpoints) else ()


@dataclass(frozen=True)
class Settings:
    traces: tuple[str, ...] = ()  # exporter names: console, otlp
    metrics: tuple[str, ...] = ()
    capture_content: bool = False

    @property
    def wanted(self) -> bool:
        return bool(self.traces or self.metrics)

    @property
    def asked_by(self) -> str:
        """The variable that turned telemetry on, for a message about it."""
        return "OTEL_TRACES_EXPORTER/OTEL_EXPORTER_OTLP_*" if self.traces else "OTEL_METRICS_*"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
            return cls()
        return cls(
            traces=_exporters(
                env,
                "OTEL_TRACES_EXPORTER",
                "OTEL_EXPORTER_OTLP_ENDPOINT",
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            ),
            metrics=_exporters(env, "OTEL_METRICS_EXPORTER", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"),
            capture_content=env.get(CAPTURE_CONTENT, "").strip().lower() in _CAPTURE_VALUES,
        )

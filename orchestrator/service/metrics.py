"""`/metrics`: the service's own Prometheus series, beside the GenAI client metrics.

Counted as things happen: webhook deliveries by source and answer, HTTP latency by route,
run and step latency, runtime errors, write-backs. Read at scrape time from the ledger:
items by state and kind, queue depth, live worker slots. The service's series live in a
registry of its own (so two apps in one process never collide); `render` appends
prometheus_client's global registry, where the GenAI metrics and the process collectors are.
"""

from __future__ import annotations

import threading
import time
from collections import Counter as Tally
from collections.abc import Callable, Iterator

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from orchestrator.ledger import LedgerRepository
from orchestrator.ledger.events import (
    Action,
    RoleCompleted,
    RuntimeTrouble,
    StateChanged,
    Triaged,
)
from orchestrator.ledger.lifecycle import TERMINAL
from orchestrator.ledger.models import LedgerEvent

_RUN_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)
_TROUBLE = frozenset({Action.RUNTIME_RETRY, Action.RUNTIME_FALLBACK})


class _FromLedger(Collector):
    """Gauges computed when scraped, so they are never out of date."""

    def __init__(
        self, ledger: LedgerRepository, depth: Callable[[], int], alive: Callable[[], int]
    ) -> None:
        self.ledger, self.depth, self.alive = ledger, depth, alive

    def collect(self) -> Iterator[Metric]:
        items = GaugeMetricFamily(
            "orchestrate_items", "Items in the ledger by state and kind", labels=["state", "kind"]
        )
        counts = Tally((v.state.value, v.kind or "untriaged") for v in self.ledger.index().values())
        for (state, kind), n in sorted(counts.items()):
            items.add_metric([state, kind], n)
        yield items
        yield GaugeMetricFamily(
            "orchestrate_queue_depth", "Items waiting for a worker", value=self.depth()
        )
        yield GaugeMetricFamily(
            "orchestrate_worker_slots_alive", "In-process worker slots running", value=self.alive()
        )


class ServiceMetrics:
    def __init__(
        self, ledger: LedgerRepository, depth: Callable[[], int], alive: Callable[[], int]
    ) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.webhooks = Counter(
            "orchestrate_webhooks", "Webhook deliveries by source and HTTP status",
            ["source", "status"], registry=r,
        )  # fmt: skip
        self.http = Histogram(
            "orchestrate_http_request_duration_seconds", "HTTP requests by route and status",
            ["method", "route", "status"], registry=r,
        )  # fmt: skip
        self.runs = Histogram(
            "orchestrate_run_duration_seconds", "A worker's run of an item, claim to end",
            ["kind", "state"], buckets=_RUN_BUCKETS, registry=r,
        )  # fmt: skip
        self.steps = Histogram(
            "orchestrate_step_duration_seconds", "One role's (or the triage's) model call",
            ["role", "runtime"], buckets=_RUN_BUCKETS, registry=r,
        )  # fmt: skip
        self.runtime_errors = Counter(
            "orchestrate_runtime_errors", "Failed runtime calls (retried or fallen back)",
            ["runtime", "error"], registry=r,
        )  # fmt: skip
        self.writebacks = Counter(
            "orchestrate_writebacks", "GitHub write-backs by outcome", ["outcome"], registry=r
        )
        r.register(_FromLedger(ledger, depth, alive))

    def observer(self, request_id: str) -> RunMetrics:
        return RunMetrics(self)

    def render(self) -> bytes:
        return generate_latest(self.registry) + generate_latest(REGISTRY)


class RunMetrics:
    """One run's observer: step latencies and errors as they are recorded, the run's
    duration when it ends."""

    def __init__(self, metrics: ServiceMetrics) -> None:
        self.metrics = metrics
        self.started = time.monotonic()
        self.kind = "untriaged"
        self._lock = threading.Lock()

    def created(self, request_id: str) -> None:
        self.started = time.monotonic()

    def recorded(self, event: LedgerEvent) -> None:
        m = self.metrics
        if event.action is Action.TRIAGED:
            triaged = event.read(Triaged)
            with self._lock:
                self.kind = triaged.kind
            m.steps.labels("triage", triaged.runtime or "").observe(triaged.latency_ms / 1000)
        elif event.action is Action.ROLE_COMPLETED:
            done = event.read(RoleCompleted)
            m.steps.labels(done.role, done.runtime or "").observe(done.latency_ms / 1000)
        elif event.action in _TROUBLE:
            trouble = event.typed()
            if isinstance(trouble, RuntimeTrouble):
                m.runtime_errors.labels(trouble.runtime or "", trouble.error_kind or "").inc()
        elif event.action is Action.STATE_CHANGED:
            to = event.read(StateChanged).to
            if to in TERMINAL:
                with self._lock:
                    kind = self.kind
                m.runs.labels(kind, to.value).observe(time.monotonic() - self.started)

"""A second process for the breaker tests: one `Executor.run` with a persisted state dir.

`python -m tests.fakes.child SPEC_JSON` prints `{"runtime", "attempts", "events", "error"}`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from adapters import registry
from adapters.base import AgentCall
from adapters.errors import AdapterError
from adapters.executor import Executor
from adapters.policy import RetryPolicy
from roles.triage import TriageDecision


def main(raw: str) -> None:
    spec = json.loads(raw)
    events: list[list[object]] = []
    executor = Executor(
        settings={n: registry.settings_for(n, s) for n, s in spec.get("settings", {}).items()},
        policy=RetryPolicy(**spec.get("policy", {})),
        sink=lambda e: events.append([e.action, e.model_dump()]),
        state_dir=Path(spec["state_dir"]),
        sleep=lambda _s: None,
    )
    call = AgentCall(
        role="triage",
        system="classify",
        user="login returns 500 for every user",
        request_text="login returns 500 for every user",
        output_type=TriageDecision,
        timeout_s=float(spec.get("timeout_s", 5.0)),
    )
    out: dict[str, object] = {"events": events, "runtime": None, "attempts": 0, "error": None}
    try:
        reply = executor.run(call, spec["chain"])
        out.update(runtime=reply.runtime, attempts=reply.attempts)
    except AdapterError as exc:
        out["error"] = f"{exc.kind}: {exc}"
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])

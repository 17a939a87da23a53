"""Pre-flight: before a request is created, every runtime a run may need must be usable.

A role's chain is its runtime and its fallbacks; the first usable one carries the role (a
warning says when that is a fallback). A role with no usable runtime at all refuses the
submit, naming the role, the runtime and what to set, before anything is written. Only the
roles the routing matrix can reach are checked (plus triage); the escalation runtime is
only warned about, because triage never blocks on it.
"""

from __future__ import annotations

from adapters import registry
from adapters.errors import AdapterError
from orchestrator.config import Config
from orchestrator.errors import OrchestrateError


class NoUsableRuntime(OrchestrateError):
    """A role's runtime and every fallback failed pre-flight."""

    exit_code = 6


def _why_not(config: Config, name: str) -> str | None:
    """None if the runtime could take a call now, else the reason (it names what to set)."""
    try:
        registry.create(name, config.runtimes.get(name)).prepare()
    except AdapterError as exc:
        return str(exc).removeprefix(f"{name}: ")
    return None


def roles_in_play(config: Config) -> list[str]:
    """Triage, then every role some kind's stages name, in the order they first appear."""
    roles = ["triage"]
    for spec in config.routing.matrix.values():
        roles += [role for stage in spec.stages for role in stage]
    return list(dict.fromkeys(roles))


def check(config: Config) -> list[str]:
    """Raise NoUsableRuntime, or return one warning line per role that will fall back."""
    warnings: list[str] = []
    verdicts: dict[str, str | None] = {}
    for role in roles_in_play(config):
        chain = config.chain_for(role)
        reasons = []
        for name in chain:
            if name not in verdicts:
                verdicts[name] = _why_not(config, name)
            if verdicts[name] is None:
                break
            reasons.append(f"{name}: {verdicts[name]}")
        else:
            raise NoUsableRuntime(
                f"role {role} has no usable runtime ({'; '.join(reasons)}); nothing was written"
            )
        if reasons:
            warnings.append(f"{role} falls back from {'; '.join(reasons)}")
    escalate = config.triage.escalate_to
    if escalate is not None and _why_not(config, escalate) is not None:
        warnings.append(
            f"[triage] escalate_to {escalate} is not usable ({_why_not(config, escalate)}); "
            "unsure items keep the first verdict, marked for review"
        )
    return warnings

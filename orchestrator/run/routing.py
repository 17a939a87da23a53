"""The routing matrix: which roles work an item of each kind, in which stages.

Data, not branches: each kind maps to stages run in order; roles inside one stage run in
parallel. An optional role joins only at or above a severity (PM on bugs: impact and
acceptance, never a gate — so it runs beside Dev, not before it).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from roles.registry import ROLES
from roles.triage import Severity

SEVERITY_RANK: dict[str, int] = {"low": 0, "medium": 1, "high": 2, "critical": 3}


class RouteSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stages: list[list[str]] = Field(min_length=1)
    optional: dict[str, Severity] = Field(
        default_factory=dict, description="role → lowest severity at which it joins"
    )

    @field_validator("stages")
    @classmethod
    def _known_roles(cls, stages: list[list[str]]) -> list[list[str]]:
        for stage in stages:
            if not stage:
                raise ValueError("a stage needs at least one role")
            for role in stage:
                if role not in ROLES:
                    raise ValueError(f"unknown role {role!r} (known: {', '.join(ROLES)})")
        return stages


DEFAULT_MATRIX: dict[str, RouteSpec] = {
    "bug": RouteSpec(stages=[["dev", "pm"], ["test"]], optional={"pm": "high"}),
    "feature": RouteSpec(stages=[["pm"], ["dev"], ["test"]]),
    "incident": RouteSpec(stages=[["ops", "dev"], ["pm"], ["test"]]),
}


def resolve(spec: RouteSpec, severity: str) -> list[list[str]]:
    """The stages for one item: optional roles below their severity drop out."""
    rank = SEVERITY_RANK[severity]
    stages = [
        [r for r in stage if r not in spec.optional or rank >= SEVERITY_RANK[spec.optional[r]]]
        for stage in spec.stages
    ]
    return [stage for stage in stages if stage]


def stages_text(stages: list[list[str]]) -> str:
    """`ops ∥ dev → pm → test`: parallel roles joined by ∥, stages by →."""
    return " → ".join(" ∥ ".join(stage) for stage in stages) or "—"


def flatten(stages: list[list[str]]) -> list[str]:
    return [role for stage in stages for role in stage]


def mermaid(matrix: dict[str, RouteSpec]) -> str:
    """`orchestrate graph`: the matrix as a Mermaid flowchart, one lane per kind."""
    lines = ["flowchart LR", "    submit([submit]) --> triage{triage}"]
    for kind, spec in matrix.items():
        previous = ["triage"]
        for number, stage in enumerate(spec.stages, start=1):
            ids = [f"{kind}_{role}" for role in stage]
            for node, role in zip(ids, stage, strict=True):
                label = role.upper() + (
                    f" (≥{spec.optional[role]})" if role in spec.optional else ""
                )
                lines.append(f'    {node}["{label}"]')
                for prev in previous:
                    edge = f"-- {kind} -->" if prev == "triage" else "-->"
                    lines.append(f"    {prev} {edge} {node}")
            previous = ids
            if number == len(spec.stages):
                for prev in previous:
                    lines.append(f"    {prev} --> closed([CLOSED])")
    return "\n".join(lines) + "\n"

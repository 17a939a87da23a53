"""PM: impact, priority, acceptance; for features the product case; for incidents comms."""

from __future__ import annotations

from pydantic import Field

from roles.base import RoleArtifact
from roles.triage import Priority


class PMArtifact(RoleArtifact):
    impact: str = Field(description="who is affected and how much")
    priority: Priority
    acceptance_criteria: list[str] = Field(min_length=1)
    goals: list[str] = Field(default_factory=list, description="features: what success means")
    success_metrics: list[str] = Field(default_factory=list)
    scope_in: list[str] = Field(default_factory=list)
    scope_out: list[str] = Field(default_factory=list)
    trade_offs: list[str] = Field(default_factory=list)
    comms_draft: str | None = Field(default=None, description="incidents: customer message")

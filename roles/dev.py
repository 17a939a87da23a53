"""Dev: root cause, affected components, the fix or design plan, and its risk."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from roles.base import RoleArtifact


class DevArtifact(RoleArtifact):
    root_cause_hypothesis: str
    affected_components: list[str] = Field(min_length=1)
    plan: list[str] = Field(min_length=1, description="fix plan (bug/incident) or design (feature)")
    risk: Literal["low", "medium", "high"]

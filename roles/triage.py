"""The triage gate's output type: a closed vocabulary, so injected text cannot widen it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Kind = Literal["bug", "feature", "incident"]
Severity = Literal["critical", "high", "medium", "low"]
Priority = Literal["P1", "P2", "P3", "P4"]


class TriageDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Kind
    severity: Severity
    priority: Priority
    confidence: float = Field(ge=0.0, le=1.0)
    rationale: str = Field(min_length=1, max_length=2000)
    signals: list[str] = Field(default_factory=list, max_length=20)
    needs_review: bool = Field(
        default=False,
        description="true when the evidence is weak or conflicting: a person should look",
    )

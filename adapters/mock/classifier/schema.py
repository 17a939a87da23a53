"""The decision the offline triage gate returns, as a validated pydantic model."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Kind = Literal["bug", "feature", "incident"]
Severity = Literal["critical", "high", "medium", "low"]
Priority = Literal["P1", "P2", "P3", "P4"]

KINDS: tuple[Kind, ...] = ("incident", "bug", "feature")


class Classification(BaseModel):
    """Kind, severity and priority, with the evidence a reviewer needs to audit them."""

    kind: Kind
    severity: Severity
    priority: Priority
    confidence: float = Field(ge=0.0, le=1.0)
    rationale: str
    signals: list[str] = Field(default_factory=list, max_length=20)

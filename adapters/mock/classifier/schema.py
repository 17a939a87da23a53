"""What the offline triage gate returns and accepts, as validated pydantic models."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Kind = Literal["bug", "feature", "incident"]
Severity = Literal["critical", "high", "medium", "low"]
Priority = Literal["P1", "P2", "P3", "P4"]

# The model's class order: weights, scores and probabilities are indexed by it.
KINDS: tuple[Kind, ...] = ("bug", "feature", "incident")
MAX_SIGNALS = 20


class Classification(BaseModel):
    """Kind, severity and priority, with the evidence a reviewer needs to audit them.

    `needs_review` is True when the evidence is weak or conflicting; the rationale then says
    which.
    """

    kind: Kind
    severity: Severity
    priority: Priority
    confidence: float = Field(ge=0.0, le=1.0)
    rationale: str
    signals: list[str] = Field(default_factory=list, max_length=MAX_SIGNALS)
    needs_review: bool = False


class Evidence(BaseModel):
    """One feature's signed contribution to a kind's score (log-odds against the others)."""

    model_config = ConfigDict(frozen=True)

    feature: str = Field(description="what fired: word, word pair, characters, start, signal")
    phrase: str = Field(description="the words of the ticket, or the signal's description")
    weight: float


class KindEvidence(BaseModel):
    """For one kind: how likely it is, and the strongest evidence for and against it."""

    kind: Kind
    probability: float = Field(ge=0.0, le=1.0)
    support: list[Evidence] = Field(default_factory=list, description="strongest for, desc")
    against: list[Evidence] = Field(default_factory=list, description="strongest against")


class Explanation(BaseModel):
    """Why the model decided as it did: per kind, what pushed towards it and away from it."""

    kind: Kind
    confidence: float = Field(ge=0.0, le=1.0)
    needs_review: bool
    reason: str = Field(description="why the decision is sure or unsure")
    kinds: list[KindEvidence]
    known_features: int = Field(ge=0, description="features of the ticket the model knows")


class Example(BaseModel):
    """One labelled ticket to train on; `weight` counts it that many times in the loss."""

    model_config = ConfigDict(frozen=True)

    text: str
    label: Kind
    weight: float = Field(default=1.0, gt=0.0)

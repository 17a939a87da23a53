"""What every role's output shares: the review of the hand-off it received."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Handoff(BaseModel):
    """The receiving role reviews what it got; a rejection bounces it back with concerns."""

    model_config = ConfigDict(extra="forbid")

    accepted: bool = True
    concerns: list[str] = Field(default_factory=list)


class RoleArtifact(BaseModel):
    model_config = ConfigDict(extra="forbid")

    summary: str = Field(min_length=1, max_length=2000, description="one-paragraph summary")
    handoff: Handoff = Field(default_factory=Handoff)

"""The `[retry]` table: one retry, deadline and breaker policy for every runtime.

A module of its own so the config can validate it without importing the executor (tenacity,
file locks): `orchestrate --help` and the read commands never pay for those.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class RetryPolicy(BaseModel):
    """The `[retry]` config table: one policy for every runtime."""

    model_config = ConfigDict(extra="forbid")

    max_attempts: int = Field(default=3, ge=1, description="tries per runtime on transient errors")
    base_delay_s: float = Field(default=0.5, ge=0)
    max_delay_s: float = Field(default=20.0, ge=0, description="longest single wait")
    deadline_s: float = Field(default=300.0, gt=0, description="overall budget of one run()")
    max_invalid_replies: int = Field(default=2, ge=0, description="re-asks after a bad reply")
    breaker_threshold: int = Field(default=5, ge=1, description="consecutive failures to open")
    breaker_cooldown_s: float = Field(default=60.0, ge=0, description="open → half-open after")

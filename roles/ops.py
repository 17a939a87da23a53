"""Ops: contain first — containment, rollback, signals to watch, a status-page note."""

from __future__ import annotations

from pydantic import Field

from roles.base import RoleArtifact


class OpsArtifact(RoleArtifact):
    containment_steps: list[str] = Field(min_length=1)
    rollback_plan: str
    signals_to_watch: list[str] = Field(min_length=1)
    status_page_note: str

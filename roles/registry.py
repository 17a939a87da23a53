"""Role definitions as a table: output type, prompt, and which earlier artifacts each sees."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from roles.dev import DevArtifact
from roles.ops import OpsArtifact
from roles.pm import PMArtifact
from roles.test import TestArtifact


class RoleSpec(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    title: str
    output_type: type[BaseModel]
    prompt: str
    sees: tuple[str, ...]  # roles whose artifacts go into this role's context


ROLES: dict[str, RoleSpec] = {
    spec.name: spec
    for spec in (
        RoleSpec(
            name="pm",
            title="Product",
            output_type=PMArtifact,
            prompt="pm",
            sees=("ops", "dev", "test"),
        ),
        RoleSpec(
            name="dev",
            title="Development",
            output_type=DevArtifact,
            prompt="dev",
            sees=("pm", "ops", "test"),
        ),
        RoleSpec(
            name="test",
            title="Test",
            output_type=TestArtifact,
            prompt="test",
            sees=("pm", "dev", "ops"),
        ),
        RoleSpec(
            name="ops", title="Operations", output_type=OpsArtifact, prompt="ops", sees=("dev",)
        ),
    )
}

# every name a `--runtime ROLE=NAME` flag or `[roles]` key may use
ROLE_NAMES: tuple[str, ...] = ("triage", *ROLES)

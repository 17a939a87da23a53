"""Test: the plan, the regression tests to add, and a verdict."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from roles.base import RoleArtifact


class TestArtifact(RoleArtifact):
    __test__ = False  # not a pytest class

    test_plan: list[str] = Field(min_length=1)
    regression_tests: list[str] = Field(default_factory=list)
    verdict: Literal["pass", "fail", "needs_info"]

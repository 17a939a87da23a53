"""The graph's state, typed: what one run carries from step to step (and checkpoints).

Plain `TypedDict`s, so a checkpoint holds JSON-like data only and any LangGraph
checkpointer (SQLite, PostgreSQL) can store and restore it.
"""

from __future__ import annotations

from typing import Annotated, Literal, TypedDict

from pydantic import JsonValue

Artifact = dict[str, JsonValue]  # a role's validated output, as the ledger records it
Outcome = Literal["closed", "blocked", "waiting"]  # waiting: for a person's approval


class DecisionState(TypedDict):
    """The triage verdict the roles see."""

    kind: str
    severity: str
    priority: str
    confidence: float
    rationale: str


class RoleTask(TypedDict):
    """What one parallel role task receives (a `Send` from the dispatcher)."""

    request_id: str
    role: str
    round: int
    stage: int
    stages: list[list[str]]
    decision: DecisionState
    artifacts: dict[str, Artifact]
    concerns: list[str]


def _merge(left: dict[str, Artifact], right: dict[str, Artifact]) -> dict[str, Artifact]:
    return {**left, **right}


def _merge_int(left: dict[str, int], right: dict[str, int]) -> dict[str, int]:
    return {**left, **right}


def _merge_str(left: dict[str, str], right: dict[str, str]) -> dict[str, str]:
    return {**left, **right}


def _latest(left: int, right: int) -> int:
    return max(left, right)


class RunState(TypedDict, total=False):
    request_id: str
    decision: DecisionState
    stages: list[list[str]]
    stage: int
    pending: list[str]
    artifacts: Annotated[dict[str, Artifact], _merge]  # role → its latest output
    runs: Annotated[dict[str, int], _merge_int]  # role → rounds run
    failed: Annotated[dict[str, str], _merge_str]  # role → why it failed
    concerns: dict[str, list[str]]  # role → what the reviewer sent back
    bounces: dict[str, int]  # stage index → times sent back
    outcome: Outcome | None
    # the last ledger seq this step's writes are covered by: ties a checkpoint to `show --at`
    ledger_seq: Annotated[int, _latest]

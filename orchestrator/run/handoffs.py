"""Hand-offs between roles: what a role passes on, and how its receiver's review sends it back.

The receiving role is the reviewer: each artifact carries `handoff: {accepted, concerns}`
about what it received. A rejection goes back to the senders with the concerns, at most
`max_review_rounds` times per stage; past that, or at the first stage (which has no sender
but the requester), the item is BLOCKED. A failing test verdict counts as rejecting Dev's work.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from orchestrator.ledger.events import Handoff, ReviewRejected, RoleCompleted
from orchestrator.ledger.repository import Draft
from orchestrator.run.state import Artifact, RoleTask
from roles.base import Handoff as Review

REQUESTER = "requester"


def passed_on(task: RoleTask, completed: RoleCompleted) -> Draft:
    """The HANDOFF a finished role writes: to the next stage's roles, or to closing."""
    stages, stage = task["stages"], task["stage"]
    receivers = stages[stage + 1] if stage + 1 < len(stages) else ["close"]
    handoff = Handoff(
        from_=task["role"],
        to=list(receivers),
        round=task["round"],
        runtime=completed.runtime,
        summary=completed.summary,
    )
    return Draft(task["role"], handoff)


def concerns_of(artifact: Artifact) -> list[str] | None:
    """The receiver's objections, or None if it accepted what it got."""
    review = Review.model_validate(artifact.get("handoff") or {})
    verdict = artifact.get("verdict")
    failed = verdict not in (None, "pass")
    if review.accepted and not failed:
        return None
    concerns = [*review.concerns, *([f"test verdict: {verdict}"] if failed else [])]
    return concerns or ["rejected without a stated concern"]


def rejections(stage: list[str], artifacts: Mapping[str, Artifact]) -> dict[str, list[str]]:
    """The roles of `stage` that refused what they received, with their concerns."""
    out: dict[str, list[str]] = {}
    for role in stage:
        concerns = concerns_of(artifacts.get(role, {}))
        if concerns is not None:
            out[role] = concerns
    return out


@dataclass(frozen=True)
class Bounce:
    """What one rejection does: send the work back to `senders`, or block the item."""

    rejected: ReviewRejected
    blocks: bool
    why: str

    @property
    def reason(self) -> str:
        concerns = "; ".join(self.rejected.concerns)
        return f"{self.rejected.reviewer} rejected the hand-off ({self.why}): {concerns}"


def bounce(
    stages: list[list[str]], index: int, count: int, reviewer: str, concerns: list[str], rounds: int
) -> Bounce:
    """The `count`-th rejection of stage `index` by `reviewer`, under `rounds` allowed."""
    senders = stages[index - 1] if index > 0 else [REQUESTER]
    rejected = ReviewRejected(
        reviewer=reviewer, senders=list(senders), concerns=list(concerns), bounce=count
    )
    if index == 0:
        return Bounce(rejected, blocks=True, why="needs information from the requester")
    if count > rounds:
        return Bounce(rejected, blocks=True, why="review rounds exhausted")
    return Bounce(rejected, blocks=False, why=f"sent back by {reviewer}")

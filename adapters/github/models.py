"""What write-back is given (`ItemState`) and what it says happened (`Planned`, `Done`,
`Failed`). Field names match the ledger's WRITEBACK_* details, so recording an outcome is
one `model_validate` of its dump; adapters know nothing of the ledger itself."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

REQUEST_ID = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$"  # also safe inside an HTML comment


class IssueRef(BaseModel):
    """One issue: `owner/name` and its number."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    repository: str = Field(pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
    number: int = Field(ge=1)

    @property
    def path(self) -> str:
        """The issue's REST path, below the API root."""
        return f"/repos/{self.repository}/issues/{self.number}"

    def __str__(self) -> str:
        return f"{self.repository}#{self.number}"


class ItemState(BaseModel):
    """An item as write-back shows it: its triage, route and state, and the id of the
    comment an earlier write-back made (from the ledger), so it is edited, never repeated."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    request_id: str = Field(pattern=REQUEST_ID)
    issue: IssueRef
    kind: str
    severity: str
    priority: str
    confidence: float = Field(ge=0, le=1)
    needs_review: bool = False
    rationale: str = ""
    stages: list[list[str]] = Field(default_factory=list)
    state: str = "PROPOSED"
    blocked_reason: str | None = None
    comment_id: int | None = None


class _Outcome(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    target: str = Field(description="owner/name#number")
    labels: list[str] = Field(description="the allowlisted labels the triage asks for")
    comment_id: int | None = None


class Planned(_Outcome):
    """`write = false`: nothing was sent; this is what would have been."""

    outcome: Literal["planned"] = "planned"
    comment: str


class Done(_Outcome):
    outcome: Literal["done"] = "done"
    comment_id: int
    labels_added: list[str] = Field(default_factory=list)
    labels_removed: list[str] = Field(default_factory=list)
    comment_action: Literal["created", "updated"]
    comment_url: str | None = None
    status: int | None = None
    attempts: int = 1
    calls: int = 0


class Failed(_Outcome):
    """Gave up; `comment_id` is set when the comment was written before the failure."""

    outcome: Literal["failed"] = "failed"
    error_kind: str
    error: str
    status: int | None = None
    attempts: int = 0
    calls: int = 0
    retry_after_s: float | None = None
    labels_applied: bool = False


Outcome = Annotated[Planned | Done | Failed, Field(discriminator="outcome")]

"""GitHub write-back: an item's triage as allowlisted labels and one comment on its issue.

`GitHubSettings` (the `[github]` table) and the models are plain pydantic, imported here at
once so the config can validate them cheaply; `WriteBack` (tenacity) and `GitHubClient`
(httpx) load on first use, so importing this package costs neither.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from adapters.github.models import Done, Failed, IssueRef, ItemState, Outcome, Planned
from adapters.github.settings import GitHubSettings, LabelMap

if TYPE_CHECKING:
    from adapters.github.client import GitHubClient
    from adapters.github.writeback import WriteBack

__all__ = [
    "Done",
    "Failed",
    "GitHubClient",
    "GitHubSettings",
    "IssueRef",
    "ItemState",
    "LabelMap",
    "Outcome",
    "Planned",
    "WriteBack",
]


def __getattr__(name: str) -> Any:
    if name == "WriteBack":
        from adapters.github.writeback import WriteBack

        return WriteBack
    if name == "GitHubClient":
        from adapters.github.client import GitHubClient

        return GitHubClient
    raise AttributeError(f"module 'adapters.github' has no attribute {name!r}")

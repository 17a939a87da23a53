"""GitHub write-back: an item's triage as allowlisted labels and one comment on its issue.

Everything loads on first use: the config imports only `settings` (plain pydantic) on
every command, the models come with write-back, and `WriteBack` (tenacity) and
`GitHubClient` (httpx) only when something is planned or sent.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from adapters.github.client import GitHubClient
    from adapters.github.models import Done, Failed, IssueRef, ItemState, Outcome, Planned
    from adapters.github.settings import GitHubSettings, LabelMap
    from adapters.github.writeback import WriteBack

_HOME = {
    "Done": "models", "Failed": "models", "IssueRef": "models", "ItemState": "models",
    "Outcome": "models", "Planned": "models", "GitHubSettings": "settings",
    "LabelMap": "settings", "WriteBack": "writeback", "GitHubClient": "client",
}  # fmt: skip

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
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'adapters.github' has no attribute {name!r}")
    return getattr(importlib.import_module(f"adapters.github.{home}"), name)

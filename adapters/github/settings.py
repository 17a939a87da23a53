"""The `[github]` config table: whether and where write-back writes, and the label allowlist.

Pydantic only (no HTTP client), so the config can validate it without importing httpx.
"""

from __future__ import annotations

import string
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, field_validator

_SEVERITIES = ("critical", "high", "medium", "low")
_PRIORITIES = ("P1", "P2", "P3", "P4")
_KINDS = ("bug", "feature", "incident")
_LABEL_CHARS = 50  # GitHub's limit on a label's name
_PLACEHOLDERS = frozenset({"base_url", "request_id"})


def _prefixed(prefix: str, values: tuple[str, ...]) -> dict[str, str]:
    return {value: f"{prefix}:{value}" for value in values}


class LabelMap(BaseModel):
    """`[github.labels]`: each triage value → the label it puts on the issue. This is the
    allowlist: only these names are ever added (or, when the triage changes, removed); a
    value without an entry gets no label. Setting a table (`[github.labels.kind]`) replaces
    that table's defaults."""

    model_config = ConfigDict(extra="forbid")

    kind: dict[str, str] = Field(default_factory=lambda: _prefixed("kind", _KINDS))
    severity: dict[str, str] = Field(default_factory=lambda: _prefixed("severity", _SEVERITIES))
    priority: dict[str, str] = Field(default_factory=lambda: _prefixed("priority", _PRIORITIES))

    @field_validator("kind", "severity", "priority")
    @classmethod
    def _names(cls, mapping: dict[str, str]) -> dict[str, str]:
        for value, name in mapping.items():
            if not name.strip() or len(name) > _LABEL_CHARS or name != name.strip():
                raise ValueError(
                    f"label for {value!r} must be 1..{_LABEL_CHARS} characters without "
                    f"surrounding spaces, not {name!r}"
                )
        return mapping

    def names(self) -> frozenset[str]:
        """Every label write-back may touch."""
        return frozenset((*self.kind.values(), *self.severity.values(), *self.priority.values()))


class GitHubSettings(BaseModel):
    """`[github]`: write-back of triage results to the issue an item came from.

    `write = false` (the default) only records what would be written. `api_url` is GitHub's
    REST root (`https://HOST/api/v3` on GitHub Enterprise Server). `item_url` links the
    comment to the item, from `{base_url}` (where the service is reachable) and
    `{request_id}`; with no `base_url` the comment names the item without a link.
    """

    model_config = ConfigDict(extra="forbid")

    write: bool = False
    api_url: str = "https://api.github.com"
    token_var: str = Field(default="ORCHESTRATE_GITHUB_TOKEN", min_length=1)
    api_version: str = "2022-11-28"
    base_url: str = ""
    item_url: str = "{base_url}/items/{request_id}"
    timeout_s: float = Field(default=10.0, gt=0)
    labels: LabelMap = Field(default_factory=LabelMap)

    @field_validator("api_url", "base_url")
    @classmethod
    def _http(cls, url: str) -> str:
        url = url.strip().rstrip("/")
        if url and not url.startswith(("https://", "http://")):
            raise ValueError(f"must be an http(s) URL, not {url!r}")
        return url

    @field_validator("api_url")
    @classmethod
    def _required(cls, url: str) -> str:
        if not url:
            raise ValueError("must be an http(s) URL")
        return url

    @field_validator("item_url")
    @classmethod
    def _template(cls, template: str) -> str:
        try:
            fields = {name for _, name, _, _ in string.Formatter().parse(template) if name}
        except ValueError as exc:
            raise ValueError(f"not a template: {exc}") from None
        unknown = fields - _PLACEHOLDERS
        if unknown:
            raise ValueError(
                f"unknown placeholder(s) {sorted(unknown)}; use {{base_url}}, {{request_id}}"
            )
        return template

    def link(self, request_id: str) -> str | None:
        """The item's URL for the comment, or None when there is nowhere to link to."""
        if not self.base_url and "{base_url}" in self.item_url:
            return None
        url = self.item_url.format(base_url=self.base_url, request_id=quote(request_id, safe=""))
        return url if url.startswith(("https://", "http://")) else None

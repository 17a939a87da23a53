"""What write-back puts on an issue, composed without any I/O: the allowlisted labels and the
one comment's body.

Ticket text is untrusted, and the rationale quotes it, so every value that is not our own
constant goes through `escape`: HTML and Markdown punctuation are rendered literally, and
@-mentions, #-references and bare links are broken with an invisible word joiner, so a
ticket cannot ping a team, inject a link or an image, or close a table cell. Our marker, an
HTML comment naming the request, opens the body so the comment can be found again.
"""

from __future__ import annotations

import re
import string

from adapters.github.models import ItemState
from adapters.github.settings import GitHubSettings, LabelMap

MARKER = "<!-- orchestrate:{request_id} -->"
RATIONALE_CHARS = 1500
_VALUE_CHARS = 200

_JOINER = "\u2060"  # WORD JOINER: invisible, but no mention, reference or autolink spans it
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}
_PUNCTUATION = frozenset(string.punctuation) - set(_ENTITIES)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_LINKY = re.compile(r"(?<=[@#])(?=\w)|(?<=:)(?=//)|(?i:(?<=www)(?=\.))")


def marker(request_id: str) -> str:
    """The hidden first line of our comment (the request id is validated: no `-->` in it)."""
    return MARKER.format(request_id=request_id)


def escape(text: str, limit: int = _VALUE_CHARS) -> str:
    """`text` as inert Markdown on one line, at most `limit` characters of the original."""
    flat = " ".join(_CONTROL.sub(" ", text).split())
    if len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    flat = _LINKY.sub(_JOINER, flat)
    return "".join(_ENTITIES.get(c) or (f"\\{c}" if c in _PUNCTUATION else c) for c in flat)


def labels_for(labels: LabelMap, item: ItemState) -> list[str]:
    """The labels the item's triage asks for, from the allowlist only, in a stable order."""
    wanted = (
        labels.kind.get(item.kind),
        labels.severity.get(item.severity),
        labels.priority.get(item.priority),
    )
    return list(dict.fromkeys(name for name in wanted if name))


def route_text(stages: list[list[str]]) -> str:
    """`ops ∥ dev → test`: ∥ between roles working in parallel, → between stages."""
    return " → ".join(" ∥ ".join(escape(role) for role in stage) for stage in stages if stage)


def comment_body(settings: GitHubSettings, item: ItemState) -> str:
    """The one comment: what the gate decided, the route, the state, the rationale, a link."""
    link = settings.link(item.request_id)
    name = escape(item.request_id)
    ref = f"[{name}]({link})" if link and _plain_url(link) else name
    lines = [
        marker(item.request_id),
        f"**orchestrate triage** · item {ref}",
        "",
        "| Kind | Severity | Priority | Confidence |",
        "|---|---|---|---|",
        f"| {escape(item.kind)} | {escape(item.severity)} | {escape(item.priority)} "
        f"| {item.confidence:.2f} |",
        "",
        f"**Route:** {route_text(item.stages) or 'none yet'}  ",
        f"**State:** {escape(item.state)}"
        + (f" — {escape(item.blocked_reason, RATIONALE_CHARS)}" if item.blocked_reason else ""),
    ]
    if item.needs_review:
        lines += ["", "> **Needs review:** the triage gate was unsure; a person should check it."]
    if item.rationale.strip():
        lines += ["", f"**Rationale:** {escape(item.rationale, RATIONALE_CHARS)}"]
    lines += [
        "",
        "<sub>Written by orchestrate and edited in place as the item moves on.</sub>",
    ]
    return "\n".join(lines) + "\n"


def _plain_url(url: str) -> bool:
    """A link destination that needs no escaping of its own (ours: config + a quoted id)."""
    return not any(c.isspace() or c in "()<>\"'\\" for c in url)

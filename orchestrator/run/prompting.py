"""Build the user message: the item as delimited data, what earlier roles produced, concerns."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache

from pydantic import BaseModel, JsonValue

from orchestrator.run.state import DecisionState


def delimit(text: str) -> str:
    """Wrap the request so nothing inside it can close the data block and pose as instructions."""
    safe = text.replace("</request>", "</ request>").replace("<request>", "< request>")
    return f"<request>\n{safe}\n</request>"


@cache
def schema_block(output_type: type[BaseModel]) -> str:
    """Cached: a model's schema never changes within a process, and building it is slow."""
    schema = json.dumps(output_type.model_json_schema(), separators=(",", ":"))
    return f"<schema>\n{schema}\n</schema>"


def triage_user(text: str, output_type: type[BaseModel]) -> str:
    return f"{delimit(text)}\n\n{schema_block(output_type)}"


def role_user(
    text: str,
    decision: DecisionState,
    context: Mapping[str, Mapping[str, JsonValue]],
    concerns: list[str],
    output_type: type[BaseModel],
) -> str:
    parts = [delimit(text), f"<triage>\n{json.dumps(decision, ensure_ascii=False)}\n</triage>"]
    if context:  # one line like the triage block: `indent` forces json's pure-Python encoder
        body = json.dumps(context, ensure_ascii=False)
        parts.append(f"<context>\n{body}\n</context>")
    if concerns:
        listed = "\n".join(f"- {c}" for c in concerns)
        parts.append(
            f"<review_concerns>\nThe next role sent your work back:\n{listed}\n</review_concerns>"
        )
    parts.append(schema_block(output_type))
    return "\n\n".join(parts)

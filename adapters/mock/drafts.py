"""Role artifacts derived from the request text, filled field by field from the output schema.

Like pydantic-ai's TestModel, the schema decides the shape; unlike it, the words come from
the request, so an offline run reads like a (modest) real one.
"""

from __future__ import annotations

import re
import types
from collections.abc import Callable
from typing import Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from adapters.mock.classifier import Classification, classify

Writer = Callable[["Brief"], object]

_STOP = frozenset(
    [
        "the",
        "a",
        "an",
        "and",
        "or",
        "but",
        "to",
        "of",
        "in",
        "on",
        "for",
        "with",
        "when",
        "after",
        "before",
        "from",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "this",
        "that",
        "it",
        "its",
        "at",
        "by",
        "as",
        "not",
        "no",
        "can",
        "cannot",
        "could",
        "should",
        "would",
        "will",
        "we",
        "our",
        "you",
        "your",
        "i",
        "my",
        "me",
        "they",
        "them",
        "their",
        "there",
        "here",
        "what",
        "which",
        "who",
        "how",
        "why",
        "all",
        "any",
        "some",
        "into",
        "than",
        "then",
        "also",
        "just",
        "only",
        "very",
        "more",
        "most",
        "other",
        "such",
        "have",
        "has",
        "had",
        "do",
        "does",
        "did",
        "get",
        "gets",
        "got",
    ]
)


# request verbs say what to do, not what it is about
_VERBS = frozenset(
    [
        "add",
        "adds",
        "support",
        "supports",
        "allow",
        "allows",
        "enable",
        "make",
        "please",
        "returns",
        "return",
        "fails",
        "fail",
        "failing",
        "broken",
        "crash",
        "crashes",
        "error",
        "errors",
        "since",
        "everyone",
        "users",
        "user",
    ]
)


class Brief(BaseModel):
    """What the mock knows about the item: its subject, key terms and its own triage."""

    role: str = ""
    subject: str
    terms: list[str]
    triage: Classification


def brief(text: str, role: str = "", triage: Classification | None = None) -> Brief:
    first = next((line.strip() for line in text.splitlines() if line.strip()), text.strip())
    subject = first if len(first) <= 90 else first[:87].rstrip() + "..."
    words = re.findall(r"[A-Za-z][A-Za-z0-9_.\-/]{2,}", text)
    terms: list[str] = []
    for word in words:
        lowered = word.lower().strip(".-/")
        if lowered not in _STOP and lowered not in _VERBS and lowered not in terms:
            terms.append(lowered)
    verdict = triage or classify(text)
    return Brief(role=role, subject=subject, terms=terms[:6] or ["request"], triage=verdict)


def _generic_summary(b: Brief) -> str:
    return f"{b.triage.kind.capitalize()} '{b.subject}'"


# One line per role, so a timeline of hand-offs reads like the work it stands for.
SUMMARIES: dict[str, Writer] = {
    "pm": lambda b: (
        f"{b.triage.priority}: '{b.subject}' matters to users of {b.terms[0]}; "
        "acceptance criteria set"
    ),
    "dev": lambda b: (
        f"Design for {b.terms[0]}: data model, API, rollout behind a flag"
        if b.triage.kind == "feature"
        else f"Suspect {b.terms[0]}; plan: reproduce, fix, regression test"
    ),
    "test": lambda b: f"Verified '{b.subject}' with a reproduction and a regression test",
    "ops": lambda b: f"Contain '{b.subject}': roll back, watch error rate and {b.terms[0]}",
}

_RISK = {"critical": "high", "high": "high", "medium": "medium", "low": "low"}


# Field name → how to write it; unnamed fields fall back to the schema's type.
WRITERS: dict[str, Writer] = {
    "summary": lambda b: SUMMARIES.get(b.role, _generic_summary)(b),
    "impact": lambda b: (
        f"Users touching {', '.join(b.terms[:2])} are affected ({b.triage.severity} severity)."
    ),
    "priority": lambda b: b.triage.priority,
    "acceptance_criteria": lambda b: [
        f"'{b.subject}' no longer reproduces",
        f"A regression test covers {b.terms[0]}",
    ],
    "goals": lambda b: [f"Deliver: {b.subject}"],
    "success_metrics": lambda b: [f"Adoption of {b.terms[0]} by users who asked for it"],
    "scope_in": lambda b: [f"{t}" for t in b.terms[:2]],
    "scope_out": lambda b: ["Unrelated refactoring"],
    "trade_offs": lambda b: [f"Time spent on {b.terms[0]} versus other roadmap items"],
    "comms_draft": lambda b: f"We are investigating: {b.subject}. Next update in 30 minutes.",
    "root_cause_hypothesis": lambda b: f"A recent change around {b.terms[0]} breaks: {b.subject}",
    "affected_components": lambda b: b.terms[:3],
    "plan": lambda b: [
        f"Reproduce '{b.subject}'",
        f"Trace {b.terms[0]} to the failing change",
        "Fix, add a regression test, ship behind review",
    ],
    "risk": lambda b: _RISK[b.triage.severity],
    "test_plan": lambda b: [f"Reproduce '{b.subject}' before the fix", "Verify after the fix"],
    "regression_tests": lambda b: [f"test_{re.sub(r'[^a-z0-9]+', '_', b.terms[0])}_regression"],
    "verdict": lambda b: "pass",
    "accepted": lambda b: True,
    "concerns": lambda b: [],
    "containment_steps": lambda b: [
        f"Confirm scope of '{b.subject}'",
        "Roll back the latest deploy",
    ],
    "rollback_plan": lambda b: (
        "Redeploy the previous release; verify error rate returns to baseline."
    ),
    "signals_to_watch": lambda b: ["error rate", "p95 latency", f"{b.terms[0]} health checks"],
    "status_page_note": lambda b: f"Investigating: {b.subject}.",
}


def _by_type(annotation: object, field: FieldInfo, name: str, b: Brief) -> object:
    origin = get_origin(annotation)
    if origin is Literal:
        return get_args(annotation)[0]
    if origin in (Union, types.UnionType):
        inner = [a for a in get_args(annotation) if a is not type(None)]
        return _by_type(inner[0], field, name, b)
    if origin is list:
        return [_by_type(get_args(annotation)[0], field, name, b)]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return fill(annotation, b)
    if annotation is bool:
        return True
    if annotation in (int, float):
        return 1
    return f"{field.description or name.replace('_', ' ')}: {b.subject}"


def fill(output_type: type[BaseModel], b: Brief) -> dict[str, object]:
    out: dict[str, object] = {}
    for name, field in output_type.model_fields.items():
        writer = WRITERS.get(name)
        out[name] = writer(b) if writer else _by_type(field.annotation, field, name, b)
    return out

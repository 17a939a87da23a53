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

# Words that never name what an item is about: function words, request verbs, template
# labels, intensifiers. What is left of the subject is its topic ("export", "login").
_NOT_TOPIC_WORDS = (
    "the a an and or but to of in on for with when after before from is are was were be "
    "been this that it its at by as not no can cannot could should would will we our you "
    "your i my me they them their there here what which who how why all any some into than "
    "then also just only very more most other such have has had do does did get gets got "
    "still again now today yesterday since every everyone everybody each user users "
    "customer customers people someone anyone add adds adding support supports allow allows "
    "enable make please would like want need needs returns return returned fails fail "
    "failing failed broken breaks crash crashes crashed error errors issue issues problem "
    "problems bug bugs describe description expected actual behavior behaviour steps "
    "reproduce feature request really quite totally completely always never sometimes "
    "randomly new old click clicked clicking tried try trying using use uses open opens "
    "see sees seen saw show shows showing shown look looks seems seem keep keeps kept goes "
    "going went come comes came able unable off out up down over other others another wrong "
    "instead twice getting doesn don isn won can't doesn't don't isn't won't "
)
_NOT_TOPICS = frozenset(_NOT_TOPIC_WORDS.split())
_HEADING = re.compile(r"^\s*(#{1,6}\s|\*\*[^*]{0,60}\*\*\s*$|<!--)")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.\-/]{2,}")


class Brief(BaseModel):
    """What the mock knows about the item: its subject, its topic words and its triage."""

    role: str = ""
    subject: str
    terms: list[str]
    triage: Classification

    @property
    def topic(self) -> str:
        return self.terms[0] if self.terms else "the affected area"


def _subject(text: str) -> str:
    """The first line that is not a template heading, cut to a readable length."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    body = [line for line in lines if not _HEADING.match(line)] or lines or [text.strip()]
    first = body[0].strip("#*` ")
    return first if len(first) <= 90 else first[:87].rstrip() + "…"


def _topics(subject: str, text: str) -> list[str]:
    """Topic words, the subject's first: they name components and tests."""
    terms: list[str] = []
    for word in _WORD.findall(subject) + _WORD.findall(text):
        lowered = word.lower().strip(".-/")
        if lowered not in _NOT_TOPICS and lowered not in terms and not lowered.isdigit():
            terms.append(lowered)
    return terms[:6]


def brief(text: str, role: str = "", triage: Classification | None = None) -> Brief:
    subject = _subject(text)
    verdict = triage or classify(text)
    return Brief(role=role, subject=subject, terms=_topics(subject, text), triage=verdict)


def _quoted(b: Brief) -> str:
    return f"“{b.subject}”"


def _pm(b: Brief) -> str:
    p = b.triage.priority
    if b.triage.kind == "feature":
        return f"{p}: {_quoted(b)} is worth building for people who use {b.topic}; goals set"
    if b.triage.kind == "incident":
        return f"{p}: customers hear about {_quoted(b)} within the hour; comms drafted"
    return f"{p}: {_quoted(b)} hurts people who use {b.topic}; acceptance criteria set"


def _dev(b: Brief) -> str:
    if b.triage.kind == "feature":
        return f"Design for {_quoted(b)}: data model, API, rollout behind a flag"
    return f"Likely cause in {b.topic}; plan: reproduce, fix, add a regression test"


def _test(b: Brief) -> str:
    if b.triage.kind == "feature":
        return f"Test plan for {_quoted(b)} covers every acceptance criterion"
    return f"Verified the fix for {_quoted(b)} with a reproduction and a regression test"


SUMMARIES: dict[str, Writer] = {
    "pm": _pm,
    "dev": _dev,
    "test": _test,
    "ops": lambda b: f"Contained {_quoted(b)}: rolled back; watching error rate and {b.topic}",
}

_RISK = {"critical": "high", "high": "high", "medium": "medium", "low": "low"}


def _cause(b: Brief) -> str:
    if b.triage.kind == "feature":
        return f"Not a defect: {b.topic} does not do this yet"
    return f"A recent change in {b.topic} broke it: {b.subject}"


# Field name → how to write it; unnamed fields fall back to the schema's type.
WRITERS: dict[str, Writer] = {
    "summary": lambda b: SUMMARIES.get(b.role, _quoted)(b),
    "impact": lambda b: f"Anyone who uses {b.topic} is affected ({b.triage.severity} severity).",
    "priority": lambda b: b.triage.priority,
    "acceptance_criteria": lambda b: (
        [f"{b.subject} — works as described", "Documented, with a test for each case"]
        if b.triage.kind == "feature"
        else [f"{_quoted(b)} no longer reproduces", f"A regression test covers {b.topic}"]
    ),
    "goals": lambda b: [f"Deliver: {b.subject}"],
    "success_metrics": lambda b: [f"People who asked for it use {b.topic} within a month"],
    "scope_in": lambda b: b.terms[:2] or [b.topic],
    "scope_out": lambda b: ["Unrelated refactoring"],
    "trade_offs": lambda b: [f"Time on {b.topic} versus other roadmap items"],
    "comms_draft": lambda b: f"We are investigating: {b.subject}. Next update in 30 minutes.",
    "root_cause_hypothesis": _cause,
    "affected_components": lambda b: b.terms[:3] or [b.topic],
    "plan": lambda b: [
        f"Reproduce {_quoted(b)}",
        f"Trace {b.topic} to the change that broke it",
        "Fix, add a regression test, ship behind review",
    ],
    "risk": lambda b: _RISK[b.triage.severity],
    "test_plan": lambda b: [f"Reproduce {_quoted(b)} before the fix", "Verify after the fix"],
    "regression_tests": lambda b: [f"test_{re.sub(r'[^a-z0-9]+', '_', b.topic)}_regression"],
    "verdict": lambda b: "pass",
    "accepted": lambda b: True,
    "concerns": lambda b: [],
    "containment_steps": lambda b: [
        f"Confirm the scope of {_quoted(b)}",
        "Roll back the last deploy",
    ],
    "rollback_plan": lambda b: (
        "Redeploy the previous release; check the error rate returns to baseline."
    ),
    "signals_to_watch": lambda b: ["error rate", "p95 latency", f"{b.topic} health checks"],
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

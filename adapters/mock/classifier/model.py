"""A first, small heuristic classifier (to be replaced by the weighted-signal one)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field


class Classification(BaseModel):
    kind: Literal["bug", "feature", "incident"]
    severity: Literal["critical", "high", "medium", "low"]
    priority: Literal["P1", "P2", "P3", "P4"]
    confidence: float = Field(ge=0.0, le=1.0)
    rationale: str
    signals: list[str]


_SIGNALS: dict[str, list[str]] = {
    "incident": [
        r"\boutage\b",
        r"\bdown\b",
        r"\bdegraded\b",
        r"\bincident\b",
        r"elevated error",
        r"\bproduction\b",
        r"\bnobody can\b",
        r"\bpaging\b",
        r"\b5\d\d\b",
    ],
    "feature": [
        r"\badd\b",
        r"\bsupport\b",
        r"\ballow\b",
        r"would be (great|nice)",
        r"\bcan we\b",
        r"\bfeature request\b",
        r"\bproposal\b",
    ],
    "bug": [
        r"\berror\b",
        r"\bcrash",
        r"\bfails?\b",
        r"\bbroken\b",
        r"\bexpected\b",
        r"\btraceback\b",
        r"\bregression\b",
        r"\breturns\b",
    ],
}
_SEVERITY = {"incident": ("high", "P1"), "bug": ("medium", "P2"), "feature": ("low", "P3")}


def classify(text: str) -> Classification:
    lowered = text.lower()
    hits = {
        kind: [m.group(0) for p in patterns if (m := re.search(p, lowered))]
        for kind, patterns in _SIGNALS.items()
    }
    kind = max(("bug", "incident", "feature"), key=lambda k: len(hits[k]))
    if not any(hits.values()):
        kind = "bug"
    severity, priority = _SEVERITY[kind]
    total = sum(len(v) for v in hits.values()) or 1
    return Classification(
        kind=kind,  # type: ignore[arg-type]
        severity=severity,  # type: ignore[arg-type]
        priority=priority,  # type: ignore[arg-type]
        confidence=round(0.4 + 0.5 * len(hits[kind]) / total, 2),
        rationale=f"{kind}: matched {', '.join(hits[kind]) or 'no strong signal'}",
        signals=hits[kind],
    )

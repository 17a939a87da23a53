"""The offline triage gate: text in, an explained `Classification` out."""

from __future__ import annotations

from adapters.mock.classifier import matching, scoring, severity
from adapters.mock.classifier.matching import Hit
from adapters.mock.classifier.prefilter import LiteralIndex
from adapters.mock.classifier.schema import Classification, Kind
from adapters.mock.classifier.signals import CONTENT
from adapters.mock.classifier.templates import TEMPLATES
from adapters.mock.classifier.text import split

MAX_SIGNALS = 20
_RATIONALE_PHRASES = 4


_INDEX = LiteralIndex(
    [[s.needs for s in TEMPLATES], [s.needs for s in CONTENT], list(severity.NEEDS)]
)


def classify(text: str) -> Classification:
    """Classify one work item; deterministic, offline, and explained by its signals."""
    ticket = split(text if isinstance(text, str) else str(text))
    templates, content, impact_rows = _INDEX.candidates(ticket.full.lower())
    hits = matching.find(ticket, templates, content)
    decision = scoring.decide(hits)
    impact = severity.assess(decision.kind, ticket.full, impact_rows)
    winning = _ranked(hits, decision.kind)
    signals = _signals(winning, impact.evidence)
    return Classification(
        kind=decision.kind,
        severity=impact.severity,
        priority=impact.priority,
        confidence=decision.confidence,
        rationale=_rationale(decision, winning, impact),
        signals=signals,
    )


def _ranked(hits: list[Hit], kind: Kind) -> list[Hit]:
    """Hits for the chosen kind, strongest first: the evidence that drove the call."""
    return sorted((h for h in hits if h.kind == kind), key=scoring.weight, reverse=True)


def _signals(winning: list[Hit], impact: dict[str, str]) -> list[str]:
    """Distinct phrases for the kind, then the impact phrases behind severity, at most 20."""
    out: list[str] = []
    for phrase in [h.phrase for h in winning] + list(impact.values()):
        if phrase and phrase.lower() not in (p.lower() for p in out):
            out.append(phrase)
    return out[:MAX_SIGNALS]


def _rationale(decision: scoring.Decision, winning: list[Hit], impact: severity.Impact) -> str:
    """One readable sentence per decision: kind and scores, then what set the severity."""
    scores = ", ".join(f"{k} {v:.1f}" for k, v in decision.scores.items())
    if winning:
        phrases = list(dict.fromkeys(h.phrase for h in winning))[:_RATIONALE_PHRASES]
        quoted = ", ".join(f"'{p}'" for p in phrases)
        why = f"{decision.kind} ({scores}): {quoted}"
    else:
        why = f"{decision.kind} by default: no class signal matched ({scores})"
    if impact.evidence:
        found = "; ".join(f"{k.replace('_', ' ')} '{v}'" for k, v in impact.evidence.items())
        return f"{why}. Severity {impact.severity} / {impact.priority} from {found}."
    return f"{why}. Severity {impact.severity} / {impact.priority}: no impact evidence."

"""`explain(text)`: per kind, the strongest evidence for and against it, with weights.

For `orchestrate triage --explain`: the same model, features and calibration as `classify`,
laid out so a person can see what drove the decision and what argued against it.
"""

from __future__ import annotations

from adapters.mock.classifier.evidence import analyse, contributions
from adapters.mock.classifier.model import Model, shipped
from adapters.mock.classifier.pipeline import REVIEW_BELOW, confidence_of, unsure_reason
from adapters.mock.classifier.schema import KINDS, Explanation, KindEvidence

TOP = 5


def explain(text: str, *, model: Model | None = None, limit: int = TOP) -> Explanation:
    """The decision's evidence: for each kind, up to `limit` items for and against it."""
    a = analyse(text, model or shipped())
    kinds = [
        KindEvidence(
            kind=kind,
            probability=round(a.probabilities[k], 4),
            support=contributions(a, kind, sign=1, limit=limit),
            against=contributions(a, kind, sign=-1, limit=limit),
        )
        for k, kind in enumerate(KINDS)
    ]
    top = a.ranked[0]
    confidence = confidence_of(a)
    unsure = confidence < REVIEW_BELOW
    reason = unsure_reason(a) if unsure else f"{KINDS[top]} at {confidence:.2f}"
    return Explanation(
        kind=KINDS[top],
        confidence=round(confidence, 3),
        needs_review=unsure,
        reason=reason,
        kinds=kinds,
        known_features=a.known,
    )

"""Turns hits into a kind and a confidence, with a fixed, explainable tie-break."""

from __future__ import annotations

import math
from dataclasses import dataclass

from adapters.mock.classifier.matching import Hit
from adapters.mock.classifier.schema import KINDS, Kind

# A phrase in the title is the reporter's own summary of the ticket, so it counts more.
TITLE_BOOST = 1.5
# Ties go to the kind whose miss costs more: an outage left in the backlog hurts more than a
# bug sent to Ops, and a bug parked as a feature more than a feature looked at as a bug.
TIE_ORDER: tuple[Kind, ...] = ("incident", "bug", "feature")
# A bug needs evidence of a deviation and an incident evidence of live impact; with no
# evidence at all, what is left is an ask: a feature (at low confidence).
DEFAULT_KIND: Kind = "feature"
# Scores are log-odds-like; this temperature turns them into class probabilities.
_TEMPERATURE = 2.0


@dataclass(frozen=True)
class Decision:
    """The chosen kind, the score of every kind, and how sure the scores let us be."""

    kind: Kind
    scores: dict[Kind, float]
    confidence: float


def weight(hit: Hit) -> float:
    """A hit's contribution to its kind's score."""
    return hit.weight * (TITLE_BOOST if hit.in_title and not hit.template else 1.0)


def decide(hits: list[Hit]) -> Decision:
    """Sum the weights per kind, take the best, break ties by cost of a miss."""
    scores: dict[Kind, float] = {kind: 0.0 for kind in KINDS}
    for hit in hits:
        scores[hit.kind] += weight(hit)
    if not any(scores.values()):
        return Decision(DEFAULT_KIND, scores, 0.34)
    kind = max(TIE_ORDER, key=lambda k: (scores[k], -TIE_ORDER.index(k)))
    return Decision(kind, scores, _confidence(kind, scores))


def _confidence(kind: Kind, scores: dict[Kind, float]) -> float:
    """Softmax share of the winner, shrunk when the total evidence is thin."""
    top = max(scores.values())
    exps = {k: math.exp((s - top) / _TEMPERATURE) for k, s in scores.items()}
    share = exps[kind] / sum(exps.values())
    evidence = 1.0 - math.exp(-scores[kind] / 6.0)
    return round(1 / 3 + (share - 1 / 3) * evidence, 3)

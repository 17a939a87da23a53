"""The offline triage gate: text in, a calibrated and explained `Classification` out.

The kind is the model's most probable one. When that probability is low the decision is
not dressed up: `needs_review` is set and the rationale says whether the evidence was weak
(little the model knows points anywhere) or conflicting (strong evidence both ways).
"""

from __future__ import annotations

from collections.abc import Iterable

from adapters.mock.classifier.evidence import (
    Analysis,
    Quoted,
    analyse,
    description,
    quoted,
    ranked_contributions,
)
from adapters.mock.classifier.model import Model, shipped
from adapters.mock.classifier.schema import KINDS, MAX_SIGNALS, Classification, Kind
from adapters.mock.classifier.severity import Assessment, assess
from adapters.mock.classifier.text import squash

# Below this calibrated probability a human should look (CV: ~60-70% right there).
REVIEW_BELOW = 0.6
# Less total evidence than this for the chosen kind is "weak", however it splits.
WEAK_EVIDENCE = 1.0
# A lone word with no signal ("search", "payments") is a topic, not a ticket: the model's
# probability for it says more about the dev set than about the item, so it is capped.
LONE_WORD_CONFIDENCE = 0.5
_RATIONALE_PHRASES = 4
_QUOTED = 12  # evidence items quoted per decision (quoting is the costly part)
# Words that carry weight in the model but tell a reader nothing; left out of the rationale.
_FILLER_WORDS = (
    "a an the is are was were be been to of in on at for and or but it its this that with as by "
    "from our my we i you they he she after before since when"
)
_FILLER = frozenset(_FILLER_WORDS.split())


def classify(text: str, *, model: Model | None = None) -> Classification:
    """Classify one work item; deterministic, offline, explained by its evidence."""
    a = analyse(text, model or shipped())
    top, runner_up = a.ranked[:2]
    kind = KINDS[top]
    confidence = confidence_of(a)
    support = _readable(quoted(a, kind, sign=1, limit=_QUOTED))
    impact = assess(kind, a.features.hits)
    unsure = unsure_reason(a) if confidence < REVIEW_BELOW else None
    # Every value is built here from typed parts: no validation needed on this hot path.
    return Classification.model_construct(
        kind=kind,
        severity=impact.severity,
        priority=impact.priority,
        confidence=round(confidence, 3),
        rationale=_rationale(a, kind, support, impact, unsure, KINDS[runner_up]),
        signals=_signals(a, support, impact),
        needs_review=unsure is not None,
    )


def confidence_of(a: Analysis) -> float:
    """The chosen kind's calibrated probability, capped for a lone word with no signal —
    the one number `classify` and `explain` both report."""
    confidence = a.probabilities[a.ranked[0]]
    return min(confidence, LONE_WORD_CONFIDENCE) if _lone_word(a) else confidence


def unsure_reason(a: Analysis) -> str:
    """Why a low-probability decision is unsure: too little evidence, or evidence both ways."""
    top, runner_up = a.ranked[:2]
    p = a.probabilities
    if _lone_word(a):
        return "weak evidence (one word and no signal: too little text to tell)"
    odds = f"{KINDS[top]} {p[top]:.2f} vs {KINDS[runner_up]} {p[runner_up]:.2f}"
    total = sum(r[0] for r in ranked_contributions(a, top, sign=1))
    if total < WEAK_EVIDENCE:
        return f"weak evidence ({odds}; little in the text points to any kind)"
    rival = _readable(quoted(a, KINDS[runner_up], sign=1, limit=_QUOTED))
    against = ", ".join(_quoted(e) for e in rival[:2])
    return f"conflicting evidence ({odds}; for {KINDS[runner_up]}: {against or 'none'})"


def _lone_word(a: Analysis) -> bool:
    words = [w for w in a.features.original.split() if w.lower() not in _FILLER]
    return len(words) <= 1 and not a.features.hits


def _readable(evidence: Iterable[Quoted]) -> list[Quoted]:
    """Evidence a person can read: one item per phrase, filler words left out."""
    out = []
    seen: set[str] = set()
    for e in evidence:
        key = e.phrase.lower()
        if key in seen or all(w in _FILLER or len(w) < 2 for w in key.split()):
            continue
        seen.add(key)
        out.append(e)
    return out


def _quoted(e: Quoted) -> str:
    what = description(e.feature)
    return f"'{e.phrase}'" + (f" ({what})" if what else "")


def _signals(a: Analysis, support: list[Quoted], impact: Assessment) -> list[str]:
    """Distinct phrases of the text behind the kind, then behind severity, at most 20."""
    haystack = squash(a.features.original).lower()
    out: list[str] = []
    seen: set[str] = set()
    phrases = [e.phrase for e in support] + list(impact.evidence.values())
    if impact.money:
        phrases.append(impact.money)
    for phrase in phrases:
        key = phrase.lower()
        if phrase and key not in seen and key in haystack:
            seen.add(key)
            out.append(phrase)
            if len(out) == MAX_SIGNALS:
                break
    return out


def _rationale(
    a: Analysis,
    kind: Kind,
    support: list[Quoted],
    impact: Assessment,
    unsure: str | None,
    runner_up: Kind,
) -> str:
    """Kind and probability with its strongest evidence, then what set the severity."""
    p = a.probabilities[KINDS.index(kind)]
    quoted = ", ".join(_quoted(e) for e in support[:_RATIONALE_PHRASES])
    if unsure:
        why = f"{kind}, unsure: {unsure}" + (f"; leaning on {quoted}" if quoted else "")
    else:
        q = a.probabilities[KINDS.index(runner_up)]
        why = f"{kind} ({p:.2f}, next {runner_up} {q:.2f}): {quoted or 'no single strong phrase'}"
    if impact.evidence:
        found = "; ".join(f"{k.replace('_', ' ')} '{v}'" for k, v in impact.evidence.items())
        sev = f"Severity {impact.severity} / {impact.priority} from {found}"
    else:
        sev = f"Severity {impact.severity} / {impact.priority}: no impact evidence"
        sev += f", the {kind} default"
    if impact.money:
        sev += f"; money involved ('{impact.money}')"
    return f"{why}. {sev}."

"""Severity and priority from impact evidence, per the DESIGN definitions.

critical: unusable, data loss, security breach; high: a major capability broken, no
workaround; medium: broken with a workaround; low: cosmetic, edge case. Priority: P1 drop
everything, P2 this iteration, P3 next, P4 when convenient; incidents happening now skew
P1/P2. The first rule whose evidence is all present wins; with none, the kind's default,
and the rationale says there was no impact evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

from adapters.mock.classifier.schema import Kind, Priority, Severity
from adapters.mock.classifier.signals import Hit, Impact

_DEFECTS: frozenset[Kind] = frozenset({"bug", "incident"})
_BUG: frozenset[Kind] = frozenset({"bug"})
_INCIDENT: frozenset[Kind] = frozenset({"incident"})
_FEATURE: frozenset[Kind] = frozenset({"feature"})

# (kinds, evidence that must all be present, evidence that must be absent, severity)
RULES: tuple[tuple[frozenset[Kind], tuple[Impact, ...], tuple[Impact, ...], Severity], ...] = (
    (_DEFECTS, ("privacy",), (), "critical"),
    (_DEFECTS, ("data_loss",), (), "critical"),
    (_DEFECTS, ("declared_critical",), (), "critical"),
    (_DEFECTS, ("unusable", "scope_all"), (), "critical"),
    (_INCIDENT, ("unusable",), ("scope_some",), "critical"),
    (_DEFECTS, ("security",), (), "high"),
    (_DEFECTS, ("declared_high",), (), "high"),
    (_DEFECTS, ("workaround",), (), "medium"),
    (_INCIDENT, ("scope_some",), (), "medium"),
    (_DEFECTS, ("scope_all",), (), "high"),
    (_DEFECTS, ("unusable",), (), "high"),
    (_DEFECTS, ("blocking",), (), "high"),
    (_INCIDENT, ("production", "live"), (), "high"),
    (_BUG, ("cosmetic",), (), "low"),
    (_FEATURE, ("security",), (), "medium"),
    (_FEATURE, ("privacy",), (), "medium"),
)
DEFAULT: dict[Kind, Severity] = {"bug": "medium", "incident": "medium", "feature": "low"}

PRIORITY: dict[tuple[Kind, Severity], Priority] = {
    ("incident", "critical"): "P1",
    ("incident", "high"): "P1",
    ("incident", "medium"): "P2",
    ("incident", "low"): "P3",
    ("bug", "critical"): "P1",
    ("bug", "high"): "P2",
    ("bug", "medium"): "P3",
    ("bug", "low"): "P4",
    ("feature", "critical"): "P2",
    ("feature", "high"): "P2",
    ("feature", "medium"): "P3",
    ("feature", "low"): "P4",
}
# Money lost while a defect stays open moves it one step sooner, but never to P1 alone.
_MONEY_FLOOR: Priority = "P2"
_ORDER: tuple[Priority, ...] = ("P1", "P2", "P3", "P4")


@dataclass(frozen=True)
class Assessment:
    """Severity, priority, and the impact phrases that set them (empty: kind's default)."""

    severity: Severity
    priority: Priority
    evidence: dict[Impact, str]
    money: str | None


def assess(kind: Kind, hits: tuple[Hit, ...]) -> Assessment:
    """Severity from the first matching rule, priority from kind and severity."""
    found: dict[Impact, str] = {}
    for hit in hits:
        if hit.signal.impact is not None:
            found.setdefault(hit.signal.impact, hit.phrase)
    severity, used = DEFAULT[kind], {}
    for kinds, needs, absent, level in RULES:
        if kind in kinds and all(n in found for n in needs) and not any(a in found for a in absent):
            severity, used = level, {n: found[n] for n in needs}
            break
    priority = PRIORITY[(kind, severity)]
    money = found.get("money") if kind in _DEFECTS and severity != "low" else None
    if money is not None:
        sooner = _ORDER[max(0, _ORDER.index(priority) - 1)]
        priority = min(priority, max(sooner, _MONEY_FLOOR, key=_ORDER.index), key=_ORDER.index)
    return Assessment(severity, priority, used, money)

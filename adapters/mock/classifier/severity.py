"""Severity and priority from impact evidence, per the DESIGN definitions.

critical: unusable, data loss, security breach; high: a major capability broken with no
workaround; medium: broken with a workaround; low: cosmetic or an edge case. Priority follows
severity and kind (P1 drop everything .. P4 when convenient), one step sooner when money is
involved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from adapters.mock.classifier.prefilter import Offsets, analyse, search, windows
from adapters.mock.classifier.schema import Kind, Priority, Severity
from adapters.mock.classifier.signals import FLAGS
from adapters.mock.classifier.text import squash

_ROWS: dict[str, str] = {
    "security": r"\b(?:security (?:breach|hole|issue|vulnerability|flaw|bug)|vulnerab\w+|cve-\d{4}"
    r"|exploit\w*|xss|csrf|sql injection|remote code execution|\brce\b|privilege escalation|"
    r"auth(?:entication|orization)? bypass|unauthori[sz]ed access|(?:leak\w*|expos\w+) "
    r"(?:of )?(?:credentials|secrets|tokens|passwords|api keys|personal data|pii|user data|"
    r"customer data)|(?:credentials|secrets|tokens|passwords|api keys) (?:are |were )?"
    r"(?:leak\w*|exposed)|data breach|compromised)",
    "data_loss": r"\b(?:data loss|lost (?:all |their |our |my )?(?:data|files|work|changes|"
    r"records|messages|orders|commits)|los(?:e|es|ing) (?:all |their |our |my )?(?:data|files|"
    r"work|changes|records|messages)|(?:data|database|files?|records) (?:was |were |is |are |got )?"
    r"(?:deleted|wiped|corrupted|destroyed|lost)|corrupt(?:s|ed|ion) (?:of )?(?:the )?(?:data|"
    r"database|files?|index|wallet|backups?)|irrecoverabl\w+|unrecoverabl\w+|permanently deleted)",
    "money": r"\b(?:billing|billed|charged|overcharg\w+|double[- ]charg\w+|payments?|invoices?|"
    r"refunds?|revenue|checkout|purchases?|transactions? (?:fail|lost))\b",
    "unusable": r"\b(?:unusable|completely (?:broken|down|unusable)|nothing works|"
    r"(?:nobody|no one|no-one) can|(?:all|every) (?:users|customers|requests|regions)|"
    r"for (?:all|every)(?:one|body)|everyone|\w+ (?:is |was |are |were )(?:completely |totally |"
    r"entirely )?(?:down|offline|unreachable)\b|(?:all|every|nearly all|almost all) (?:queries|"
    r"traffic|clients|visitors|tenants|accounts)|"
    r"(?:full|complete|total|major|global|widespread) outage|hard down)",
    "partial": r"\b(?:(?:a )?(?:subset|portion|small number|small percentage|fraction|few) of|"
    r"some (?:users|customers|requests|accounts|regions)|partial(?:ly)?|intermittent(?:ly)?|"
    r"sporadic(?:ally)?|occasional(?:ly)?|degraded|slow(?:er|ness)?|elevated|a single)\b",
    "blocking": r"\b(?:crash(?:es|ed|ing)?|hangs?|freezes?|blocker|blocking|cannot (?:use|start|"
    r"open|log ?in|sign ?in|access|save)|can'?t (?:use|start|open|log ?in|sign ?in|access|save)|"
    r"unable to (?:use|start|open|log ?in|sign ?in|access|save)|fails to start|won'?t start|"
    r"data corruption|segfault|segmentation fault|panic)\b",
    "workaround": r"\b(?:work ?around|workaround|temporary fix|as a temporary|can still|"
    r"alternatively|instead you can|manually|restart(?:ing)? (?:fixes|solves|resolves)|"
    r"reload(?:ing)? (?:fixes|solves|resolves))\b",
    "cosmetic": r"\b(?:typo|spelling|misspel\w*|cosmetic|alignment|misaligned|padding|margin|"
    r"colou?r|font|icon|tooltip|wording|css|styling|style|label text|minor|edge case|corner case|"
    r"rare(?:ly)?|docs|documentation|readme|comment|placeholder|log message|warning message|"
    r"deprecation warning|nit|nitpick|whitespace|indentation)\b",
}
_NAMES = tuple(_ROWS)
_PATTERNS = tuple(re.compile(_ROWS[name], FLAGS) for name in _NAMES)
_ANALYSED = tuple(analyse(p) for p in _PATTERNS)
NEEDS = tuple(needs for needs, _ in _ANALYSED)
_WIDTHS = tuple(width for _, width in _ANALYSED)

_PRIORITY: dict[tuple[Kind, Severity], Priority] = {
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


@dataclass(frozen=True)
class Impact:
    """Severity, priority and the impact phrases that set them."""

    severity: Severity
    priority: Priority
    evidence: dict[str, str]


def evidence(text: str, candidates: dict[int, Offsets]) -> dict[str, str]:
    """The first phrase found for each impact dimension (security, data loss, scope ...)."""
    found: dict[str, str] = {}
    lowered = text.lower()
    source = text if len(lowered) == len(text) else lowered
    for index, offsets in sorted(candidates.items()):
        spans = windows(offsets, _WIDTHS[index], len(lowered))
        m = next(search(_PATTERNS[index], lowered, spans), None)
        if m:
            found[_NAMES[index]] = squash(source[m.start() : m.end()])
    return found


def assess(kind: Kind, text: str, candidates: dict[int, Offsets]) -> Impact:
    """Severity from the evidence for this kind, then priority from kind and severity.

    `candidates` are the impact patterns that may match, with the offsets of their literals
    (see `prefilter.LiteralIndex`).
    """
    found = evidence(text, candidates)
    severity = _severity(kind, found)
    priority = _PRIORITY[(kind, severity)]
    if "money" in found and kind != "feature":
        priority = _sooner(priority)
    return Impact(severity, priority, found)


def _severity(kind: Kind, found: dict[str, str]) -> Severity:
    """Apply the DESIGN scale; features are asks, so they only rise with a security need."""
    if kind == "feature":
        return "medium" if "security" in found or "data_loss" in found else "low"
    if "security" in found or "data_loss" in found:
        return "critical"
    if kind == "incident":
        if "unusable" in found and "partial" not in found:
            return "critical"
        if "workaround" in found or ("partial" in found and "unusable" not in found):
            return "medium"
        return "high"
    if "unusable" in found:
        return "critical" if "workaround" not in found else "high"
    if "workaround" in found:
        return "medium"
    if "blocking" in found:
        return "high"
    if "cosmetic" in found:
        return "low"
    return "medium"


def _sooner(priority: Priority) -> Priority:
    """One priority step up, never past P1."""
    order: tuple[Priority, ...] = ("P1", "P2", "P3", "P4")
    return order[max(0, order.index(priority) - 1)]

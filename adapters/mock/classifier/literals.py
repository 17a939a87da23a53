"""Literals a regex cannot match without, so a cheap `in` test can skip a costly search.

Python's `re` tries every position of a ticket for every signal; most signals need one of a
few literals ("outage", "would be", "cve-"). Those are derived from the parsed pattern (the
signal table stays the single source of truth). A pattern with no derivable literal always
runs, so the check can skip work but never change a result.
"""

from __future__ import annotations

import re
from re import _constants as c  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]
from typing import Any

Needs = frozenset[str] | None
# Literals shorter than this occur almost everywhere; checking them would cost, not save.
MIN_LITERAL = 3
# At most this many strings come from chaining literal choices, so the check stays small.
MAX_CHAIN = 64


def needs(pattern: re.Pattern[str]) -> Needs:
    """Lower-cased strings of which at least one occurs in any text `pattern` matches."""
    try:
        parsed = _parser.parse(pattern.pattern, pattern.flags)
    except Exception:  # an internal parser change must never break classification
        return None
    found = _sequence(list(parsed))
    if found is not None and min(_letters(s) for s in found) < MIN_LITERAL:
        return None
    return found


def _sequence(items: list[tuple[Any, Any]]) -> Needs:
    """The most selective requirement among the parts that must all match, in order.

    Consecutive literals and small literal choices are chained into whole strings
    ("can|could" then " we" gives "can we", "could we"): longer literals are rarer.
    """
    options: list[frozenset[str]] = []
    chain: list[str] = [""]
    for op, av in items:
        choices = [chr(av).lower()] if op is c.LITERAL else _literal_choices(op, av)
        if choices is not None and len(chain) * len(choices) <= MAX_CHAIN:
            chain = [head + tail for head in chain for tail in choices]
            continue
        if chain != [""]:
            options.append(frozenset(chain))
        chain = [""] if choices is None else choices
        if choices is None:
            need = _node(op, av)
            if need:
                options.append(need)
    if chain != [""]:
        options.append(frozenset(chain))
    if not options:
        return None
    return max(options, key=_selectivity)


def _literal_choices(op: Any, av: Any) -> list[str] | None:
    """The strings a node matches when it is a plain choice of literals, else None."""
    if op is c.IN and all(o is c.LITERAL for o, _ in av):
        return [chr(v).lower() for _, v in av]
    if op is c.BRANCH:
        out = []
        for branch in av[1]:
            if not all(o is c.LITERAL for o, _ in branch):
                return None
            out.append("".join(chr(v).lower() for _, v in branch))
        return out
    if op is c.SUBPATTERN:
        inner = list(av[-1])
        if len(inner) == 1:
            return _literal_choices(*inner[0])
    return None


def _selectivity(option: frozenset[str]) -> tuple[int, int]:
    """Longer literals are rarer, spaces add nothing, and fewer choices is better."""
    return (min(_letters(s) for s in option), -len(option))


def _letters(literal: str) -> int:
    """How many characters of a literal are not spaces."""
    return len(literal.replace(" ", ""))


def _node(op: Any, av: Any) -> Needs:
    """The requirement of one parsed node, or None when it can match without a literal."""
    if op is c.SUBPATTERN:
        return _sequence(list(av[-1]))
    if op is c.BRANCH:
        branches = [_sequence(list(b)) for b in av[1]]
        if any(b is None for b in branches):
            return None
        return frozenset().union(*branches)  # type: ignore[arg-type]
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT) and av[0] >= 1:
        return _sequence(list(av[2]))
    if op is c.ATOMIC_GROUP:
        return _sequence(list(av))
    return None

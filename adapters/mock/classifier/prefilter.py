"""Cheap literal pre-checks so each regex runs only on texts that could match it.

Python's `re` scans every position for every pattern, which for ~150 patterns over a long
ticket costs milliseconds. Most patterns need one of a few literals ("outage", "would be",
"crash"). Those literals are derived from the patterns themselves (the table stays the single
source of truth), and one trie-shaped scan of the lower-cased text finds which of them occur;
a pattern runs only when one of its literals did. A pattern with no derivable literal always
runs, so the pre-check can skip work but never change a result.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from re import _constants as c  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]
from typing import Any

Needs = frozenset[str] | None
# Literals shorter than this occur almost everywhere; checking them would cost, not save.
MIN_LITERAL = 3
# At most this many strings come from chaining literal choices, so the scan stays small.
MAX_CHAIN = 64


Offsets = list[int] | None  # where a row's literals occur; None: search the whole text


class LiteralIndex:
    """For one or more pattern tables: which rows may match a text, found in a single scan.

    One trie-shaped regex finds every literal occurrence in the lower-cased text; each
    occurrence points at the rows that need that literal. Rows without literals always run.
    """

    def __init__(self, tables: Iterable[Iterable[Needs]]) -> None:
        self.tables: list[list[Needs]] = [list(t) for t in tables]
        self._always: list[dict[int, Offsets]] = []
        by_literal: dict[str, list[tuple[int, int]]] = {}
        for t, rows in enumerate(self.tables):
            self._always.append({i: None for i, needs in enumerate(rows) if needs is None})
            for i, needs in enumerate(rows):
                for lit in needs or ():
                    by_literal.setdefault(lit, []).append((t, i))
        words = sorted(by_literal)
        # A literal's rows include those of every shorter literal it starts with: at one
        # position the scan reports only the longest literal, and the shorter ones are there too.
        self._rows = {
            w: [r for k in range(1, len(w) + 1) for r in by_literal.get(w[:k], ())] for w in words
        }
        body = _trie(words)
        self._scan = re.compile(f"(?=({body}))", re.DOTALL) if body else None

    def candidates(self, lowered: str) -> list[dict[int, Offsets]]:
        """Per table: row index -> offsets of its literals, for rows that may match."""
        if self._scan is None:
            return [dict(always) for always in self._always]
        found: list[dict[int, list[int]]] = [{} for _ in self.tables]
        for m in self._scan.finditer(lowered):
            at = m.start()
            for t, i in self._rows[m.group(1)]:
                found[t].setdefault(i, []).append(at)
        out: list[dict[int, Offsets]] = []
        for always, rows in zip(self._always, found, strict=True):
            table: dict[int, Offsets] = dict(always)
            table.update(rows)
            out.append(table)
        return out


def windows(offsets: list[int] | None, width: int | None, size: int) -> list[tuple[int, int]]:
    """Spans of the text a match can lie in: within `width` of a literal occurrence.

    A match contains one of its literals and is at most `width` long, so it lies within
    `width` characters either side of an occurrence. The span ends one character later, so
    that word-boundary checks at a match's end still see the next character.
    """
    if offsets is None or width is None:
        return [(0, size)]
    spans: list[tuple[int, int]] = []
    for at in offsets:
        lo, hi = max(0, at - width), min(size, at + width + 1)
        if spans and lo <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], hi))
        else:
            spans.append((lo, hi))
    return spans


def search(
    pattern: re.Pattern[str], text: str, spans: list[tuple[int, int]]
) -> Iterator[re.Match[str]]:
    """Matches of `pattern` in `text`, looking only inside `spans`.

    A match that ends exactly at a cut-off span end is dropped: there the end-of-text the
    engine saw is artificial, and any true match ends before it.
    """
    size = len(text)
    for lo, hi in spans:
        pos = lo
        while pos <= hi:
            m = pattern.search(text, pos, hi)
            if m is None:
                break
            if m.end() == hi < size:
                pos = m.start() + 1
                continue
            yield m
            pos = max(m.end(), m.start() + 1)


def analyse(pattern: re.Pattern[str]) -> tuple[Needs, int | None]:
    """The pattern's required literals and the longest text it can match (None: unbounded).

    Literals: lower-cased strings of which at least one occurs in any text the pattern
    matches; None when that cannot be derived, and then the pattern always runs.
    """
    try:
        parsed = _parser.parse(pattern.pattern, pattern.flags)
    except Exception:  # an internal parser change must never break classification
        return None, None
    width = parsed.getwidth()[1]
    needs = _sequence(list(parsed))
    if needs is not None and min(_letters(s) for s in needs) < MIN_LITERAL:
        needs = None
    return needs, (width if width < c.MAXREPEAT else None)


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


def _trie(words: list[str]) -> str:
    """A regex alternation shaped as a trie, so each position costs a few steps, not hundreds."""
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _emit(root)


def _emit(node: dict[str, Any]) -> str:
    """Regex for one trie node; a greedy optional tail captures the longest literal."""
    ends = "" in node
    alts = [re.escape(ch) + _emit(child) for ch, child in sorted(node.items()) if ch]
    if not alts:
        return ""
    body = alts[0] if len(alts) == 1 and not ends else "(?:" + "|".join(alts) + ")"
    if ends:
        body = f"(?:{body})?" if len(alts) == 1 else body + "?"
    return body

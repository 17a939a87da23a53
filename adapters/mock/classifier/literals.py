"""Literals a regex cannot match without, so one cheap scan can skip most signal searches.

Python's `re` tries every position of a ticket for every signal; most signals need one of a
few literals ("outage", "would be", "cve-"). Those are derived from the parsed pattern (the
signal table stays the single source of truth). A pattern that is an alternation with no
literal common to all of it is split into its alternatives (`alternatives`), each with its
own literals, so a signal like "HTTP 5xx" is still gated. `Scanner` finds, in one pass over
the text, every literal of every signal that occurs; only the signals one of whose literals
occurred are searched. A part with no derivable literal always runs, so the scan can skip
work but never change a result.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from re import _constants as c  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]
from typing import Any

Needs = frozenset[str] | None
# Literals shorter than this occur almost everywhere; checking them would cost, not save.
MIN_LITERAL = 3
# At most this many strings come from chaining literal choices, so the check stays small.
MAX_CHAIN = 128
# A character class of at most this many characters is expanded into literal choices.
MAX_CLASS = 10
_DIGITS = [str(d) for d in range(10)]


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


def alternatives(source: str) -> list[str]:
    """The top-level alternatives of a regex source (`a|b(c|d)` -> `a`, `b(c|d)`)."""
    out: list[str] = []
    depth, start, i, in_class = 0, 0, 0, False
    while i < len(source):
        ch = source[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]" or source[i - 1] == "["
        elif ch == "[":
            in_class = True
            if source[i + 1 : i + 2] == "^":
                i += 1
            if source[i + 1 : i + 2] == "]":
                i += 1
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            out.append(source[start:i])
            start = i + 1
        i += 1
    out.append(source[start:])
    return out


class Scanner:
    """Finds, in one regex pass, which of many literals occur in a text.

    Each literal is cut to its first `WIDTH` characters (a text holding a literal holds its
    start: the check gets a little weaker, the pattern much smaller). The cut literals are
    compiled into one trie-shaped pattern inside a lookahead, so every position is tried and
    the longest literal starting there is reported. Every literal that starts at the same
    position is a prefix of that longest one, so `keys_for` maps each literal to the keys of
    it and of all its prefixes: no occurrence is missed.
    """

    WIDTH = 8

    def __init__(self, needs_by_key: Sequence[tuple[int, frozenset[str]]]) -> None:
        owners: dict[str, set[int]] = {}
        for key, literals in needs_by_key:
            for literal in {s[: self.WIDTH] for s in literals}:
                owners.setdefault(literal, set()).add(key)
        self.keys_for: dict[str, frozenset[int]] = {}
        for literal in owners:
            keys: set[int] = set()
            for end in range(1, len(literal) + 1):
                keys.update(owners.get(literal[:end], ()))
            self.keys_for[literal] = frozenset(keys)
        self.pattern = re.compile(f"(?=({_trie(owners)}))", re.DOTALL) if owners else None

    def keys(self, text: str) -> set[int]:
        """The keys any of whose literals occurs in `text`."""
        if self.pattern is None:
            return set()
        out: set[int] = set()
        keys_for = self.keys_for
        for literal in set(self.pattern.findall(text)):
            out.update(keys_for[literal])
        return out


def _trie(literals: Iterable[str]) -> str:
    """A regex matching the longest of `literals` at a position (greedy trie branches)."""
    root: dict[str, Any] = {}
    for literal in literals:
        node = root
        for ch in literal:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        end = "" in node
        kids = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not kids:
            return ""
        body = kids[0] if len(kids) == 1 and not end else "(?:" + "|".join(kids) + ")"
        return body + ("?" if end else "")

    return emit(root)


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
            chain = list(dict.fromkeys(head + tail for head in chain for tail in choices))
            continue
        if chain != [""]:
            options.append(frozenset(s for s in chain if s) if all(chain) else frozenset())
        chain = [""] if choices is None else choices
        if choices is None:
            need = _node(op, av)
            if need:
                options.append(need)
    if chain != [""] and all(chain):
        options.append(frozenset(chain))
    options = [o for o in options if o]
    if not options:
        return None
    return max(options, key=_selectivity)


def _literal_choices(op: Any, av: Any) -> list[str] | None:
    """The strings a node matches when it is a plain choice of literals, else None."""
    if op is c.IN:
        return _class(av)
    if op is c.BRANCH:
        out: list[str] = []
        for branch in av[1]:
            strings = _plain(list(branch))
            if strings is None:
                return None
            out.extend(strings)
        return out if len(out) <= MAX_CHAIN else None
    if op is c.SUBPATTERN:
        return _plain(list(av[-1]))
    if op is c.MAX_REPEAT and av[0] == 0 and av[1] == 1:
        inner = _plain(list(av[2]))
        return None if inner is None else [*inner, ""]
    return None


def _plain(items: list[tuple[Any, Any]]) -> list[str] | None:
    """All strings a sequence of literal choices matches (None if it is not one)."""
    out = [""]
    for op, av in items:
        choices = [chr(av).lower()] if op is c.LITERAL else _literal_choices(op, av)
        if choices is None or len(out) * len(choices) > MAX_CHAIN:
            return None
        out = list(dict.fromkeys(head + tail for head in out for tail in choices))
    return out


def _class(av: Any) -> list[str] | None:
    """The characters of a small positive character class, lower-cased."""
    out: list[str] = []
    for op, value in av:
        if op is c.LITERAL:
            out.append(chr(value).lower())
        elif op is c.RANGE and value[1] - value[0] < MAX_CLASS:
            out.extend(chr(v).lower() for v in range(value[0], value[1] + 1))
        elif op is c.CATEGORY and value is c.CATEGORY_DIGIT:
            out.extend(_DIGITS)
        else:
            return None
    out = list(dict.fromkeys(out))
    return out if len(out) <= MAX_CLASS else None


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

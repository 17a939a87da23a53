"""Splits a ticket into title and body, and cuts it into the word tokens features use.

Tickets arrive as "title, blank line, body", as one run-on line, or as a template full of
headings. Very long inputs are capped so a pasted log cannot slow the gate down.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_CHARS = 4_000
_TITLE_CUT = re.compile(r"\n\s*\n|\n|(?<=[.!?])\s")
_MAX_TITLE = 160
# Words, with an inner apostrophe ("doesn't") kept; digits alone become one token, so the
# model learns "a number here" rather than every number it saw.
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?", re.ASCII)
NUMBER = "0"


@dataclass(frozen=True)
class Ticket:
    """The parts of one ticket that features are taken from."""

    title: str
    body: str
    lowered: str

    @property
    def full(self) -> str:
        """Title and body joined, as one searchable string."""
        return f"{self.title}\n{self.body}"


def split(text: str) -> Ticket:
    """Cap the input and split off a title: the reporter's own summary of the ticket."""
    stripped = (text or "")[:MAX_CHARS].strip().replace("\u2019", "'")
    cut = _TITLE_CUT.search(stripped)
    if cut and cut.start() <= _MAX_TITLE:
        title, body = stripped[: cut.start()], stripped[cut.end() :]
    else:
        title, body = stripped[:_MAX_TITLE], stripped[_MAX_TITLE:]
    title = title.strip()
    return Ticket(title=title, body=body, lowered=f"{title}\n{body}".lower())


def tokens(lowered: str) -> list[str]:
    """Word tokens of lower-cased text, numbers folded to one token."""
    return [NUMBER if t.isdigit() else t for t in _TOKEN.findall(lowered)]


def squash(phrase: str) -> str:
    """Collapse whitespace so a quoted phrase reads as the words it came from."""
    return " ".join(phrase.split())

"""Splits a ticket into the parts the signals look at: title, body and whole text.

Tickets arrive as "title, blank line, body", as one run-on line, or as a template full of
headings. Signals read a lower-cased copy with code and log blocks kept (stack traces are
evidence), but very long inputs are capped so a pasted log cannot slow the gate down.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_CHARS = 8_000
_TITLE_CUT = re.compile(r"\n\s*\n|\n|(?<=[.!?])\s")
_MAX_TITLE = 160


@dataclass(frozen=True)
class Ticket:
    """The parts of one ticket that signals are matched against."""

    original: str
    title: str
    body: str

    @property
    def full(self) -> str:
        """Title and body joined, as one searchable string."""
        return f"{self.title}\n{self.body}"


def split(text: str) -> Ticket:
    """Cap the input and split off a title, since title wording weighs more than body."""
    clipped = (text or "")[:MAX_CHARS]
    stripped = clipped.strip()
    cut = _TITLE_CUT.search(stripped)
    if cut and cut.start() <= _MAX_TITLE:
        title, body = stripped[: cut.start()], stripped[cut.end() :]
    else:
        title, body = stripped[:_MAX_TITLE], stripped[_MAX_TITLE:]
    return Ticket(original=clipped, title=title.strip(), body=body)


def squash(phrase: str) -> str:
    """Collapse whitespace so a reported signal reads as the phrase it came from."""
    return " ".join(phrase.split())

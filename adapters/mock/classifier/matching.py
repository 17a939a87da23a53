"""Finds which signals fire in a ticket, with template masking and negation handling.

Patterns run on a lower-cased copy of the ticket, and only near the literals they need (see
`prefilter`); reported phrases are cut from the original text at the same offsets, so they
read as the reporter wrote them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from adapters.mock.classifier.prefilter import Offsets, search, windows
from adapters.mock.classifier.schema import Kind
from adapters.mock.classifier.signals import CONTENT, Signal
from adapters.mock.classifier.templates import TEMPLATES
from adapters.mock.classifier.text import Ticket, squash

# A negator shortly before a phrase, within the same clause: "no errors", "without crashing",
# "not a feature request". The phrase then is not evidence for its class.
_NEGATED = re.compile(
    r"(?:\b(?:no|not|never|without|nor|neither|none|hardly)|n't)\s+(?:[\w'-]+\s+){0,2}$", re.ASCII
)
_NEGATION_WINDOW = 40
_MASK = "\x00"
_STRIP = " \t[](){}:;,.-*#>`'\""
_STRIP_END = " \t[({:;,.-*#>`'\""


@dataclass(frozen=True)
class Hit:
    """One signal that fired: its class, weight, the phrase as written and where it was."""

    kind: Kind
    weight: float
    phrase: str
    in_title: bool
    template: bool = False


class _View:
    """The lower-cased ticket being searched, and the original text to quote phrases from."""

    def __init__(self, ticket: Ticket) -> None:
        self.original = ticket.full
        self.lowered = self.original.lower()
        # Unicode case mapping can change lengths; then quote from the lower-cased copy.
        if len(self.lowered) != len(self.original):
            self.original = self.lowered
        self.title_end = len(ticket.title.lower())

    def quote(self, m: re.Match[str]) -> str:
        """The phrase a match covers, as written, without a leading tag or punctuation."""
        group = "core" if "core" in m.re.groupindex else 0
        text = self.original[m.start(group) : m.end(group)]
        return squash(text.replace(_MASK, " ")).lstrip(_STRIP).rstrip(_STRIP_END)


def find(ticket: Ticket, templates: dict[int, Offsets], content: dict[int, Offsets]) -> list[Hit]:
    """All template and content hits, templates first, each signal counted at most once.

    `templates` and `content` are the rows of TEMPLATES and CONTENT that may match, with the
    offsets of their literals (see `prefilter.LiteralIndex`).
    """
    view = _View(ticket)
    hits = _templates(view, templates)
    title = view.lowered[: view.title_end]
    for index, offsets in sorted(content.items()):
        signal = CONTENT[index]
        if signal.where == "start":
            m = signal.pattern.match(title)
            hit = Hit(signal.kind, signal.weight, view.quote(m), True) if m else None
        else:
            hit = _content_hit(signal, view, offsets)
        if hit is not None:
            hits.append(hit)
    return hits


def _templates(view: _View, candidates: dict[int, Offsets]) -> list[Hit]:
    """Count each template heading once and blank every copy, so its words say nothing more."""
    hits: list[Hit] = []
    for index, offsets in sorted(candidates.items()):
        signal = TEMPLATES[index]
        spans = windows(offsets, signal.width, len(view.lowered))
        matches = list(search(signal.pattern, view.lowered, spans))
        if not matches:
            continue
        hits.append(Hit(signal.kind, signal.weight, view.quote(matches[0]), False, True))
        text = view.lowered
        for m in matches:
            text = text[: m.start()] + _MASK * (m.end() - m.start()) + text[m.end() :]
        view.lowered = text
    return hits


def _content_hit(signal: Signal, view: _View, offsets: Offsets) -> Hit | None:
    """The first non-negated occurrence; the title comes first, so a title hit wins."""
    text = view.lowered
    if offsets is None:
        m = signal.pattern.search(text)
        while m is not None and signal.negatable and _is_negated(text, m.start()):
            m = signal.pattern.search(text, m.start() + 1)
    else:
        spans = windows(offsets, signal.width, len(text))
        matches = search(signal.pattern, text, spans)
        m = next((m for m in matches if not (signal.negatable and _is_negated(text, m.start()))),
                 None)  # fmt: skip
    if m is None:
        return None
    return Hit(signal.kind, signal.weight, view.quote(m), m.start() < view.title_end)


def _is_negated(text: str, start: int) -> bool:
    """Whether a negator sits just before the phrase in the same clause."""
    return _NEGATED.search(text[max(0, start - _NEGATION_WINDOW) : start]) is not None

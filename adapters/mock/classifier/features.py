"""Turns a ticket into the model's features: word n-grams, title characters, signals.

- words: unigrams and bigrams of the whole ticket (`w:`), weighted like TF-IDF;
- characters: 3- to 5-grams inside the title's words (`c:`), which carry misspellings,
  inflections and identifiers a word model never saw;
- the title's first word (`f:`): "Add …", "Support …" and "Crash …" open different tickets;
- hand-written signals (`s:`, see `signals`), the readable evidence.

Word and character counts are kept raw here; `model.Model.vector` weights and normalises them
with the statistics of the data the model was trained on.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from adapters.mock.classifier.signals import Hit, find
from adapters.mock.classifier.text import Ticket, split, tokens

WORD, CHARS, FIRST, SIGNAL = "w:", "c:", "f:", "s:"
_CHAR_SIZES = (3, 4, 5)


@dataclass(frozen=True)
class Features:
    """One ticket's raw features, and the signal hits behind the `s:` ones."""

    ticket: Ticket
    original: str
    words: dict[str, int]
    chars: dict[str, int]
    flags: tuple[str, ...]
    hits: tuple[Hit, ...]


def extract(text: str) -> Features:
    """All features of one ticket; deterministic and dependency-free."""
    ticket = split(text if isinstance(text, str) else str(text))
    full = ticket.full
    original = full if len(full) == len(ticket.lowered) else ticket.lowered
    words = tokens(ticket.lowered)
    counts: dict[str, int] = {}
    for gram in _word_grams(words):
        counts[gram] = counts.get(gram, 0) + 1
    hits = tuple(find(ticket, original))
    title_words = tokens(ticket.title.lower())
    flags = [SIGNAL + h.signal.name for h in hits]
    if title_words:
        flags.append(FIRST + title_words[0])
    return Features(ticket, original, counts, char_grams(title_words), tuple(flags), hits)


def _word_grams(words: list[str]) -> list[str]:
    grams = [WORD + w for w in words]
    grams.extend(f"{WORD}{a} {b}" for a, b in itertools.pairwise(words))
    return grams


def char_grams(words: list[str]) -> dict[str, int]:
    """Character n-grams within each word padded by spaces, like scikit-learn's char_wb."""
    counts: dict[str, int] = {}
    for word in words:
        padded = f" {word} "
        for n in _CHAR_SIZES:
            for i in range(len(padded) - n + 1):
                gram = CHARS + padded[i : i + n]
                counts[gram] = counts.get(gram, 0) + 1
            if len(padded) <= n:
                break
    return counts

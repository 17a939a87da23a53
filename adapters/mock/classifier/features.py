"""Turns a ticket into the model's features: word n-grams, title characters, signals.

- words: unigrams and bigrams of the whole ticket (`w:`), weighted like TF-IDF;
- characters: 3- to 5-grams inside the title's words (`c:`), which carry misspellings,
  inflections and identifiers a word model never saw;
- the title's first word (`f:`): "Add …", "Support …" and "Crash …" open different tickets;
- hand-written signals (`s:`, see `signals`), the readable evidence.

Word and character counts are kept raw and without their prefix here (a bigram is "a b":
tokens have no spaces, so it cannot collide with a unigram); `model.Model.vector` weights
and normalises them with the statistics of the data the model was trained on.
"""

from __future__ import annotations

from dataclasses import dataclass

from adapters.mock.classifier.signals import Hit, find
from adapters.mock.classifier.text import Ticket, split, tokens

WORD, CHARS, FIRST, SIGNAL = "w:", "c:", "f:", "s:"
_CHAR_SIZES = (3, 4, 5)
# Character n-grams of a word are the same every time: keep them (bounded, cleared if full).
_GRAMS: dict[str, tuple[str, ...]] = {}
_GRAMS_MAX = 100_000


@dataclass(frozen=True, slots=True)
class Features:
    """One ticket's raw features, and the signal hits behind the `s:` ones."""

    ticket: Ticket
    original: str
    words: dict[str, int]  # word n-gram -> count ("a" or "a b"), without the `w:` prefix
    chars: dict[str, int]  # title character n-gram -> count, without the `c:` prefix
    flags: tuple[str, ...]  # whole feature names: `s:` signals and the `f:` first word
    hits: tuple[Hit, ...]
    title_words: tuple[str, ...]

    def names(self) -> set[str]:
        """Every feature name of the ticket, prefixed as the model file stores them."""
        out = {WORD + g for g in self.words}
        out.update(CHARS + g for g in self.chars)
        out.update(self.flags)
        return out


def extract(text: str) -> Features:
    """All features of one ticket; deterministic and dependency-free."""
    ticket = split(text if isinstance(text, str) else str(text))
    lowered = ticket.lowered
    original = ticket.full if len(ticket.title) + len(ticket.body) + 1 == len(lowered) else lowered
    words = tokens(lowered)
    counts: dict[str, int] = {}
    get = counts.get
    for w in words:
        counts[w] = get(w, 0) + 1
    prev = None
    for w in words:
        if prev is not None:
            gram = f"{prev} {w}"
            counts[gram] = get(gram, 0) + 1
        prev = w
    hits = tuple(find(ticket, original))
    title_words = tuple(tokens(ticket.title.lower()))
    flags = [SIGNAL + h.signal.name for h in hits]
    if title_words:
        flags.append(FIRST + title_words[0])
    return Features(
        ticket, original, counts, char_grams(title_words), tuple(flags), hits, title_words
    )


def char_grams(words: tuple[str, ...] | list[str]) -> dict[str, int]:
    """Character n-grams within each word padded by spaces, like scikit-learn's char_wb."""
    counts: dict[str, int] = {}
    get = counts.get
    for word in words:
        for gram in grams_of(word):
            counts[gram] = get(gram, 0) + 1
    return counts


def grams_of(word: str) -> tuple[str, ...]:
    """The character 3- to 5-grams of one word padded by spaces, in order, with repeats."""
    found = _GRAMS.get(word)
    if found is None:
        padded = f" {word} "
        out: list[str] = []
        for n in _CHAR_SIZES:
            out.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
            if len(padded) <= n:
                break
        if len(_GRAMS) >= _GRAMS_MAX:
            _GRAMS.clear()
        found = _GRAMS[word] = tuple(out)
    return found

"""Turns a ticket into the model's features: word n-grams, characters, signals.

- words: unigrams and bigrams of the whole ticket (`w:`), weighted like TF-IDF;
- characters: 3- to 5-grams inside the title's words (`c:`), which carry misspellings,
  inflections and identifiers a word model never saw, and the same over every word of 3+
  letters in the ticket (`d:`, each word counted 1 + log(its count)), where they carry a
  body's vocabulary the word n-grams never saw;
- the title's first word (`f:`): "Add …", "Support …" and "Crash …" open different tickets;
- hand-written signals (`s:`, see `signals`), the readable evidence.

Word and character counts are kept without idf and without their prefix here (a bigram is "a b":
tokens have no spaces, so it cannot collide with a unigram); `model.Model.vector` weights
and normalises them with the statistics of the data the model was trained on.
"""

from __future__ import annotations

from collections import Counter
from math import log

from adapters.mock.classifier.signals import Hit, find
from adapters.mock.classifier.text import Ticket, split, tokens

WORD, CHARS, DOC_CHARS, FIRST, SIGNAL = "w:", "c:", "d:", "f:", "s:"
_CHAR_SIZES = (3, 4, 5)
DOC_MIN_LETTERS = 3  # the whole-ticket character block's shortest word
# Character n-grams of a word are the same every time: keep them (bounded, cleared if full).
_GRAMS: dict[str, tuple[str, ...]] = {}
_GRAMS_MAX = 100_000


class Features:
    """One ticket's raw features, and the signal hits behind the `s:` ones.

    The classifier reads `tokens` and `title_words` directly (looking up only what the model
    knows); `words` and `chars`, every n-gram with its count, are for training."""

    __slots__ = (
        "_chars",
        "_doc_chars",
        "_words",
        "flags",
        "hits",
        "original",
        "ticket",
        "title_words",
        "tokens",
    )

    def __init__(
        self,
        ticket: Ticket,
        original: str,
        tokens: list[str],
        title_words: tuple[str, ...],
        flags: tuple[str, ...],
        hits: tuple[Hit, ...],
    ) -> None:
        self.ticket = ticket
        self.original = original
        self.tokens = tokens
        self.title_words = title_words
        self.flags = flags  # whole feature names: `s:` signals and the `f:` first word
        self.hits = hits
        self._words: dict[str, int] | None = None
        self._chars: dict[str, int] | None = None
        self._doc_chars: dict[str, float] | None = None

    @property
    def words(self) -> dict[str, int]:
        """Word n-gram -> count ("a" or "a b"), without the `w:` prefix."""
        if self._words is None:
            self._words = word_grams(self.tokens)
        return self._words

    @property
    def chars(self) -> dict[str, int]:
        """Title character n-gram -> count, without the `c:` prefix."""
        if self._chars is None:
            self._chars = char_grams(self.title_words)
        return self._chars

    @property
    def doc_chars(self) -> dict[str, float]:
        """Character n-gram of any word of the ticket -> its weight (`doc_char_grams`),
        without the `d:` prefix."""
        if self._doc_chars is None:
            self._doc_chars = doc_char_grams(self.tokens)
        return self._doc_chars

    def names(self) -> set[str]:
        """Every feature name of the ticket, prefixed as the model file stores them."""
        out = {WORD + g for g in self.words}
        out.update(CHARS + g for g in self.chars)
        out.update(DOC_CHARS + g for g in self.doc_chars)
        out.update(self.flags)
        return out


def extract(text: str) -> Features:
    """All features of one ticket; deterministic and dependency-free."""
    ticket = split(text if isinstance(text, str) else str(text))
    lowered = ticket.lowered
    original = ticket.full if len(ticket.title) + len(ticket.body) + 1 == len(lowered) else lowered
    hits = tuple(find(ticket, original))
    title_words = tuple(tokens(ticket.title.lower()))
    flags = [SIGNAL + h.signal.name for h in hits]
    if title_words:
        flags.append(FIRST + title_words[0])
    return Features(ticket, original, tokens(lowered), title_words, tuple(flags), hits)


def word_grams(words: list[str]) -> dict[str, int]:
    """Unigrams and bigrams ("a b") with their counts."""
    counts: dict[str, int] = {}
    get = counts.get
    prev = None
    for w in words:
        counts[w] = get(w, 0) + 1
        if prev is not None:
            gram = f"{prev} {w}"
            counts[gram] = get(gram, 0) + 1
        prev = w
    return counts


def char_grams(words: tuple[str, ...] | list[str]) -> dict[str, int]:
    """Character n-grams within each word padded by spaces, like scikit-learn's char_wb."""
    counts: dict[str, int] = {}
    get = counts.get
    for word in words:
        for gram in grams_of(word):
            counts[gram] = get(gram, 0) + 1
    return counts


def doc_char_grams(words: list[str]) -> dict[str, float]:
    """Character n-grams of every word of `DOC_MIN_LETTERS` or more, each word counted
    1 + log(its count): sublinear per word, so a ticket's repeated words do not drown the
    rest, and still a sum per word. Shorter words ("a", "to", "is") are left to the word
    block: their characters add nothing it lacks (in CV the same scores), and they are a
    sixth of a ticket's distinct words."""
    counts: dict[str, float] = {}
    get = counts.get
    for word, n in Counter(words).items():
        if len(word) < DOC_MIN_LETTERS:
            continue
        weight = 1.0 + log(n) if n > 1 else 1.0
        for gram in grams_of(word):
            counts[gram] = get(gram, 0.0) + weight
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

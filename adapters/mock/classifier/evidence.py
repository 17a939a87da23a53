"""One ticket through the model, with each feature's signed contribution per kind.

Contributions are `value * weight`; weights are centred across kinds, so a positive
contribution is evidence for a kind against the others, and a negative one against it.
Character n-grams are summed per word (an n-gram is not something a person reads),
and every piece of evidence is quoted as the ticket wrote it.

Only what a decision shows is quoted (`Quoted` items, plain tuples); `contributions` wraps
them as `Evidence` models for `explain`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from adapters.mock.classifier.features import (
    CHARS,
    FIRST,
    SIGNAL,
    WORD,
    Features,
    extract,
)
from adapters.mock.classifier.model import Model
from adapters.mock.classifier.schema import KINDS, Evidence, Kind
from adapters.mock.classifier.signals import BY_NAME
from adapters.mock.classifier.text import NUMBER

_TOKEN_SPAN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?", re.ASCII)
_TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz")
_KIND_INDEX = {k: i for i, k in enumerate(KINDS)}
_FEATURE = {WORD: "words", CHARS: "characters", FIRST: "first word"}


@dataclass(frozen=True, slots=True)
class Analysis:
    """The model's view of one ticket: features, scores, calibrated probabilities."""

    features: Features
    vector: list[tuple[int, float]]  # known words, then flags (first word, signals)
    probabilities: list[float]
    model: Model
    ranked: list[int]  # kind indices, most probable first (ties to the `KINDS` order)
    n_words: int  # entries of `vector` that are words
    chars: list[tuple[str, tuple[float, float, float]]]  # a word, its characters per kind
    n_chars: int  # known character n-grams of the ticket (both blocks)

    @property
    def known(self) -> int:
        """How many of the ticket's words, characters and signals the model knows."""
        return len(self.vector) + self.n_chars


class Quoted(NamedTuple):
    """One piece of evidence as a decision shows it: what fired, the words, the weight."""

    feature: str  # "words", "characters", "first word" or "signal:<name>"
    phrase: str
    weight: float


def analyse(text: str, model: Model) -> Analysis:
    features = extract(text)
    scored = model.score(features)
    p = model.probabilities(scored.logits)
    ranked = sorted(range(len(KINDS)), key=p.__getitem__, reverse=True)
    return Analysis(
        features, scored.vector, p, model, ranked, scored.n_words, scored.chars, scored.n_chars
    )


def ranked_contributions(
    a: Analysis, k: int, sign: int = 0, limit: int | None = None
) -> list[tuple[float, str, str]]:
    """(weight, feature prefix, key) for kind index k, largest |weight| first: `sign` 1
    only for, -1 only against; the first `limit`. Characters are summed per word.
    Nothing is quoted, and only the items returned are named."""
    model = a.model
    rows = model.tables.rows
    raw: list[tuple[float, int, str]] = []  # (weight, feature index or -1, word)
    for i, v in a.vector:
        weight = v * rows[i][k]
        if weight * sign >= 0.0 and weight != 0.0:
            raw.append((weight, i, ""))
    for word, per_kind in a.chars:
        weight = per_kind[k]
        if weight * sign >= 0.0 and weight != 0.0:
            raw.append((weight, -1, word))
    if sign > 0:
        raw.sort(reverse=True)
    elif sign < 0:
        raw.sort()
    else:
        raw.sort(key=lambda r: -abs(r[0]))
    names = model.features
    out = []
    for weight, i, word in raw[:limit]:
        if i < 0:
            out.append((weight, CHARS, word))
        else:
            name = names[i]
            out.append((weight, name[:2], name[2:]))
    return out


def quoted(a: Analysis, kind: Kind, sign: int = 0, limit: int | None = None) -> list[Quoted]:
    """The strongest `limit` contributions to `kind`, quoted as the ticket wrote them."""
    raw = ranked_contributions(a, _KIND_INDEX[kind], sign, limit)
    quote = _Quoter(a.features)
    return [quote(weight, prefix, key) for weight, prefix, key in raw]


def contributions(
    a: Analysis, kind: Kind, sign: int = 0, limit: int | None = None
) -> list[Evidence]:
    """Features' contributions to `kind`, largest first: `sign` 1 only for, -1 only against.

    Only the first `limit` are quoted from the text."""
    return [
        Evidence(feature=q.feature, phrase=q.phrase, weight=q.weight)
        for q in quoted(a, kind, sign, limit)
    ]


class _Quoter:
    """Quotes evidence as the ticket wrote it; token positions are found only if needed."""

    def __init__(self, f: Features) -> None:
        self.f = f
        self.spans: list[tuple[str, int, int]] | None = None
        self.at: dict[str, list[int]] = {}

    def __call__(self, weight: float, prefix: str, key: str) -> Quoted:
        if prefix == SIGNAL:
            hit = next(h for h in self.f.hits if h.signal.name == key)
            return Quoted(f"signal:{key}", hit.phrase, weight)
        return Quoted(_FEATURE[prefix], self.words(key), weight)

    def words(self, phrase: str) -> str:
        """The first place the tokens of `phrase` occur in a row, as written."""
        want = phrase.split(" ")
        if want[0] != NUMBER:
            return self._walk(want) or phrase
        if self.spans is None:
            self.spans = _spans(self.f)
            for n, (token, _, _) in enumerate(self.spans):
                self.at.setdefault(token, []).append(n)
        spans = self.spans
        for i in self.at.get(want[0], ()):
            last = i + len(want) - 1
            if last < len(spans) and all(spans[i + j][0] == w for j, w in enumerate(want)):
                return " ".join(self.f.original[spans[i][1] : spans[last][2]].split())
        return phrase

    def _walk(self, want: list[str]) -> str | None:
        """Find the first token with `str.find` (checking it starts a token and is one),
        then read the next tokens from there; None if the tokens never occur in a row."""
        text = self.f.ticket.lowered
        first = want[0]
        size = len(text)
        at = text.find(first)
        while at >= 0:
            before = text[at - 1] if at else " "
            if before not in _TOKEN_CHARS and not (
                before == "'" and at >= 2 and text[at - 2] in _TOKEN_CHARS
            ):
                m = _TOKEN_SPAN.match(text, at)
                if m is not None and m.group() == first:
                    end = m.end()
                    for w in want[1:]:
                        pos = end
                        while pos < size and text[pos] not in _TOKEN_CHARS:
                            pos += 1
                        m = _TOKEN_SPAN.match(text, pos)
                        if m is None:
                            break
                        token = m.group()
                        if (NUMBER if token.isdigit() else token) != w:
                            break
                        end = m.end()
                    else:
                        return " ".join(self.f.original[at:end].split())
            at = text.find(first, at + 1)
        return None


def description(feature: str) -> str:
    """What a signal means, for a rationale; empty for words."""
    if feature.startswith("signal:"):
        return BY_NAME[feature.removeprefix("signal:")].description
    return ""


def _spans(f: Features) -> list[tuple[str, int, int]]:
    return [
        (NUMBER if m.group().isdigit() else m.group(), m.start(), m.end())
        for m in _TOKEN_SPAN.finditer(f.ticket.lowered)
    ]

"""One ticket through the model, with each feature's signed contribution per kind.

Contributions are `value * weight`; weights are centred across kinds, so a positive
contribution is evidence for a kind against the others, and a negative one against it.
Character n-grams are summed per title word (an n-gram is not something a person reads),
and every piece of evidence is quoted as the ticket wrote it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from adapters.mock.classifier.features import (
    CHARS,
    FIRST,
    SIGNAL,
    WORD,
    Features,
    char_grams,
    extract,
)
from adapters.mock.classifier.model import Model
from adapters.mock.classifier.schema import KINDS, Evidence, Kind
from adapters.mock.classifier.signals import BY_NAME
from adapters.mock.classifier.text import NUMBER, tokens

_TOKEN_SPAN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?", re.ASCII)
_KIND_INDEX = {k: i for i, k in enumerate(KINDS)}


@dataclass(frozen=True)
class Analysis:
    """The model's view of one ticket: features, scores, calibrated probabilities."""

    features: Features
    vector: list[tuple[int, float]]
    probabilities: list[float]
    model: Model

    @property
    def ranked(self) -> list[int]:
        """Kind indices, most probable first (ties to the `KINDS` order)."""
        return sorted(range(len(KINDS)), key=lambda k: -self.probabilities[k])

    @property
    def known(self) -> int:
        """How many of the ticket's words, characters and signals the model knows."""
        return len(self.vector)


def analyse(text: str, model: Model) -> Analysis:
    features = extract(text)
    vector = model.vector(features)
    return Analysis(features, vector, model.probabilities(model.logits(vector)), model)


def contributions(
    a: Analysis, kind: Kind, sign: int = 0, limit: int | None = None
) -> list[Evidence]:
    """Features' contributions to `kind`, largest first: `sign` 1 only for, -1 only against.

    Only the first `limit` are quoted from the text, so a classification stays cheap."""
    k = _KIND_INDEX[kind]
    names = a.model.features
    weights = a.model.arrays.weights
    per_word: dict[str, float] = {}
    raw: list[tuple[float, str, str]] = []  # (weight, feature kind, key)
    owners: dict[str, list[str]] | None = None
    for i, v in a.vector:
        weight = v * weights[3 * i + k]
        name = names[i]
        if name[0] == CHARS[0]:
            if owners is None:
                owners = _char_owners(a.features)
            words = owners.get(name, ())
            for word in words:
                per_word[word] = per_word.get(word, 0.0) + weight / len(words)
        elif weight * sign >= 0.0 and weight != 0.0:
            raw.append((weight, name[:2], name[2:]))
    raw.extend((w, CHARS, word) for word, w in per_word.items() if w * sign >= 0.0 and w != 0.0)
    raw.sort(key=lambda r: -abs(r[0]))
    quote = _Quoter(a.features)
    return [quote(weight, prefix, key) for weight, prefix, key in raw[:limit]]


class _Quoter:
    """Quotes evidence as the ticket wrote it; token positions are found once, on demand."""

    _FEATURE: ClassVar[dict[str, str]] = {WORD: "words", CHARS: "characters", FIRST: "first word"}

    def __init__(self, f: Features) -> None:
        self.f = f
        self.spans: list[tuple[str, int, int]] | None = None
        self.at: dict[str, list[int]] = {}

    def __call__(self, weight: float, prefix: str, key: str) -> Evidence:
        if prefix == SIGNAL:
            hit = next(h for h in self.f.hits if h.signal.name == key)
            return Evidence(feature=f"signal:{key}", phrase=hit.phrase, weight=weight)
        return Evidence(feature=self._FEATURE[prefix], phrase=self.words(key), weight=weight)

    def words(self, phrase: str) -> str:
        """The first place the tokens of `phrase` occur in a row, as written."""
        if self.spans is None:
            self.spans = _spans(self.f)
            for n, (token, _, _) in enumerate(self.spans):
                self.at.setdefault(token, []).append(n)
        want = phrase.split(" ")
        spans = self.spans
        for i in self.at.get(want[0], ()):
            last = i + len(want) - 1
            if last < len(spans) and all(spans[i + j][0] == w for j, w in enumerate(want)):
                return " ".join(self.f.original[spans[i][1] : spans[last][2]].split())
        return phrase


def description(e: Evidence) -> str:
    """What a signal means, for a rationale; empty for words."""
    if e.feature.startswith("signal:"):
        return BY_NAME[e.feature.removeprefix("signal:")].description
    return ""


def _char_owners(f: Features) -> dict[str, list[str]]:
    """Each character n-gram of the title -> the title words it occurs in."""
    owners: dict[str, list[str]] = {}
    for word in dict.fromkeys(tokens(f.ticket.title.lower())):
        for gram in char_grams([word]):
            owners.setdefault(gram, []).append(word)
    return owners


def _spans(f: Features) -> list[tuple[str, int, int]]:
    return [
        (NUMBER if m.group().isdigit() else m.group(), m.start(), m.end())
        for m in _TOKEN_SPAN.finditer(f.ticket.lowered)
    ]

"""One ticket through the model, with each feature's signed contribution per kind.

Contributions are `value * weight`; weights are centred across kinds, so a positive
contribution is evidence for a kind against the others, and a negative one against it.
Character n-grams are summed per title word (an n-gram is not something a person reads),
and every piece of evidence is quoted as the ticket wrote it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from adapters.mock.classifier.features import CHARS, FIRST, SIGNAL, WORD, Features, extract
from adapters.mock.classifier.model import Model
from adapters.mock.classifier.schema import KINDS, Evidence, Kind
from adapters.mock.classifier.signals import BY_NAME
from adapters.mock.classifier.text import NUMBER

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


def contributions(a: Analysis, kind: Kind) -> list[Evidence]:
    """Every feature's contribution to `kind`, strongest first by size, quoted."""
    k = _KIND_INDEX[kind]
    names = a.model.features
    per_word: dict[str, float] = {}
    out: list[Evidence] = []
    spans: list[tuple[str, int, int]] | None = None
    for i, v in a.vector:
        weight = v * a.model.weight(i, k)
        if weight == 0.0:
            continue
        name = names[i]
        if name.startswith(CHARS):
            for word, share in _char_owners(name[len(CHARS) :], a.features):
                per_word[word] = per_word.get(word, 0.0) + weight * share
            continue
        if name.startswith(WORD):
            if spans is None:
                spans = _spans(a.features)
            phrase = _quote_words(name[len(WORD) :], spans, a.features.original)
            out.append(Evidence(feature="words", phrase=phrase, weight=weight))
        elif name.startswith(SIGNAL):
            hit = next(h for h in a.features.hits if h.signal.name == name[len(SIGNAL) :])
            out.append(
                Evidence(feature=f"signal:{hit.signal.name}", phrase=hit.phrase, weight=weight)
            )
        elif name.startswith(FIRST):
            if spans is None:
                spans = _spans(a.features)
            first = _quote_words(name[len(FIRST) :], spans, a.features.original)
            out.append(Evidence(feature="first word", phrase=first, weight=weight))
    if per_word:
        if spans is None:
            spans = _spans(a.features)
        for word, weight in per_word.items():
            phrase = _quote_words(word, spans, a.features.original)
            out.append(Evidence(feature="characters", phrase=phrase, weight=weight))
    out.sort(key=lambda e: -abs(e.weight))
    return out


def description(e: Evidence) -> str:
    """What a signal means, for a rationale; empty for words."""
    if e.feature.startswith("signal:"):
        return BY_NAME[e.feature.removeprefix("signal:")].description
    return ""


def _char_owners(gram: str, f: Features) -> list[tuple[str, float]]:
    """Title words containing a character n-gram, with their share of its count."""
    core = gram.strip()
    owners = [w for w in _title_words(f) if core in w and f" {w} ".find(gram) >= 0]
    if not owners:
        return []
    share = 1.0 / len(owners)
    return [(w, share) for w in owners]


def _title_words(f: Features) -> list[str]:
    return list(dict.fromkeys(_TOKEN_SPAN.findall(f.ticket.title.lower())))


def _spans(f: Features) -> list[tuple[str, int, int]]:
    return [
        (NUMBER if m.group().isdigit() else m.group(), m.start(), m.end())
        for m in _TOKEN_SPAN.finditer(f.ticket.lowered)
    ]


def _quote_words(phrase: str, spans: list[tuple[str, int, int]], original: str) -> str:
    """The first place the tokens of `phrase` occur in a row, as the ticket wrote them."""
    want = phrase.split(" ")
    n = len(want)
    for i in range(len(spans) - n + 1):
        if all(spans[i + j][0] == want[j] for j in range(n)):
            return " ".join(original[spans[i][1] : spans[i + n - 1][2]].split())
    return phrase

"""The learned triage model: a calibrated linear model over ticket features, pure Python.

Scores are `bias + sum(value * weight)` per kind, turned into probabilities by a softmax at
the temperature calibrated on cross-validated predictions. Weights are centred across kinds
(softmax ignores a shift common to all kinds), so one feature's weight for a kind is its
evidence for that kind against the others: positive for, negative against.

The shipped weights load on first use only (`shipped`), so importing the package costs
nothing and commands that never classify never read the file.
"""

from __future__ import annotations

import math
import threading
from array import array
from collections import Counter
from collections.abc import Callable, Mapping
from functools import cached_property
from itertools import pairwise
from math import log, sqrt
from pathlib import Path
from typing import NamedTuple

from adapters.mock.classifier import storage
from adapters.mock.classifier.features import (
    CHARS,
    DOC_CHARS,
    DOC_MIN_LETTERS,
    WORD,
    Features,
    grams_of,
)
from adapters.mock.classifier.provenance import Provenance
from adapters.mock.classifier.schema import KINDS

WEIGHTS = Path(__file__).with_name("weights") / "triage.model"
K = len(KINDS)

Vector = list[tuple[int, float]]  # (feature index, value), as `Model.vector` builds it
# Per word, over its known character n-grams: sum of idf^2, sum of idf * weight per kind, count.
Summary = tuple[float, float, float, float, int]
# Per character n-gram: idf^2 and idf * weight per kind.
Terms = dict[str, tuple[float, float, float, float]]


class Scored(NamedTuple):
    """One ticket scored: word and flag entries of its vector (words first), logits, and
    per word its character contribution per kind (title and whole-ticket blocks summed,
    already scaled)."""

    vector: Vector
    logits: list[float]
    n_words: int
    chars: list[tuple[str, tuple[float, float, float]]]
    n_chars: int  # known character n-grams of both blocks, with repeats


class Model:
    """Feature names, their idf and document counts, weights per (feature, kind), a bias per
    kind, a diagonal precision (how firmly the training data fixed each weight, the prior
    for a refit), and the provenance of it all."""

    def __init__(self, arrays: storage.Arrays, provenance: Provenance) -> None:
        self.arrays = arrays
        self.provenance = provenance
        self._tables: _Tables | None = None

    @property
    def features(self) -> list[str]:
        return self.arrays.features

    @property
    def temperature(self) -> float:
        return self.provenance.temperature

    @property
    def tables(self) -> _Tables:
        """Lookups for classifying, built on first use from the arrays (which stay the
        model's state: training fills them in after construction)."""
        tables = self._tables
        if tables is None:
            tables = self._tables = _Tables(self.arrays)
        return tables

    def refresh(self) -> None:
        """Rebuild the lookups from the arrays after they were written."""
        self._tables = None

    @property
    def index(self) -> dict[str, int]:
        """Feature name -> its position."""
        return dict(zip(self.arrays.features, range(len(self.arrays.features)), strict=True))

    def vector(self, f: Features) -> Vector:
        """Known features only: words as a unit-length log-TF-IDF block; title characters,
        and the whole ticket's characters, each as TF-IDF scaled by 1/sqrt(sum of TF * idf^2)
        (a norm that adds up per word, so classifying can keep one sum per word); first word
        and signals as 1.0."""
        t = self.tables
        idf = t.idf
        out: Vector = []
        block = []
        norm = 0.0
        for gram, tf in f.words.items():
            i = t.words.get(gram)
            if i is not None:
                v = (1.0 + log(tf)) * idf[i] if tf > 1 else idf[i]
                block.append((i, v))
                norm += v * v
        if block:
            scale = 1.0 / sqrt(norm)
            out.extend([(i, v * scale) for i, v in block])
        out.extend(_char_block(f.chars, t.chars, idf))
        out.extend(_char_block(f.doc_chars, t.doc_chars, idf))
        flags = t.flags
        for flag in f.flags:
            i = flags.get(flag)
            if i is not None:
                out.append((i, 1.0))
        return out

    def score(self, f: Features) -> Scored:
        """The logits of `vector(f)` (the classifying path), with the word and flag entries
        of the vector and each word's character contribution per kind.

        Reads the tokens directly and counts only the n-grams the model knows."""
        t = self.tables
        words, idf, rows = t.words, t.idf, t.rows
        tokens = f.tokens
        counts = Counter(tokens)  # also the whole-ticket characters' word counts
        known: dict[int, int] = {}
        for grams in (counts, Counter(map(" ".join, pairwise(tokens)))):
            for gram, tf in grams.items():
                i = words.get(gram)
                if i is not None:
                    known[i] = tf
        b = self.arrays.bias
        z0, z1, z2 = b[0], b[1], b[2]
        out: Vector = []
        if known:
            block = []
            norm = s0 = s1 = s2 = 0.0
            for i, tf in known.items():
                v = (1.0 + log(tf)) * idf[i] if tf > 1 else idf[i]
                block.append((i, v))
                norm += v * v
                w0, w1, w2 = rows[i]
                s0 += w0 * v
                s1 += w1 * v
                s2 += w2 * v
            scale = 1.0 / sqrt(norm)
            z0 += s0 * scale
            z1 += s1 * scale
            z2 += s2 * scale
            out = [(i, v * scale) for i, v in block]
        n_words = len(out)
        per_word: dict[str, tuple[float, float, float]] = {}
        n_chars = _char_scores(
            counts, t.doc_cache, t.doc_summary, per_word, sublinear=True, shortest=DOC_MIN_LETTERS
        )
        title = Counter(f.title_words)
        n_chars += _char_scores(title, t.title_cache, t.title_summary, per_word)
        for c0, c1, c2 in per_word.values():
            z0 += c0
            z1 += c1
            z2 += c2
        chars = list(per_word.items())
        flags = t.flags
        for flag in f.flags:
            i = flags.get(flag)
            if i is not None:
                out.append((i, 1.0))
                w0, w1, w2 = rows[i]
                z0 += w0
                z1 += w1
                z2 += w2
        return Scored(out, [z0, z1, z2], n_words, chars, n_chars)

    def logits(self, vec: Vector) -> list[float]:
        """Uncalibrated score per kind, in `KINDS` order."""
        rows = self.tables.rows
        b = self.arrays.bias
        z0, z1, z2 = b[0], b[1], b[2]
        for i, v in vec:
            w0, w1, w2 = rows[i]
            z0 += w0 * v
            z1 += w1 * v
            z2 += w2 * v
        return [z0, z1, z2]

    def probabilities(self, logits: list[float]) -> list[float]:
        """Calibrated class probabilities from scores."""
        t = self.temperature
        top = max(logits)
        exps = [math.exp((z - top) / t) for z in logits]
        total = sum(exps)
        return [e / total for e in exps]

    def weight(self, i: int, k: int) -> float:
        """Feature i's weight for kind k (centred: evidence for k against the others)."""
        return self.arrays.weights[K * i + k]

    def save(self, path: Path) -> str:
        """Write the model file; returns its payload sha256 (recorded in its header too)."""
        header = self.provenance.model_dump(mode="json", exclude={"payload_sha256"})
        digest = storage.write(Path(path), header, self.arrays)
        self.provenance = self.provenance.model_copy(update={"payload_sha256": digest})
        return digest


def load(path: Path) -> Model:
    """Read a model file; raises `storage.CorruptModel` if it was truncated or edited."""
    header, arrays = storage.read(Path(path))
    return Model(arrays, Provenance.model_validate(header))


def empty(features: list[str], provenance: Provenance) -> Model:
    """A model with zero weights over `features` (training fills it in)."""
    n = len(features)
    zeros = array("f", bytes(4 * n))
    arrays = storage.Arrays(
        features=features,
        idf=array("f", zeros),
        weights=array("f", bytes(4 * K * n)),
        bias=array("f", bytes(4 * K)),
        precision=array("f", bytes(4 * (K * n + K))),
        df=array("i", bytes(4 * n)),
    )
    return Model(arrays, provenance)


class _Tables:
    """The arrays as the classifier reads them: per feature family a dict from the name
    (without its prefix) to the position, idf as a list, and each feature's row of weights
    as a tuple (one lookup instead of four array reads per feature)."""

    def __init__(self, arrays: storage.Arrays) -> None:
        self.words: dict[str, int] = {}
        self.chars: dict[str, int] = {}
        self.doc_chars: dict[str, int] = {}
        self.flags: dict[str, int] = {}
        families = {WORD: self.words, CHARS: self.chars, DOC_CHARS: self.doc_chars}
        for i, name in enumerate(arrays.features):
            family = families.get(name[:2])
            if family is None:
                self.flags[name] = i
            else:
                family[name[2:]] = i
        self.title_cache: dict[str, Summary] = {}
        self.doc_cache: dict[str, Summary] = {}
        self.idf: list[float] = arrays.idf.tolist()
        w = arrays.weights.tolist()
        rows = zip(w[0::3], w[1::3], w[2::3], strict=True)
        self.rows: list[tuple[float, float, float]] = list(rows)

    @cached_property
    def title_terms(self) -> Terms:
        """`Terms` of the title's character n-grams (`c:`), built on the first cold word."""
        return _terms(self.chars, self.idf, self.rows)

    @cached_property
    def doc_terms(self) -> Terms:
        """`Terms` of the whole-ticket character n-grams (`d:`), built on the first cold word."""
        return _terms(self.doc_chars, self.idf, self.rows)

    def title_summary(self, word: str) -> Summary:
        """`Summary` of one title word's characters (`c:`), kept in `title_cache`."""
        return _summarise(word, self.title_terms, self.title_cache)

    def doc_summary(self, word: str) -> Summary:
        """`Summary` of one word's characters in the whole-ticket block (`d:`), kept in
        `doc_cache`."""
        return _summarise(word, self.doc_terms, self.doc_cache)


def _terms(
    family: dict[str, int], idf: list[float], rows: list[tuple[float, float, float]]
) -> Terms:
    """Per character n-gram of `family`: idf^2 and idf * weight per kind (one lookup per
    n-gram when a word is summarised)."""
    return {
        g: (idf[i] * idf[i], idf[i] * rows[i][0], idf[i] * rows[i][1], idf[i] * rows[i][2])
        for g, i in family.items()
    }


def _summarise(word: str, terms: Terms, cache: dict[str, Summary]) -> Summary:
    """For one word's character n-grams the model knows (with repeats): the sum of idf^2,
    the sum of idf * weight per kind, and how many there are. Kept per word (bounded): a
    word's characters cost one lookup after its first time."""
    q = c0 = c1 = c2 = 0.0
    n = 0
    for g in grams_of(word):
        t = terms.get(g)
        if t is not None:
            a, b, c, d = t
            q += a
            c0 += b
            c1 += c
            c2 += d
            n += 1
    if len(cache) >= _WORD_CHARS_MAX:
        cache.clear()
    found = cache[word] = (q, c0, c1, c2, n)
    return found


def _char_block(grams: Mapping[str, float], family: dict[str, int], idf: list[float]) -> Vector:
    """A character block of `Model.vector`: known n-grams as TF * idf over the additive norm."""
    block = []
    norm = 0.0
    for gram, tf in grams.items():
        i = family.get(gram)
        if i is not None:
            block.append((i, tf * idf[i]))
            norm += tf * idf[i] * idf[i]
    if not block:
        return []
    scale = 1.0 / sqrt(norm)
    return [(i, v * scale) for i, v in block]


def _char_scores(
    counts: Mapping[str, int],
    cache: dict[str, Summary],
    summarise: Callable[[str], Summary],
    per_word: dict[str, tuple[float, float, float]],
    sublinear: bool = False,
    shortest: int = 0,
) -> int:
    """Add one character block's scaled contribution per kind of each word (word -> its
    count) to `per_word`; returns how many known n-grams it had (with repeats). Summaries
    come from `cache`, `summarise` filling it for a word seen the first time."""
    parts = []
    q = 0.0
    n_chars = 0
    cached = cache.get
    for w, n in counts.items():
        if len(w) < shortest:
            continue
        s = cached(w) or summarise(w)
        if s[4]:
            tf = 1.0 + log(n) if sublinear and n > 1 else float(n)
            q += tf * s[0]
            n_chars += n * s[4]
            parts.append((w, tf, s))
    if parts:
        scale = 1.0 / sqrt(q)
        zero = (0.0, 0.0, 0.0)
        for w, tf, (_, c0, c1, c2, _) in parts:
            m = tf * scale
            a0, a1, a2 = per_word.get(w, zero)
            per_word[w] = (a0 + c0 * m, a1 + c1 * m, a2 + c2 * m)
    return n_chars


_WORD_CHARS_MAX = 50_000
_loaded: dict[Path, Model] = {}
_lock = threading.Lock()


def shipped() -> Model:
    """The model shipped in the package, read on first use and then kept."""
    model = _loaded.get(WEIGHTS)
    if model is None:
        with _lock:
            model = _loaded.get(WEIGHTS)
            if model is None:
                model = _loaded[WEIGHTS] = load(WEIGHTS)
    return model

"""The training API: fit a model, refit one from a prior, cross-validate, calibrate.

`orchestrate train` refits at the user's site, where the shipped training data is not:
`fit(corrected, prior=shipped())` keeps what the shipped data taught through the prior
(each weight is held near the shipped value as firmly as that data fixed it, see
`optimize`) and moves where the new examples disagree. Needs numpy (the `train` extra);
nothing here is imported on the classification path.
"""

from __future__ import annotations

import hashlib
import math
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from adapters.mock.classifier import model as model_module
from adapters.mock.classifier.features import DOC_CHARS, FIRST, SIGNAL, Features, extract
from adapters.mock.classifier.model import K, Model
from adapters.mock.classifier.provenance import DataFile, Provenance, TrainConfig
from adapters.mock.classifier.schema import KINDS, Example, Kind
from adapters.mock.classifier.signals import BY_NAME

if TYPE_CHECKING:  # numpy is the `train` extra's, imported only when training
    from numpy.typing import NDArray

View = Literal["full", "title"]
VIEWS: tuple[View, ...] = ("full", "title")
# Fewer examples than this make a cross-validated temperature noise: keep the prior's.
MIN_CALIBRATION = 60
_BIAS_PRECISION = 1e-4  # without a prior the bias is all but free, as in scikit-learn


class Prediction(BaseModel):
    """One held-out decision in cross-validation."""

    label: Kind
    kind: Kind
    confidence: float = Field(ge=0.0, le=1.0)


class ViewScores(BaseModel):
    """Scores of one view (whole text, or first line only) over all held-out folds."""

    view: View
    macro_f1: float
    accuracy: float
    f1: dict[Kind, float]
    predictions: list[Prediction]


class CrossValidation(BaseModel):
    """Stratified k-fold scores; `temperature` is calibrated on the held-out scores."""

    folds: int
    temperature: float
    views: list[ViewScores]

    def view(self, name: View) -> ViewScores:
        return next(v for v in self.views if v.view == name)


@dataclass(frozen=True)
class _Doc:
    features: Features
    label: int
    weight: float
    title_copy: bool = False


def title_of(text: str) -> str:
    """The first non-empty line: what "titles alone" means in evaluation and training."""
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def stratified_folds(examples: Sequence[Example], folds: int = 5) -> list[int]:
    """A fold number per example: within each label, in sha1 order of the text, dealt round
    robin. Deterministic, independent of file order, and the same for every model."""
    out = [0] * len(examples)
    for kind in KINDS:
        members = [i for i, e in enumerate(examples) if e.label == kind]
        members.sort(key=lambda i: (hashlib.sha1(examples[i].text.encode()).hexdigest(), i))
        for rank, i in enumerate(members):
            out[i] = rank % folds
    return out


def fit(
    examples: Sequence[Example],
    *,
    prior: Model | None = None,
    config: TrainConfig | None = None,
    temperature: float | None = None,
    data: Sequence[DataFile] = (),
) -> Model:
    """Fit a model on `examples`, from `prior` if given (a refit keeps what it knew).

    The temperature is calibrated by 5-fold cross-validation when there are enough examples
    (`MIN_CALIBRATION`), else inherited from the prior; pass `temperature` to set it.
    """
    config = config or (prior.provenance.config if prior else TrainConfig())
    if temperature is None:
        if len(examples) >= MIN_CALIBRATION:
            cv = cross_validate(examples, prior=prior, config=config, views=("full",))
            temperature = cv.temperature
        else:
            temperature = prior.temperature if prior else 1.0
    docs = _docs(examples, config, {})
    return _fit(docs, len(examples), prior, config, temperature, data)


def cross_validate(
    examples: Sequence[Example],
    *,
    prior: Model | None = None,
    config: TrainConfig | None = None,
    folds: int = 5,
    always_train: Sequence[Example] = (),
    views: Sequence[View] = VIEWS,
) -> CrossValidation:
    """Score `examples` by stratified k-fold: each fold by a model fit without it.

    `always_train` joins every fold's training set and is never scored (extra tickets).
    The "title" view scores the first line of each held-out text with the same fold model,
    which was trained on whole texts and (with `title_copies`) their titles.
    """
    config = config or (prior.provenance.config if prior else TrainConfig())
    fold_of = stratified_folds(examples, folds)
    cache: dict[str, Features] = {}
    extra = _docs(always_train, config, cache)
    logits: dict[View, list[list[float]]] = {v: [[]] * len(examples) for v in views}
    for fold in range(folds):
        train = [e for e, f in zip(examples, fold_of, strict=True) if f != fold]
        docs = _docs(train, config, cache) + extra
        model = _fit(docs, len(train) + len(always_train), prior, config, 1.0, ())
        for i, e in enumerate(examples):
            if fold_of[i] == fold:
                for view in views:
                    text = e.text if view == "full" else title_of(e.text)
                    logits[view][i] = model.score(_extract(text, cache))[1]
    labels = [KINDS.index(e.label) for e in examples]
    pooled = [z for v in views for z in logits[v]]
    temperature = fit_temperature(pooled, labels * len(views))
    scored = [_score(view, logits[view], examples, temperature) for view in views]
    return CrossValidation(folds=folds, temperature=temperature, views=scored)


def fit_temperature(logits: Sequence[Sequence[float]], labels: Sequence[int]) -> float:
    """The softmax temperature that minimises held-out log loss (golden-section on log T)."""
    if not logits:
        return 1.0

    def nll(log_t: float) -> float:
        t = math.exp(log_t)
        total = 0.0
        for z, y in zip(logits, labels, strict=True):
            top = max(z)
            total += math.log(sum(math.exp((x - top) / t) for x in z)) - (z[y] - top) / t
        return total

    lo, hi = math.log(0.05), math.log(20.0)
    ratio = (math.sqrt(5) - 1) / 2
    a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
    fa, fb = nll(a), nll(b)
    for _ in range(60):
        if fa < fb:
            hi, b, fb = b, a, fa
            a = hi - ratio * (hi - lo)
            fa = nll(a)
        else:
            lo, a, fa = a, b, fb
            b = lo + ratio * (hi - lo)
            fb = nll(b)
    return round(math.exp((lo + hi) / 2), 4)


def _extract(text: str, cache: dict[str, Features]) -> Features:
    found = cache.get(text)
    if found is None:
        found = cache[text] = extract(text)
    return found


def _docs(
    examples: Sequence[Example], config: TrainConfig, cache: dict[str, Features]
) -> list[_Doc]:
    """Training documents: each example, and its title as a second one when it has a body."""
    out = []
    for e in examples:
        label = KINDS.index(e.label)
        out.append(_Doc(_extract(e.text, cache), label, e.weight))
        title = title_of(e.text)
        if config.title_copies and title and title != e.text.strip():
            copy = _Doc(_extract(title, cache), label, e.weight * config.title_weight, True)
            out.append(copy)
    return out


def _vocabulary(
    docs: list[_Doc], prior: Model | None, config: TrainConfig
) -> tuple[list[str], list[int]]:
    """Feature names (the prior's first, in its order) and their new document counts.

    Title copies do not count as documents, so idf is over tickets."""
    least = {DOC_CHARS: config.doc_chars_min_df}
    df: dict[str, int] = {}
    for d in docs:
        if not d.title_copy:
            for name in _names(d.features):
                df[name] = df.get(name, 0) + 1
    always = {SIGNAL + name for name in BY_NAME}
    known = prior.features if prior else []
    seen = set(known)
    new = sorted(
        n
        for n, c in df.items()
        if n not in seen and (c >= least.get(n[:2], config.min_df) or n in always)
    ) + sorted(always - seen - set(df))
    features = known + new
    return features, [df.get(n, 0) for n in features]


def _names(f: Features) -> set[str]:
    return f.names()


def _fit(
    docs: list[_Doc],
    n_examples: int,
    prior: Model | None,
    config: TrainConfig,
    temperature: float,
    data: Sequence[DataFile],
) -> Model:
    import numpy as np

    from adapters.mock.classifier import optimize

    features, df_new = _vocabulary(docs, prior, config)
    n = len(features)
    n_prior = len(prior.features) if prior else 0
    df = np.asarray(df_new, dtype=np.int64)
    n_docs = n_examples
    if prior is not None:
        df[:n_prior] += np.asarray(prior.arrays.df, dtype=np.int64)
        n_docs += prior.provenance.n_docs
    idf = np.log((1.0 + n_docs) / (1.0 + df)) + 1.0

    counts = {k: sum(KINDS[d.label] == k and not d.title_copy for d in docs) for k in KINDS}
    provenance = Provenance(
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        code_version=_code_version(),
        data=list(data),
        examples=n_examples,
        labels=counts,
        n_docs=n_docs,
        config=config,
        temperature=temperature,
        prior_sha256=prior.provenance.payload_sha256 if prior else None,
    )
    model = model_module.empty(features, provenance)
    model.arrays.idf[:] = _floats(idf)
    model.arrays.df[:] = _ints(df)
    vectors = [model.vector(d.features) for d in docs]
    design = optimize.design(vectors, [d.label for d in docs], [d.weight for d in docs], n)

    alpha = 1.0 / config.c
    w0 = np.zeros((n, K))
    p_w = np.full((n, K), alpha)
    if config.flag_c is not None:
        flags = [i for i, name in enumerate(features) if name[:2] in (SIGNAL, FIRST)]
        p_w[flags] = 1.0 / config.flag_c
    b0 = np.zeros(K)
    p_b = np.full(K, _BIAS_PRECISION)
    if prior is not None:
        w0[:n_prior] = np.asarray(prior.arrays.weights, dtype=np.float64).reshape(n_prior, K)
        prec = np.asarray(prior.arrays.precision, dtype=np.float64) * config.prior_strength
        p_w[:n_prior] = prec[: n_prior * K].reshape(n_prior, K)
        b0 = np.asarray(prior.arrays.bias, dtype=np.float64)
        p_b = prec[n_prior * K :]
    w, b = optimize.fit(design, K, w0, b0, p_w, p_b, config.max_iter, config.tol)
    prec_w, prec_b = optimize.precision(design, w, b, p_w, p_b)
    w -= w.mean(axis=1, keepdims=True)
    b -= b.mean()
    model.arrays.weights[:] = _floats(w.ravel())
    model.arrays.bias[:] = _floats(b)
    model.arrays.precision[:] = _floats(np.concatenate([prec_w.ravel(), prec_b]))
    model.refresh()
    return model


def _floats(values: NDArray[Any]) -> array[float]:
    return array("f", values.tolist())


def _ints(values: NDArray[Any]) -> array[int]:
    return array("i", values.tolist())


def _score(
    view: View, logits: list[list[float]], examples: Sequence[Example], temperature: float
) -> ViewScores:
    predictions = []
    for z, e in zip(logits, examples, strict=True):
        top = max(z)
        exps = [math.exp((x - top) / temperature) for x in z]
        best = max(range(K), key=lambda k: exps[k])
        predictions.append(
            Prediction(label=e.label, kind=KINDS[best], confidence=exps[best] / sum(exps))
        )
    f1 = {kind: _f1(predictions, kind) for kind in KINDS}
    accuracy = sum(p.kind == p.label for p in predictions) / max(1, len(predictions))
    return ViewScores(
        view=view,
        macro_f1=sum(f1.values()) / K,
        accuracy=accuracy,
        f1=f1,
        predictions=predictions,
    )


def _f1(predictions: list[Prediction], kind: Kind) -> float:
    tp = sum(p.kind == kind == p.label for p in predictions)
    wrong = sum((p.kind == kind) != (p.label == kind) for p in predictions)
    return 2 * tp / (2 * tp + wrong) if tp else 0.0


def _code_version() -> str:
    try:
        return f"orchestrate {metadata.version('orchestrate')}"
    except metadata.PackageNotFoundError:
        return "orchestrate (not installed)"

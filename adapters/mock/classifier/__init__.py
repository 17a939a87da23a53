"""Offline triage: a small learned model with explainable evidence, pure Python at run time.

`classify` and `explain` load the shipped weights on first use (importing this package
reads no file). `fit`, `cross_validate`, `load` and `Model.save` are the training API for
refitting at a user's site; training needs numpy (the `train` extra), classifying does not.
"""

from __future__ import annotations

from adapters.mock.classifier.explain import explain
from adapters.mock.classifier.model import Model, load, shipped
from adapters.mock.classifier.pipeline import classify
from adapters.mock.classifier.provenance import DataFile, Provenance, TrainConfig
from adapters.mock.classifier.schema import (
    Classification,
    Evidence,
    Example,
    Explanation,
    KindEvidence,
)
from adapters.mock.classifier.train import CrossValidation, cross_validate, fit

__all__ = [
    "Classification",
    "CrossValidation",
    "DataFile",
    "Evidence",
    "Example",
    "Explanation",
    "KindEvidence",
    "Model",
    "Provenance",
    "TrainConfig",
    "classify",
    "cross_validate",
    "explain",
    "fit",
    "load",
    "shipped",
]

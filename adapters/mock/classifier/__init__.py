"""Offline triage classifier: explainable, dependency-free, instant."""

from __future__ import annotations

from adapters.mock.classifier.pipeline import classify
from adapters.mock.classifier.schema import Classification

__all__ = ["Classification", "classify"]

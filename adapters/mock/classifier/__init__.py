"""Offline triage classifier: explainable, dependency-free, instant."""

from __future__ import annotations

from adapters.mock.classifier.model import Classification, classify

__all__ = ["Classification", "classify"]

"""Spot a plain re-submit of identical text, to warn about it — never to refuse it.

Why only a warning: two reports of the same symptom are two events (two users, two
alerts), so a plain repeated `submit` creates a new request. Deduplication is opt-in and
exact, with `--idempotency-key`. The ledger keeps a marker per distinct text, so the check
costs one small read however large the ledger grows.
"""

from __future__ import annotations

from orchestrator.ledger import LedgerRepository


def same_text(ledger: LedgerRepository, text: str) -> str | None:
    """The newest request whose stored text equals `text`, if any."""
    if not ledger.exists():
        return None
    found = ledger.find_by_text(text)
    if found is None or not ledger.has_request(found):
        return None
    return found if ledger.read_request(found).text == text else None

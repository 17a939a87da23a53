"""Spot a plain re-submit of identical text, to warn about it — never to refuse it.

Why only a warning: two reports of the same symptom are two events (two users, two
alerts), so a plain repeated `submit` creates a new request. Deduplication is opt-in and
exact, with `--idempotency-key`. The scan is advisory and bounded to the newest packets,
so its cost per submit stays flat however large the ledger grows.
"""

from __future__ import annotations

import json

from orchestrator.ledger import FileLedger

WINDOW = 500


def same_text(ledger: FileLedger, text: str, window: int = WINDOW) -> str | None:
    """The newest request (among the last `window`) whose stored text equals `text`."""
    if not ledger.exists():
        return None
    for request_id in reversed(ledger.request_ids()[-window:]):
        try:
            raw = ledger.request_path(request_id).read_bytes()
            if json.loads(raw).get("text") == text:
                return request_id
        except (OSError, ValueError, AttributeError):
            continue
    return None

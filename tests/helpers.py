"""Small readers of the ledger for assertions."""

from __future__ import annotations

import json
from pathlib import Path


def events_of(ledger: Path, request_id: str) -> list[dict]:
    lines = (ledger / "events" / f"{request_id}.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def actions(events: list[dict]) -> list[str]:
    return [e["action"] for e in events]

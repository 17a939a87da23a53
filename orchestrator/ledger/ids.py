"""Request ids: `REQ-YYYYMMDD-NNNN`, validated before they ever touch a path."""

from __future__ import annotations

import re
from datetime import datetime

from orchestrator.errors import InputError

# four digits, or more without a leading zero: one spelling per number, so ids cannot alias
_ID = re.compile(r"REQ-(\d{8})-(\d{4}|[1-9]\d{4,8})")


def format_id(day: str, number: int) -> str:
    """Four digits for the first 9,999 of a day, more after that (ids stay sortable per width)."""
    return f"REQ-{day}-{number:04d}"


def day_of(now: datetime) -> str:
    return now.strftime("%Y%m%d")


def is_valid(request_id: str) -> bool:
    return _ID.fullmatch(request_id) is not None


def validate(request_id: str) -> str:
    """Refuse anything that is not exactly an id, so `../../etc/passwd` never becomes a path."""
    if not isinstance(request_id, str) or not is_valid(request_id):
        shown = repr(request_id)[:60]
        raise InputError(f"not a request id: {shown} (expected REQ-YYYYMMDD-NNNN)")
    return request_id


def number_of(request_id: str) -> int:
    match = _ID.fullmatch(request_id)
    if match is None:
        raise InputError(f"not a request id: {request_id!r}")
    return int(match.group(2))


def sort_key(request_id: str) -> tuple[str, int]:
    """Chronological order: REQ-…-10000 after REQ-…-9999, which a plain string sort breaks."""
    match = _ID.fullmatch(request_id)
    if match is None:
        return (request_id, -1)
    return (match.group(1), int(match.group(2)))

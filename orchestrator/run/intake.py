"""Admit a work item: decode, check limits, derive a title — before anything is written."""

from __future__ import annotations

import re

from orchestrator.errors import InputError

TITLE_CHARS = 80
_CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def decode(data: bytes, origin: str = "input") -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{origin} is not valid UTF-8 (byte {exc.start})") from None


def admit(text: str, max_chars: int) -> str:
    """The text as it will be stored; refuse what no reviewer could read."""
    if "\x00" in text:
        raise InputError("text contains NUL bytes (binary input?)")
    controls = len(_CONTROL.findall(text))
    if controls > max(8, len(text) // 20):
        raise InputError("text is mostly control characters (binary input?)")
    stripped = text.strip()
    if not stripped:
        raise InputError("text is empty")
    if len(stripped) > max_chars:
        raise InputError(
            f"text is {len(stripped):,} characters; the limit is {max_chars:,} "
            "(set [limits] max_text_chars)"
        )
    return stripped


def title_of(text: str, given: str | None = None) -> str:
    if given is not None and given.strip():
        return given.strip()[:200]
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return first if len(first) <= TITLE_CHARS else first[: TITLE_CHARS - 1].rstrip() + "…"

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


# Lines of issue templates that say nothing about this item: headings and labels of forms.
_TEMPLATE = re.compile(
    r"(?:(describe|description of) (the|your) (bug|issue|problem|feature|request|change)"
    r"|(steps to reproduce|to reproduce|expected (behaviou?r|result)|actual (behaviou?r|result))"
    r"|(is your feature request related to a problem)|(additional (context|information))"
    r"|(what happened|what did you expect|environment|screenshots?|summary|bug report"
    r"|feature request|checklist|version|logs?))\??",
    re.IGNORECASE,
)
_DECOR = re.compile(r"^[\s#>*_`~\-=|:]+|[\s#*_`~:\-=|]+$")


def _heading_text(line: str) -> str:
    """A markdown line without its markup: `### **Describe the bug**` → `Describe the bug`."""
    return _DECOR.sub("", re.sub(r"<!--.*?-->", "", line)).strip()


def title_of(text: str, given: str | None = None) -> str:
    """The given title, else the first line that says something: markdown decoration is
    dropped and template lines (`### Describe the bug`, `**Steps to reproduce**`) skipped."""
    if given is not None and given.strip():
        return given.strip()[:200]
    lines = [_heading_text(line) for line in text.splitlines()]
    meaningful = [line for line in lines if line and not _TEMPLATE.fullmatch(line)]
    first = meaningful[0] if meaningful else next((line for line in lines if line), "")
    return first if len(first) <= TITLE_CHARS else first[: TITLE_CHARS - 1].rstrip() + "…"

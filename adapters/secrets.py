"""Keys come from the environment only, and this is where they are kept out of everything else.

SDK exception text can echo a key (a proxy's error page, a mangled header), so every string
an adapter or the executor lets out goes through `redact` first.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping

# every variable a built-in runtime reads a key from
KEY_VARS: tuple[str, ...] = ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GITHUB_TOKEN", "GH_TOKEN")

# shapes of provider keys, caught even when the value is not in our environment
_PATTERNS = re.compile(
    r"((?<![A-Za-z0-9])sk-(?:ant-)?[A-Za-z0-9_\-]{8,}"
    r"|(?<![A-Za-z0-9])gh[pousr]_[A-Za-z0-9]{16,}"
    r"|(?<![A-Za-z0-9])github_pat_[A-Za-z0-9_]{16,}"
    r"|(?i:bearer)\s+(?=[A-Za-z._\-~+/]*\d)[A-Za-z0-9._\-~+/]{8,}=*)"
)
MASK = "[redacted]"  # printing it with rich needs markup escaping (rich drops "[word]")
_MIN_SECRET = 4  # shorter values would mask ordinary words


def key_from_env(names: Iterable[str], env: Mapping[str, str] | None = None) -> tuple[str, str]:
    """The first non-empty variable among `names`: (name, value), or (first name, "")."""
    env = os.environ if env is None else env
    names = tuple(names)
    for name in names:
        value = env.get(name, "").strip()
        if value:
            return name, value
    return names[0], ""


def known_secrets(extra: Iterable[str] = (), env: Mapping[str, str] | None = None) -> list[str]:
    env = os.environ if env is None else env
    values = [env.get(name, "").strip() for name in KEY_VARS]
    values.extend(extra)
    return sorted({v for v in values if len(v) >= _MIN_SECRET}, key=len, reverse=True)


def redact(text: str, extra: Iterable[str] = ()) -> str:
    """`text` with every known key value and anything shaped like a key masked."""
    for secret in known_secrets(extra):
        text = text.replace(secret, MASK)
    return _PATTERNS.sub(MASK, text)

"""Ledger locations: a directory, or a database URL whose scheme picks the backend.

No driver is imported here: `--help` and file-ledger commands must stay free of psycopg.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

POSTGRES_SCHEMES = frozenset({"postgresql", "postgres"})
_SCHEME = r"[a-z][a-z0-9+.-]+"
_COLLAPSED = re.compile(rf"^({_SCHEME}):/(?!/)")


def scheme_of(location: str) -> str | None:
    """`postgresql` for `postgresql://…`, None for a plain directory."""
    match = re.match(rf"^({_SCHEME})://", location)
    return match.group(1) if match else None


def is_postgres(location: str) -> bool:
    return scheme_of(location) in POSTGRES_SCHEMES


def from_flag(value: str) -> str:
    """`--ledger` is parsed as a Path, which folds `//` to `/`: give a URL its slashes back."""
    return _COLLAPSED.sub(r"\1://", value)


def redact(url: str) -> str:
    """The URL with any password replaced by `***`: the only form logs and errors may show."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable ledger URL>"
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}{port}"))


def scrub(message: str, url: str) -> str:
    """`message` with the URL's password removed wherever a driver echoed it."""
    try:
        password = urlsplit(url).password
    except ValueError:
        password = None
    return message.replace(password, "***") if password else message

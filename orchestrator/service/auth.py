"""Who may use the service: the bearer token, or a dashboard login carrying the same token's
authority as a signed session cookie; and the CSRF token every logged-in form carries.

With no `ORCHESTRATE_API_TOKEN` the service is open — `serve` allows that on loopback only —
and a login asks for a name alone, so people's actions still say who acted. Secrets never
leave this module: the token is compared in constant time and never echoed, the cookie
holds a name, an expiry and a nonce under an HMAC whose key is derived from the token (a
restart keeps sessions; a new token ends them).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

TOKEN_VAR = "ORCHESTRATE_API_TOKEN"
COOKIE = "orchestrate_session"
NAME_CHARS = 64


class Principal(BaseModel):
    """Whoever a request acts for: a logged-in person (their name becomes the ledger actor),
    a bearer-token client, or anyone when the service is open."""

    model_config = ConfigDict(frozen=True)

    name: str
    via: Literal["bearer", "session", "open"]
    nonce: str = ""


class _Session(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    n: str = Field(min_length=1, max_length=NAME_CHARS)
    e: float  # expiry, epoch seconds
    r: str  # nonce: ties the CSRF token to this login


def valid_name(name: str) -> str | None:
    """A person's name as the ledger will record it, or None when it cannot be one."""
    name = " ".join(name.split())
    if not name or len(name) > NAME_CHARS or not name.isprintable():
        return None
    return name


class Auth:
    def __init__(self, token: str | None, session_hours: float = 12.0) -> None:
        self._token = token.encode() if token else None
        seed = self._token or secrets.token_bytes(32)  # open: sessions last this process
        self._key = hmac.new(seed, b"orchestrate session v1", hashlib.sha256).digest()
        self._session_s = session_hours * 3600

    @property
    def open(self) -> bool:
        return self._token is None

    def token_ok(self, candidate: str) -> bool:
        if self._token is None:
            return True
        return hmac.compare_digest(candidate.encode(), self._token)

    def bearer(self, authorization: str | None) -> Principal | None:
        """`Authorization: Bearer TOKEN`, checked in constant time."""
        scheme, _, value = (authorization or "").partition(" ")
        if self._token is not None and scheme.lower() == "bearer" and self.token_ok(value.strip()):
            return Principal(name="api", via="bearer")
        return None

    def login(self, name: str, token: str) -> str | None:
        """The session cookie's value for a right token (and a usable name), else None."""
        person = valid_name(name)
        if person is None or not self.token_ok(token):
            return None
        body = _Session(n=person, e=time.time() + self._session_s, r=secrets.token_urlsafe(12))
        raw = body.model_dump_json().encode()
        return f"{_b64(raw)}.{_b64(self._sign(raw))}"

    def session(self, cookie: str | None) -> Principal | None:
        """The person a session cookie names, if its signature holds and it has not expired."""
        if not cookie or "." not in cookie:
            return None
        raw_part, _, sig_part = cookie.partition(".")
        try:
            raw, sig = _unb64(raw_part), _unb64(sig_part)
        except ValueError:
            return None
        if not hmac.compare_digest(sig, self._sign(raw)):
            return None
        try:
            body = _Session.model_validate(json.loads(raw))
        except (ValueError, ValidationError):
            return None
        if body.e < time.time():
            return None
        return Principal(name=body.n, via="session", nonce=body.r)

    def principal(self, authorization: str | None, cookie: str | None) -> Principal | None:
        """Who a request acts for, or None: it must log in (or send the token)."""
        found = self.bearer(authorization) or self.session(cookie)
        if found is None and self.open:
            return Principal(name="local", via="open")
        return found

    def csrf(self, principal: Principal) -> str:
        """The token a form of this login must send back: an attacker's page cannot read it."""
        mac = hmac.new(self._key, f"csrf:{principal.nonce}".encode(), hashlib.sha256)
        return mac.hexdigest()[:32]

    def csrf_ok(self, principal: Principal, sent: str | None) -> bool:
        return bool(sent) and hmac.compare_digest(str(sent), self.csrf(principal))

    def _sign(self, raw: bytes) -> bytes:
        return hmac.new(self._key, raw, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise ValueError("not base64") from exc

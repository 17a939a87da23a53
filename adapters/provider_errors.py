"""HTTP outcomes → our error classes, once for every SDK-backed runtime.

The SDKs already classify; we only need the status code, the Retry-After hint and a short,
key-free message. Both SDKs expose the same shape (`status_code`, `response.headers`,
`body`), so this works on either without importing them.
"""

from __future__ import annotations

import email.utils
import sys
import time
from collections.abc import Mapping

from adapters.errors import (
    AdapterError,
    AuthError,
    PermanentError,
    RuntimeTimeout,
    TransientError,
)
from adapters.secrets import redact

_TRANSIENT = frozenset({408, 409, 425, 429, 499})


def error_class(status: int) -> type[AdapterError]:
    """The one status → error table, for the SDK runtimes and the agent CLIs alike:
    401/403 auth, 408/409/425/429/499 and 5xx transient, anything else permanent."""
    if status in (401, 403):
        return AuthError
    if status in _TRANSIENT or status >= 500:
        return TransientError
    return PermanentError


_MAX_MESSAGE = 300


def retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds the server asked us to wait: `retry-after-ms`, then `retry-after` (s or date)."""
    if not headers:
        return None
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    parsed = email.utils.parsedate_tz(value)
    if parsed is None:
        return None
    return max(0.0, email.utils.mktime_tz(parsed) - time.time())


def body_message(body: object) -> str:
    """The provider's own one-line reason, from `{"error": {"message": ...}}` or similar."""
    if isinstance(body, Mapping):
        error = body.get("error", body)
        if isinstance(error, Mapping):
            msg = error.get("message") or error.get("code") or ""
            return str(msg)
        if isinstance(error, str):
            return error
        return str(body.get("message", ""))
    if isinstance(body, str):
        return body
    return ""


def clip(text: str, secrets: tuple[str, ...] = ()) -> str:
    text = redact(" ".join(text.split()), secrets)
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


def from_status(
    runtime: str,
    status: int,
    *,
    reason: str,
    headers: Mapping[str, str] | None,
    key_hint: str,
    secrets: tuple[str, ...] = (),
) -> AdapterError:
    """One HTTP error status → the error the executor knows how to treat."""
    why = clip(reason, secrets)
    suffix = f": {why}" if why else ""
    kind = error_class(status)
    if kind is AuthError:
        verb = "rejected" if status == 401 else "is not allowed this request with"
        return AuthError(
            f"{runtime}: the provider {verb} the key from {key_hint} (HTTP {status}); "
            f"set {key_hint} to a valid key{suffix}"
        )
    return kind(f"{runtime}: HTTP {status}{suffix}", retry_after=retry_after(headers))


def timeout(runtime: str, timeout_s: float) -> RuntimeTimeout:
    return RuntimeTimeout(f"{runtime}: no reply within {timeout_s:g}s")


def connection(
    runtime: str, base_url: str, detail: str, secrets: tuple[str, ...] = ()
) -> AdapterError:
    why = clip(detail, secrets)
    return TransientError(f"{runtime}: cannot reach {base_url}" + (f": {why}" if why else ""))


def unexpected(runtime: str, exc: Exception, secrets: tuple[str, ...] = ()) -> AdapterError:
    """Not an HTTP outcome we know: never retried (it would only repeat), but falls back."""
    return PermanentError(f"{runtime}: unexpected {type(exc).__name__}: {clip(str(exc), secrets)}")


def classify_sdk_error(
    sdk: str, runtime: str, exc: Exception, timeout_s: float, key: str, key_hint: str, base_url: str
) -> AdapterError:
    """An `anthropic` or `openai` SDK exception → our error, the key scrubbed from any text.

    Both SDKs are generated alike (APITimeoutError, APIConnectionError, APIStatusError,
    APIResponseValidationError), so one mapping serves both; the module is looked up only if
    it is already imported, never imported here.
    """
    secrets = (key,)
    module = sys.modules.get(sdk)
    if module is None:
        return unexpected(runtime, exc, secrets)
    if isinstance(exc, module.APITimeoutError):
        return timeout(runtime, timeout_s)
    if isinstance(exc, module.APIConnectionError):
        return connection(runtime, base_url, str(exc), secrets)
    if isinstance(exc, module.APIStatusError):
        return from_status(
            runtime,
            exc.status_code,
            reason=body_message(exc.body) or exc.message,
            headers=exc.response.headers,
            key_hint=key_hint,
            secrets=secrets,
        )
    if isinstance(exc, module.APIResponseValidationError | ValueError):
        # a 2xx body that is not what the SDK expects: a proxy or a half-broken provider
        return connection(runtime, base_url, f"unreadable response: {type(exc).__name__}", secrets)
    return unexpected(runtime, exc, secrets)

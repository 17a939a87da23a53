"""Runtime failures, classified once so the executor knows what to retry."""

from __future__ import annotations


class AdapterError(Exception):
    """Base: `kind` is a short stable word recorded in the ledger."""

    kind = "error"
    retryable = False

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TransientError(AdapterError):
    """429, 408, 5xx, connection trouble: worth another try after a pause."""

    kind = "transient"
    retryable = True


class RuntimeTimeout(TransientError):
    kind = "timeout"


class InvalidReply(AdapterError):
    """The reply did not parse or validate; retried with the error fed back."""

    kind = "invalid_reply"
    retryable = True


class AuthError(AdapterError):
    """401/403 or a missing key: never retried; the message names the variable to set."""

    kind = "auth"


class PermanentError(AdapterError):
    """A request the provider will never accept (400, unknown model, bad config)."""

    kind = "permanent"


class UnknownRuntime(AdapterError):
    kind = "unknown_runtime"


class NotReady(AdapterError):
    """Pre-flight failed: the runtime cannot be used as configured (no key, no executable,
    a bad file). The message names what to set; nothing was sent anywhere."""

    kind = "not_ready"

"""What every SDK-backed runtime shares: key and base URL resolution, status, probe, prompts.

Subclasses implement `_send` (one request with the SDK, no retries) and `_classify` (SDK
exception → our error). Keys are read from the environment at call time, never stored in
settings, replies or messages.
"""

from __future__ import annotations

import os
import time
from typing import Any, ClassVar

from pydantic import Field

from adapters.base import AgentCall, ProbeResult, RawReply, Runtime, RuntimeSettings, RuntimeStatus
from adapters.errors import AdapterError, AuthError, InvalidReply, NotReady
from adapters.secrets import key_from_env, redact

DEFAULT_MAX_OUTPUT_TOKENS = 4096


class RemoteSettings(RuntimeSettings):
    max_output_tokens: int = Field(default=DEFAULT_MAX_OUTPUT_TOKENS, ge=1)


class RemoteRuntime(Runtime[RemoteSettings]):
    Settings: ClassVar[type[RuntimeSettings]] = RemoteSettings
    key_vars: ClassVar[tuple[str, ...]]
    base_url_var: ClassVar[str | None] = None
    default_base_url: ClassVar[str]

    def __init__(self, settings: RemoteSettings) -> None:
        super().__init__(settings)
        self._clients: dict[tuple[str, str], Any] = {}

    # -- resolution ------------------------------------------------------------------
    @property
    def key_hint(self) -> str:
        return " or ".join(self.key_vars)

    def key(self) -> tuple[str, str]:
        return key_from_env(self.key_vars)

    def base_url(self) -> str:
        env = os.environ.get(self.base_url_var, "") if self.base_url_var else ""
        return (self.settings.base_url or env.strip() or self.default_base_url).rstrip("/")

    def status(self) -> RuntimeStatus:
        var, key = self.key()
        where = f"{self.base_url()}, model {self.model_for()}"
        if not key:
            return RuntimeStatus(usable=False, detail=f"set {self.key_hint} ({where})")
        return RuntimeStatus(usable=True, detail=f"key from {var}, {where}")

    # -- calls -----------------------------------------------------------------------
    def prepare(self) -> None:
        """The key must be set; nothing is imported or sent."""
        _, key = self.key()
        if not key:
            raise NotReady(f"{self.name}: no API key; set {self.key_hint}")

    def warm(self) -> None:
        """Import the SDK and build the client now, so recorded latency is the provider's."""
        _, key = self.key()
        if key:
            self._client(key)

    def invoke(self, call: AgentCall[Any]) -> RawReply:
        _, key = self.key()
        if not key:
            raise AuthError(f"{self.name}: no API key; set {self.key_hint}")
        client = self._client(key)
        try:
            return self._send(client, call, self.model_for(call))
        except AdapterError as exc:
            error: AdapterError = type(exc)(redact(str(exc), (key,)), retry_after=exc.retry_after)
        except Exception as exc:
            error = self._classify(exc, call.timeout_s, key)
        # raised outside the handler: the SDK exception (its request holds the key in the
        # authorization header) must not ride along as __context__
        raise error

    def probe(self) -> ProbeResult:
        """A minimal request (a few tokens), so `orchestrate runtimes --probe` can say why."""
        _, key = self.key()
        model = self.model_for()
        if not key:
            return ProbeResult(
                ok=False, model=model, error_kind="auth", detail=f"set {self.key_hint}"
            )
        started = time.perf_counter()
        try:
            self._ping(self._client(key), model, min(self.settings.timeout_s, 30.0))
        except Exception as exc:
            err = exc if isinstance(exc, AdapterError) else self._classify(exc, 30.0, key)
            return ProbeResult(
                ok=False, model=model, error_kind=err.kind, detail=redact(str(err), (key,))
            )
        latency = round((time.perf_counter() - started) * 1000, 1)
        return ProbeResult(ok=True, latency_ms=latency, model=model, detail="reply received")

    def _client(self, key: str) -> Any:
        cache_key = (self.base_url(), key)
        client = self._clients.get(cache_key)
        if client is None:
            client = self._clients[cache_key] = self._make_client(key, self.base_url())
        return client

    # -- for subclasses ----------------------------------------------------------------
    def _make_client(self, key: str, base_url: str) -> Any:
        raise NotImplementedError

    def _send(self, client: Any, call: AgentCall[Any], model: str) -> RawReply:
        raise NotImplementedError

    def _ping(self, client: Any, model: str, timeout_s: float) -> None:
        raise NotImplementedError

    def _classify(self, exc: Exception, timeout_s: float, key: str) -> AdapterError:
        raise NotImplementedError


def user_text(call: AgentCall[Any]) -> str:
    """The user prompt, plus the previous attempt's validation error when re-asking."""
    if not call.feedback:
        return call.user
    return (
        f"{call.user}\n\nYour previous reply was rejected: {call.feedback}\n"
        "Reply again with one JSON object that matches the schema exactly."
    )


def require_text(runtime: str, text: str | None, why: str = "") -> str:
    if not text:
        raise InvalidReply(f"{runtime}: empty reply" + (f" ({why})" if why else ""))
    return text

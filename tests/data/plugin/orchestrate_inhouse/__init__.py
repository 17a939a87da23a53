"""`inhouse`: an orchestrate runtime for a team's own model gateway (docs/plugins.md).

The gateway takes `POST {base_url}/v1/complete` with the prompts and the JSON schema of the
reply, and answers `{"text": ..., "model": ..., "usage": {...}}`; `GET {base_url}/healthz`
answers 200 when it is up. The token comes from the environment variable named in settings.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from typing import Any, ClassVar

from pydantic import Field

from adapters.base import AgentCall, ProbeResult, RawReply, Runtime, RuntimeSettings, Usage
from adapters.errors import AdapterError, AuthError, NotReady, PermanentError, TransientError


class InhouseSettings(RuntimeSettings):
    """`[runtimes.inhouse]`: where the gateway is and which variable holds its token."""

    base_url: str | None = "http://127.0.0.1:8700"
    token_var: str = Field(default="INHOUSE_TOKEN", min_length=1)
    temperature: float = Field(default=0.0, ge=0, le=2)


class InhouseRuntime(Runtime[InhouseSettings]):
    name: ClassVar[str] = "inhouse"
    Settings: ClassVar[type[RuntimeSettings]] = InhouseSettings
    default_model: ClassVar[str] = "inhouse-default"

    def _token(self) -> str:
        return os.environ.get(self.settings.token_var, "").strip()

    def prepare(self) -> None:
        if not self._token():
            raise NotReady(f"inhouse: no token; set {self.settings.token_var}")

    def invoke(self, call: AgentCall[Any]) -> RawReply:
        body = {
            "model": self.model_for(call),
            "system": call.system,
            "user": call.user if not call.feedback else f"{call.user}\n\nFix: {call.feedback}",
            "schema": call.output_type.model_json_schema(),
            "temperature": self.settings.temperature,
        }
        answer = self._post("/v1/complete", body, call.timeout_s)
        return RawReply(
            text=str(answer["text"]),
            model=str(answer.get("model") or self.model_for(call)),
            usage=Usage.model_validate(answer.get("usage") or {}),
        )

    def probe(self) -> ProbeResult:
        started = time.perf_counter()
        try:
            self._request("GET", "/healthz", None, min(self.settings.timeout_s, 10.0))
        except AdapterError as exc:
            return ProbeResult(
                ok=False, model=self.model_for(), error_kind=exc.kind, detail=str(exc)
            )
        latency = round((time.perf_counter() - started) * 1000, 1)
        return ProbeResult(ok=True, latency_ms=latency, model=self.model_for(), detail="healthy")

    def _post(self, path: str, body: dict[str, Any], timeout_s: float) -> dict[str, Any]:
        answer = self._request("POST", path, json.dumps(body).encode(), timeout_s)
        if not isinstance(answer, dict) or "text" not in answer:
            raise PermanentError("inhouse: the gateway's answer has no `text`")
        return answer

    def _request(self, method: str, path: str, data: bytes | None, timeout_s: float) -> Any:
        request = urllib.request.Request(
            f"{(self.settings.base_url or '').rstrip('/')}{path}",
            data=data,
            method=method,
            headers={
                "Authorization": f"Bearer {self._token()}",
                "Content-Type": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout_s) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:  # the status decides what the executor does
            if exc.code in (401, 403):
                raise AuthError(
                    f"inhouse: HTTP {exc.code}; check {self.settings.token_var}"
                ) from None
            if exc.code == 429 or exc.code >= 500:
                raise TransientError(f"inhouse: HTTP {exc.code}") from None
            raise PermanentError(f"inhouse: HTTP {exc.code}") from None
        except (urllib.error.URLError, TimeoutError) as exc:
            raise TransientError(f"inhouse: cannot reach the gateway: {exc}") from None
        return json.loads(raw) if raw else None

"""The `mock` runtime: offline and deterministic, with injectable latency and failures."""

from __future__ import annotations

import json
import random
import threading
import time
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import Field, JsonValue

from adapters.base import AgentCall, RawReply, Runtime, RuntimeSettings, RuntimeStatus, Usage
from adapters.errors import (
    AdapterError,
    AuthError,
    InvalidReply,
    NotReady,
    RuntimeTimeout,
    TransientError,
)
from adapters.mock import drafts, script
from adapters.mock.classifier import Classification, Model, classify, load, shipped
from adapters.mock.classifier.storage import CorruptModel

FailKind = Literal["transient", "timeout", "invalid", "auth"]

_FAILURES: dict[str, type[AdapterError]] = {
    "transient": TransientError,
    "timeout": RuntimeTimeout,
    "invalid": InvalidReply,
    "auth": AuthError,
}


class MockSettings(RuntimeSettings):
    latency_ms: float = Field(default=0.0, ge=0, description="injected delay per call")
    fail_rate: float = Field(default=0.0, ge=0, le=1, description="share of calls that fail")
    fail_kind: FailKind = "transient"
    script: str = Field(default="", description="a JSON/TOML file of replies, or inline JSON")
    seed: int = 0
    triage_model: str = Field(default="", description="a model file from `orchestrate train`")


class MockRuntime(Runtime[MockSettings]):
    name: ClassVar[str] = "mock"
    Settings: ClassVar[type[RuntimeSettings]] = MockSettings
    default_model: ClassVar[str] = "mock-1"

    def __init__(self, settings: MockSettings) -> None:
        super().__init__(settings)
        self._script: dict[str, list[JsonValue]] | None = None
        self._turns: dict[str, int] = {}
        self._verdicts: dict[str, Classification] = {}  # one run asks about one text 5 times
        self._rng = random.Random(self.settings.seed)
        self._lock = threading.Lock()
        self._model: Model | None = None

    def prepare(self) -> None:
        """Read the script now: a bad one is a one-line error before anything is written."""
        with self._lock:
            if self._script is None:
                self._script = script.load(self.settings.script)
            if self._model is None:
                self._model = _load_model(self.settings.triage_model)

    def status(self) -> RuntimeStatus:
        base = super().status()
        return base if not base.usable else RuntimeStatus(usable=True, detail="offline, no key")

    def invoke(self, call: AgentCall[Any]) -> RawReply:
        self.prepare()
        if self.settings.latency_ms:
            time.sleep(self.settings.latency_ms / 1000)
        with self._lock:
            failing = self._rng.random() < self.settings.fail_rate
            scripted = self._next_scripted(call.role)
        if failing:
            raise _FAILURES[self.settings.fail_kind](f"injected {self.settings.fail_kind} failure")
        text = self._reply_text(call, scripted)
        return RawReply(
            text=text,
            model=self.model_for(call),
            usage=Usage(input_tokens=_tokens(call.system + call.user), output_tokens=_tokens(text)),
            extra=self._classifier() if call.role == "triage" else {},
        )

    def _classifier(self) -> dict[str, JsonValue]:
        """Which model file decided: its payload sha256, path and training date."""
        model = self._model or shipped()
        path = self.settings.triage_model or "packaged"
        made = model.provenance
        return {"classifier": {"payload_sha256": made.payload_sha256, "path": path,
                               "created": made.created}}  # fmt: skip

    def _next_scripted(self, role: str) -> JsonValue | None:
        replies = (self._script or {}).get(role)
        if not replies:
            return None
        turn = self._turns.get(role, 0)
        self._turns[role] = turn + 1
        return replies[min(turn, len(replies) - 1)]

    def _reply_text(self, call: AgentCall[Any], scripted: JsonValue | None) -> str:
        if isinstance(scripted, str):
            return scripted
        if isinstance(scripted, dict) and "$error" in scripted:
            kind = str(scripted["$error"])
            raise _FAILURES.get(kind, TransientError)(f"scripted {kind} failure")
        text = call.request_text or call.user
        if call.role == "triage":
            generated: dict[str, JsonValue] = self._classify(text).model_dump(mode="json")
        else:
            b = drafts.brief(text, call.role, self._classify(text))
            generated = json.loads(json.dumps(drafts.fill(call.output_type, b)))
        if isinstance(scripted, dict):
            generated = script.merge(generated, scripted)
        return json.dumps(generated, ensure_ascii=False)

    def _classify(self, text: str) -> Classification:
        with self._lock:
            verdict = self._verdicts.get(text)
        if verdict is None:
            verdict = classify(text, model=self._model)
            with self._lock:
                self._verdicts[text] = verdict
        return verdict


def _load_model(path: str) -> Model | None:
    """The configured model file (None: the packaged one); a bad file refuses pre-flight."""
    if not path:
        return None
    try:
        return load(Path(path))
    except FileNotFoundError:
        raise NotReady(f"mock: [triage] model {path} not found (run `orchestrate train`)") from None
    except (CorruptModel, OSError, ValueError) as exc:
        raise NotReady(f"mock: [triage] model {path} is unreadable: {exc}") from None


def _tokens(text: str) -> int:
    """A rough token count (4 characters a token) so accounting has numbers offline."""
    return max(1, len(text) // 4)

"""The runtime contract: an `AgentCall` in, a `RawReply` out, and the base class every runtime
(built in or a plugin) subclasses.

Adapters never see roles or the graph; they get prompts, the output type to aim for, and
their settings. Validation, retries, breakers and fallbacks live in `adapters.executor`,
once, for every runtime. `docs/plugins.md` walks through writing one.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, JsonValue

T = TypeVar("T", bound=BaseModel)


class Usage(BaseModel):
    input_tokens: int = 0
    output_tokens: int = 0


class AgentCall(BaseModel, Generic[T]):
    """What a role asks of a runtime. `request_text` is the raw item, for offline runtimes."""

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    role: str
    system: str
    user: str
    output_type: type[T]
    request_text: str = ""
    model: str | None = None
    timeout_s: float = Field(
        default=3600.0,
        description="a cap from the caller; the executor also applies the runtime's own "
        "`timeout_s` and what the overall deadline leaves",
    )
    workspace: Path | None = None
    feedback: str | None = Field(
        default=None, description="validation error of the previous attempt, fed back to the model"
    )


class RawReply(BaseModel):
    """What a runtime produced before validation: text plus accounting."""

    text: str
    model: str
    usage: Usage = Field(default_factory=Usage)
    session_id: str | None = None
    extra: dict[str, JsonValue] = Field(default_factory=dict)


class AgentReply(BaseModel, Generic[T]):
    """A validated reply: the typed output and everything the ledger records about it."""

    output: T
    raw: str
    runtime: str
    model: str
    usage: Usage = Field(default_factory=Usage)
    latency_ms: float = 0.0
    attempts: int = 1
    session_id: str | None = None
    extra: dict[str, JsonValue] = Field(default_factory=dict)


class RuntimeSettings(BaseModel):
    """The keys every `[runtimes.NAME]` table may set. A runtime's own `Settings` subclass adds
    its keys; anything else is refused when the config loads (a typo is never ignored)."""

    model_config = ConfigDict(extra="forbid")

    model: str | None = None
    base_url: str | None = None
    timeout_s: float = Field(default=120.0, gt=0, description="longest wait for one reply")


class RuntimeStatus(BaseModel):
    usable: bool
    detail: str


class ProbeResult(BaseModel):
    """One minimal request: how long it took, or why it failed (key-free)."""

    ok: bool
    latency_ms: float | None = None
    model: str | None = None
    error_kind: str | None = None
    detail: str = ""


S = TypeVar("S", bound=RuntimeSettings)


class Runtime(ABC, Generic[S]):
    """Base class of every runtime. Subclasses set `name` (and `Settings` for their own keys)
    and implement `invoke`; the other hooks have working defaults.

    The executor builds one instance per run from the validated `[runtimes.NAME]` table,
    calls `prepare` before anything is written (pre-flight), `warm` before the first timed
    call, then `invoke` per attempt. `invoke` must not retry: raise an `adapters.errors`
    error and the executor decides."""

    name: ClassVar[str]
    Settings: ClassVar[type[RuntimeSettings]] = RuntimeSettings
    default_model: ClassVar[str] = "default"

    def __init__(self, settings: S) -> None:
        self.settings = settings

    def prepare(self) -> None:
        """Pre-flight: raise `adapters.errors.NotReady` naming what to set (a key variable, an
        executable on PATH, a file) if a call could not succeed. Cheap: no network, no SDK."""

    def warm(self) -> None:
        """One-time heavy setup (import an SDK, build a client) before the first call is
        timed, so the recorded latency is the provider's."""

    @abstractmethod
    def invoke(self, call: AgentCall[Any]) -> RawReply:
        """Produce one raw reply or raise an `adapters.errors` error; never retry here."""

    def status(self) -> RuntimeStatus:
        """Usable now, and why not, without touching the network."""
        from adapters.errors import AdapterError

        try:
            self.prepare()
        except AdapterError as exc:
            return RuntimeStatus(usable=False, detail=str(exc))
        return RuntimeStatus(usable=True, detail=f"model {self.model_for()}")

    def probe(self) -> ProbeResult:
        """A minimal real request, for `orchestrate runtimes --probe`; offline runtimes (and
        runtimes without a cheap request) report their status instead."""
        status = self.status()
        return ProbeResult(
            ok=status.usable,
            latency_ms=0.0 if status.usable else None,
            model=self.model_for(),
            error_kind=None if status.usable else "unusable",
            detail="no network probe; status only" if status.usable else status.detail,
        )

    def model_for(self, call: AgentCall[Any] | None = None) -> str:
        """The model a call goes to: the call's, else the settings', else the default."""
        return (call.model if call else None) or self.settings.model or self.default_model

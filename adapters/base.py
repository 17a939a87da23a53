"""The one interface every runtime speaks: an AgentCall in, a RawReply out.

Adapters never see roles or the graph; they get prompts, the output type to aim for, and
settings. Validation, retries, breakers and fallbacks live in `adapters.executor`, once,
for every runtime.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, JsonValue


class Usage(BaseModel):
    input_tokens: int = 0
    output_tokens: int = 0


class AgentCall(BaseModel):
    """What a role asks of a runtime. `request_text` is the raw item, for offline runtimes."""

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    role: str
    system: str
    user: str
    output_type: type[BaseModel]
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


class AgentReply(BaseModel):
    """A validated reply: the typed output and everything the ledger records about it."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    output: BaseModel
    raw: str
    runtime: str
    model: str
    usage: Usage = Field(default_factory=Usage)
    latency_ms: float = 0.0
    attempts: int = 1
    session_id: str | None = None
    extra: dict[str, JsonValue] = Field(default_factory=dict)


class RuntimeSettings(BaseModel):
    """One `[runtimes.NAME]` table; runtimes read the extra keys they understand."""

    model_config = ConfigDict(extra="allow")

    model: str | None = None
    base_url: str | None = None
    timeout_s: float = 120.0


class RuntimeStatus(BaseModel):
    usable: bool
    detail: str


@runtime_checkable
class Runtime(Protocol):
    name: ClassVar[str]

    def invoke(self, call: AgentCall) -> RawReply:
        """Produce one raw reply or raise an `adapters.errors` error; never retry here."""
        ...

    def status(self) -> RuntimeStatus: ...

"""The triage gate: one runtime call with the `triage` prompt → a validated TriageDecision.

`triage` and `submit` both come through here, and so does `replay` (with a recorded reply
instead of a live call), so a decision is always derived by the same code.
"""

from __future__ import annotations

from pydantic import BaseModel, JsonValue

import prompts
from adapters.base import AgentCall, AgentReply
from adapters.executor import Executor, extract_json
from orchestrator.config import Config
from orchestrator.run import prompting, routing
from roles.triage import TriageDecision


class Triaged(BaseModel):
    """A decision with its route and the record needed to replay it."""

    decision: TriageDecision
    stages: list[list[str]]
    reply: AgentReply

    @property
    def route(self) -> list[str]:
        return routing.flatten(self.stages)

    def ledger_details(self) -> dict[str, JsonValue]:
        prompt = prompts.load("triage")
        return {
            **self.decision.model_dump(mode="json"),
            "route": self.route,
            "stages": self.stages,
            "runtime": self.reply.runtime,
            "model": self.reply.model,
            "prompt": prompt.name,
            "prompt_sha256": prompt.sha256,
            "raw": self.reply.raw,
            "usage": self.reply.usage.model_dump(),
            "latency_ms": self.reply.latency_ms,
            "attempts": self.reply.attempts,
        }


def triage_call(text: str) -> AgentCall:
    prompt = prompts.load("triage")
    return AgentCall(
        role="triage",
        system=prompt.text,
        user=prompting.triage_user(text, TriageDecision),
        output_type=TriageDecision,
        request_text=text,
    )


def route_for(config: Config, decision: TriageDecision) -> list[list[str]]:
    return routing.resolve(config.routing.matrix[decision.kind], decision.severity)


def triage(config: Config, executor: Executor, text: str) -> Triaged:
    reply = executor.run(triage_call(text), config.chain_for("triage"))
    decision = TriageDecision.model_validate(reply.output.model_dump())
    return Triaged(decision=decision, stages=route_for(config, decision), reply=reply)


def reparse(raw: str) -> TriageDecision:
    """Today's parsing of a recorded reply (for replay): no network, no model call."""
    return TriageDecision.model_validate_json(extract_json(raw))

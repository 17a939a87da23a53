"""The triage gate: where an item's kind, severity and priority are decided.

One runtime call with the `triage` prompt returns a validated `TriageDecision`, which the
routing matrix turns into stages. `triage` and `submit` both come through here, and so does
`replay` (with a recorded reply instead of a live call), so a decision is always derived by
the same code.
"""

from __future__ import annotations

from pydantic import BaseModel

import prompts
from adapters.base import AgentCall, AgentReply
from adapters.executor import Executor, extract_json
from orchestrator.config import Config
from orchestrator.ledger.events import Triaged
from orchestrator.run import prompting, routing
from roles.triage import TriageDecision


class Verdict(BaseModel):
    """A decision with its route and the reply it came from (enough to replay it)."""

    decision: TriageDecision
    stages: list[list[str]]
    reply: AgentReply[TriageDecision]

    @property
    def route(self) -> list[str]:
        return routing.flatten(self.stages)

    def record(self) -> Triaged:
        """The TRIAGED event's details."""
        return Triaged.of(
            self.reply,
            prompts.load("triage"),
            **self.decision.model_dump(),
            route=self.route,
            stages=self.stages,
        )


def triage_call(text: str) -> AgentCall[TriageDecision]:
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


def triage(config: Config, executor: Executor, text: str) -> Verdict:
    reply = executor.run(triage_call(text), config.chain_for("triage"))
    return Verdict(decision=reply.output, stages=route_for(config, reply.output), reply=reply)


def reparse(raw: str) -> TriageDecision:
    """Today's parsing of a recorded reply (for replay): no network, no model call."""
    return TriageDecision.model_validate_json(extract_json(raw))

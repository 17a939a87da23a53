"""The triage gate: where an item's kind, severity and priority are decided.

One runtime call with the `triage` prompt returns a validated `TriageDecision`, which the
routing matrix turns into stages. When `[triage] escalate_below` and `escalate_to` are set,
a decision the first runtime is unsure of (confidence under the bar, or `needs_review`) is
asked again of the named runtime, and the TRIAGED event keeps both verdicts; if that runtime
cannot answer, the first verdict stands, marked for review — triage never blocks on it.
`triage` and `submit` come through here, and so does `replay` (with a recorded reply
instead of a live call), so a decision is always derived by the same code.
"""

from __future__ import annotations

from pydantic import BaseModel

import prompts
from adapters.base import AgentCall, AgentReply
from adapters.errors import AdapterError
from adapters.executor import Executor, extract_json
from orchestrator.config import Config, TriageSection
from orchestrator.ledger.events import ClassifierRef, Escalated, FirstVerdict, Triaged
from orchestrator.run import prompting, routing
from roles.triage import TriageDecision


class Verdict(BaseModel):
    """A decision with its route and the reply it came from (enough to replay it), and, when
    it was escalated, the first runtime's unsure verdict and what the escalation did."""

    decision: TriageDecision
    stages: list[list[str]]
    reply: AgentReply[TriageDecision]
    first: AgentReply[TriageDecision] | None = None
    escalation: Escalated | None = None

    @property
    def route(self) -> list[str]:
        return routing.flatten(self.stages)

    def record(self) -> Triaged:
        """The TRIAGED event's details."""
        prompt = prompts.load("triage")
        first = None
        if self.first is not None:
            unsure = self.first.output
            first = FirstVerdict.of(self.first, prompt, **unsure.model_dump(exclude={"signals"}))
        classifier = self.reply.extra.get("classifier")
        return Triaged.of(
            self.reply,
            prompt,
            **self.decision.model_dump(),
            route=self.route,
            stages=self.stages,
            escalated_from=first,
            classifier=ClassifierRef.model_validate(classifier) if classifier else None,
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


def _unsure(settings: TriageSection, decision: TriageDecision) -> bool:
    if settings.escalate_to is None:
        return False
    below = settings.escalate_below
    return decision.needs_review or (below is not None and decision.confidence < below)


def triage(config: Config, executor: Executor, text: str) -> Verdict:
    call = triage_call(text)
    reply = executor.run(call, config.chain_for("triage"))
    settings = config.triage
    if not _unsure(settings, reply.output) or settings.escalate_to in (None, reply.runtime):
        return Verdict(decision=reply.output, stages=route_for(config, reply.output), reply=reply)
    to = str(settings.escalate_to)
    escalation = Escalated(
        from_runtime=reply.runtime, to_runtime=to,
        confidence=reply.output.confidence, below=settings.escalate_below,
    )  # fmt: skip
    try:
        decided = executor.run(call, [to])
    except AdapterError as exc:  # the first verdict stands, for a person to look at
        kept = reply.output.model_copy(update={"needs_review": True})
        failed = escalation.model_copy(update={"error": str(exc)[:500]})
        return Verdict(
            decision=kept, stages=route_for(config, kept), reply=reply, escalation=failed
        )
    return Verdict(
        decision=decided.output,
        stages=route_for(config, decided.output),
        reply=decided,
        first=reply,
        escalation=escalation,
    )


def reparse(raw: str) -> TriageDecision:
    """Today's parsing of a recorded reply (for replay): no network, no model call."""
    return TriageDecision.model_validate_json(extract_json(raw))

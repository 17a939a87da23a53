"""The graph's three nodes: triage the item, run one role, review a stage's hand-offs.

Every step writes its events through the run's Recorder and checks it first, so a resumed
run skips what the ledger already holds. Each update carries the ledger seq it is covered by,
so a checkpoint names the ledger prefix it reflects (`show --at SEQ` tells the same story).
"""

from __future__ import annotations

from langgraph.runtime import Runtime

import prompts
from adapters.base import AgentCall
from adapters.errors import AdapterError
from orchestrator.config import Config
from orchestrator.ledger import LedgerRepository
from orchestrator.ledger.events import (
    RoleCompleted,
    RoleFailed,
    RoleStarted,
    TriageCorrected,
    Triaged,
)
from orchestrator.ledger.lifecycle import State
from orchestrator.ledger.repository import Draft
from orchestrator.run import approvals, gate, handoffs, people, prompting
from orchestrator.run.context import RunContext, open_run
from orchestrator.run.state import DecisionState, RoleTask, RunState
from roles.registry import ROLES

_STARTED = ((State.ACCEPTED, "triaged"), (State.IN_PROGRESS, "work started"))


class Nodes:
    """The nodes, bound to the config and ledger they act on; the run's own context comes
    with each call."""

    def __init__(self, config: Config, ledger: LedgerRepository) -> None:
        self.config = config
        self.ledger = ledger

    def _context(self, runtime: Runtime[RunContext], request_id: str) -> RunContext:
        """The run's context; a graph driven from outside the runner (LangGraph's dev tools,
        given `{"request_id": ...}` of a submitted item) opens one from the stored packet."""
        given: RunContext | None = runtime.context  # None when LangGraph's tools drive it
        if given is not None:
            return given
        text = self.ledger.read_request(request_id).text
        return open_run(self.config, self.ledger, request_id, text)

    @staticmethod
    def _stamp(ctx: RunContext, update: RunState) -> RunState:
        return {**update, "ledger_seq": ctx.recorder.last_seq}

    # -- triage -----------------------------------------------------------------------
    def triage(self, state: RunState, runtime: Runtime[RunContext]) -> RunState:
        ctx = self._context(runtime, state["request_id"])
        rec = ctx.recorder
        recorded = rec.find(Triaged)
        if recorded is None:
            with ctx.trace.agent("triage", 1, self.config.runtime_for("triage")) as span:
                try:
                    verdict = gate.triage(self.config, ctx.executor, ctx.text)
                except AdapterError as exc:
                    rec.block(f"triage failed: {exc}", role="triage")
                    span.failed(exc, rec.last_seq)
                    return self._stamp(ctx, {"outcome": "blocked"})
                recorded = verdict.record()
                escalated = [Draft("triage", verdict.escalation)] if verdict.escalation else []
                batch = [*escalated, Draft("triage", recorded), *rec.moves(*_STARTED)]
                written = rec.record(batch)
                span.completed(recorded, written[len(escalated)].seq)
        rec.record(rec.moves(*_STARTED), durable=False)
        decision, stages = _decided(recorded, rec.find(TriageCorrected))
        update: RunState = {"decision": decision, "stages": stages, "stage": 0}
        if approvals.waits(self.config, rec, decision, 0, stages[0]):
            return self._stamp(ctx, {**update, "outcome": "waiting"})
        return self._stamp(ctx, {**update, "pending": stages[0]})

    # -- one role ---------------------------------------------------------------------
    def role(self, task: RoleTask, runtime: Runtime[RunContext]) -> RunState:
        ctx = self._context(runtime, task["request_id"])
        rec = ctx.recorder
        role, round_ = task["role"], task["round"]
        done = rec.find(RoleCompleted, role=role, round=round_)
        if done is None:
            kind = task["decision"]["kind"]
            with ctx.trace.agent(role, round_, self.config.runtime_for(role), kind) as span:
                try:
                    done = self._run_role(ctx, task)
                except AdapterError as exc:
                    failed = RoleFailed(role=role, round=round_, error=str(exc)[:1000])
                    logged = rec.append("orchestrator", failed, durable=False)  # review blocks
                    span.failed(exc, logged.seq)
                    update: RunState = {"failed": {role: str(exc)[:300]}, "runs": {role: round_}}
                    return self._stamp(ctx, update)
                written = rec.record([Draft(role, done), handoffs.passed_on(task, done)])
                span.completed(done, written[0].seq)
        else:  # resumed after the role finished: only its hand-off may be missing
            handoff = handoffs.passed_on(task, done)
            rec.once(handoff.actor, handoff.details, "from_", "round", durable=False)
        return self._stamp(ctx, {"artifacts": {role: done.output}, "runs": {role: round_}})

    def _run_role(self, ctx: RunContext, task: RoleTask) -> RoleCompleted:
        spec = ROLES[task["role"]]
        prompt = prompts.load(spec.prompt)
        chain = people.chain_for(self.config, ctx.recorder, task["role"])
        started = RoleStarted(
            role=task["role"], round=task["round"], runtime=chain[0], stage=task["stage"]
        )
        ctx.recorder.once("orchestrator", started, "role", "round", durable=False)
        visible = {r: a for r, a in task["artifacts"].items() if r in spec.sees}
        user = prompting.role_user(
            ctx.text, task["decision"], visible, task["concerns"], spec.output_type
        )
        call = AgentCall(
            role=task["role"],
            system=prompt.text,
            user=user,
            output_type=spec.output_type,
            request_text=ctx.text,
            workspace=ctx.workspace,
        )
        reply = ctx.executor.run(call, chain)
        output = reply.output.model_dump(mode="json")
        return RoleCompleted.of(
            reply,
            prompt,
            role=task["role"],
            round=task["round"],
            output=output,
            summary=str(output.get("summary", ""))[:300],
            session_id=reply.session_id,
            extra=reply.extra,
        )

    # -- review -----------------------------------------------------------------------
    def review(self, state: RunState, runtime: Runtime[RunContext]) -> RunState:
        """Judge the stage just run: advance, bounce back to the sender, block, or close."""
        ctx = self._context(runtime, state["request_id"])
        rec = ctx.recorder
        stages, index = state["stages"], state["stage"]
        stage = stages[index]
        failed = {r: e for r, e in state.get("failed", {}).items() if r in stage}
        if failed:
            role, error = next(iter(failed.items()))
            rec.block(f"role {role} failed: {error}", role=role)
            return self._stamp(ctx, {"outcome": "blocked"})
        rejected = handoffs.rejections(stage, state.get("artifacts", {}))
        if rejected:
            return self._stamp(ctx, self._bounce(ctx, state, rejected))
        following = index + 1 < len(stages)
        if following and approvals.waits(
            self.config, rec, state["decision"], index + 1, stages[index + 1]
        ):
            return self._stamp(ctx, {"outcome": "waiting"})
        if index + 2 == len(stages):
            rec.advance(State.DELIVERED, f"{', '.join(stage)} delivered", durable=False)
        if following:
            return self._stamp(
                ctx, {"stage": index + 1, "pending": stages[index + 1], "concerns": {}}
            )
        closing = rec.moves(
            (State.DELIVERED, "delivered"),
            (State.VERIFIED, f"{', '.join(stage)} accepted"),
            (State.CLOSED, "all roles done"),
        )
        rec.record(closing)
        return self._stamp(ctx, {"outcome": "closed"})

    def _bounce(self, ctx: RunContext, state: RunState, rejected: dict[str, list[str]]) -> RunState:
        rec = ctx.recorder
        stages, index = state["stages"], state["stage"]
        bounces = dict(state.get("bounces", {}))
        count = bounces.get(str(index), 0) + 1
        reviewer, concerns = next(iter(rejected.items()))
        rounds = people.review_rounds(self.config, rec, reviewer)
        verdict = handoffs.bounce(stages, index, count, reviewer, concerns, rounds)
        # a resumed run repeats this step: if the rejection is recorded, so is what followed
        fresh = rec.find(type(verdict.rejected), reviewer=reviewer, bounce=count) is None
        if verdict.blocks:
            if fresh:
                rec.record([Draft(reviewer, verdict.rejected)], durable=False)
            rec.block(verdict.reason, reviewer)
            return {"outcome": "blocked"}
        if fresh:
            sent_back = [Draft(reviewer, verdict.rejected), *rec.reopening(verdict.why)]
            rec.record(sent_back, durable=False)  # the senders' next ROLE_COMPLETED covers it
        bounces[str(index)] = count
        senders = verdict.rejected.senders
        all_concerns = [c for cs in rejected.values() for c in cs]
        return {
            "stage": index - 1,
            "pending": senders,
            "bounces": bounces,
            "concerns": dict.fromkeys(senders, all_concerns),
        }


def _decided(
    recorded: Triaged, corrected: TriageCorrected | None
) -> tuple[DecisionState, list[list[str]]]:
    """The verdict the roles work under: a person's correction, if any, over the gate's."""
    if corrected is not None:
        fixed = corrected.new
        by_person = DecisionState(
            kind=fixed.kind,
            severity=fixed.severity,
            priority=fixed.priority,
            confidence=1.0,
            rationale=f"corrected by a person: {corrected.reason}",
        )
        return by_person, corrected.stages
    decision = DecisionState(
        kind=recorded.kind,
        severity=recorded.severity,
        priority=recorded.priority,
        confidence=recorded.confidence,
        rationale=recorded.rationale,
    )
    return decision, recorded.stages

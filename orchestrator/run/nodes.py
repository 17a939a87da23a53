"""What the graph's nodes do: triage the item, run one role, review a stage's hand-offs.

Every step writes its events through the run's Recorder and checks it first, so a resumed
run skips what the ledger already holds.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, JsonValue

import prompts
from adapters.base import AgentCall
from adapters.errors import AdapterError
from adapters.executor import Executor
from orchestrator.config import Config
from orchestrator.ledger import FileLedger
from orchestrator.ledger.lifecycle import State
from orchestrator.ledger.models import Action
from orchestrator.ledger.repository import Draft
from orchestrator.run import gate, prompting
from orchestrator.run.recorder import Recorder
from roles.registry import ROLES

_STARTED = ((State.ACCEPTED, "triaged"), (State.IN_PROGRESS, "work started"))


class RoleTask(BaseModel):
    """The payload one parallel role task receives (a `Send` from the dispatcher)."""

    request_id: str
    role: str
    round: int
    stage: int
    stages: list[list[str]]
    decision: dict[str, JsonValue]
    artifacts: dict[str, dict[str, JsonValue]]
    concerns: list[str]


class RunContext(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    recorder: Recorder
    executor: Executor
    text: str
    workspace: Path | None = None


def _stamped(node: Callable[[Work, dict[str, Any]], dict[str, Any]]) -> Any:
    """Add the run's last ledger seq to a node's update, so each checkpoint names the
    ledger prefix it reflects (`show --at SEQ` and the checkpoint tell the same story)."""

    @functools.wraps(node)
    def wrapper(self: Work, state: dict[str, Any]) -> dict[str, Any]:
        update = node(self, state)
        return {**update, "ledger_seq": self._ctx(state["request_id"]).recorder.last_seq}

    return wrapper


def _handoff(task: RoleTask, completed: dict[str, JsonValue]) -> Draft:
    """What the role hands to the next stage (or to closing), for the timeline."""
    nxt = task.stages[task.stage + 1] if task.stage + 1 < len(task.stages) else ["close"]
    details: dict[str, JsonValue] = {
        "from": task.role,
        "to": list(nxt),
        "round": task.round,
        "runtime": completed.get("runtime"),
        "summary": completed.get("summary"),
    }
    return Draft(actor=task.role, action=Action.HANDOFF, details=details)


def _runtime_actor(details: dict[str, JsonValue]) -> str:
    name = details.get("runtime") or details.get("from_runtime") or "unknown"
    return f"runtime:{name}"


class Work:
    def __init__(self, config: Config, ledger: FileLedger) -> None:
        self.config = config
        self.ledger = ledger
        self._runs: dict[str, RunContext] = {}
        self._lock = threading.Lock()

    # -- run contexts -----------------------------------------------------------
    def open_run(self, request_id: str, text: str, workspace: Path | None) -> RunContext:
        recorder = Recorder(self.ledger, request_id)

        def sink(action: str, details: dict[str, JsonValue]) -> None:
            recorder.append(_runtime_actor(details), Action(action), details)

        executor = Executor(
            settings=self.config.runtimes,
            policy=self.config.retry,
            sink=sink,
            state_dir=self.ledger.root / "runtime-state",
        )
        ctx = RunContext(recorder=recorder, executor=executor, text=text, workspace=workspace)
        with self._lock:
            self._runs[request_id] = ctx
        return ctx

    def close_run(self, request_id: str) -> None:
        with self._lock:
            self._runs.pop(request_id, None)

    def note_resume(self, request_id: str, from_checkpoint: bool) -> None:
        rec = self._ctx(request_id).recorder
        rec.append(
            "orchestrator",
            Action.RESUMED,
            {"from_seq": rec.last_seq, "from_checkpoint": from_checkpoint},
        )

    def _ctx(self, request_id: str) -> RunContext:
        """The run's context; a graph driven from outside the API (LangGraph's dev tools,
        given `{"request_id": ...}` of a submitted item) opens one from the stored packet."""
        with self._lock:
            ctx = self._runs.get(request_id)
        if ctx is None:
            ctx = self.open_run(request_id, self.ledger.read_request(request_id).text, None)
        return ctx

    # -- nodes ------------------------------------------------------------------
    @_stamped
    def triage_node(self, state: dict[str, Any]) -> dict[str, Any]:
        ctx = self._ctx(state["request_id"])
        rec = ctx.recorder
        recorded = rec.find(Action.TRIAGED)
        if recorded is None:
            try:
                triaged = gate.triage(self.config, ctx.executor, ctx.text)
            except AdapterError as exc:
                rec.block(f"triage failed: {exc}", role="triage")
                return {"outcome": "blocked"}
            decided = Draft(actor="triage", action=Action.TRIAGED, details=triaged.ledger_details())
            recorded = rec.record([decided, *rec.moves(*_STARTED)])[0]
        details = recorded.details
        stages = [[str(r) for r in stage] for stage in details["stages"]]  # type: ignore[union-attr]
        rec.record(rec.moves(*_STARTED))
        decision = {
            k: details[k] for k in ("kind", "severity", "priority", "confidence", "rationale")
        }
        return {"decision": decision, "stages": stages, "stage": 0, "pending": stages[0]}

    @_stamped
    def role_node(self, payload: dict[str, Any]) -> dict[str, Any]:
        task = RoleTask.model_validate(payload)
        ctx = self._ctx(task.request_id)
        rec = ctx.recorder
        done = rec.find(Action.ROLE_COMPLETED, role=task.role, round=task.round)
        if done is None:
            try:
                completed = self._run_role(ctx, task)
            except AdapterError as exc:
                rec.append(
                    "orchestrator",
                    Action.ROLE_FAILED,
                    {"role": task.role, "round": task.round, "error": str(exc)[:1000]},
                )
                return {"failed": {task.role: str(exc)[:300]}, "runs": {task.role: task.round}}
            done = rec.record([completed, _handoff(task, completed.details)])[0]
        else:  # resumed after the role finished: only its hand-off may be missing
            handoff = _handoff(task, done.details)
            rec.once(handoff.actor, Action.HANDOFF, handoff.details, "from", "round")
        return {"artifacts": {task.role: done.details["output"]}, "runs": {task.role: task.round}}

    def _run_role(self, ctx: RunContext, task: RoleTask) -> Draft:
        spec = ROLES[task.role]
        prompt = prompts.load(spec.prompt)
        chain = self.config.chain_for(task.role)
        rec = ctx.recorder
        rec.once(
            "orchestrator",
            Action.ROLE_STARTED,
            {"role": task.role, "round": task.round, "runtime": chain[0], "stage": task.stage},
            "role",
            "round",
        )
        visible = {r: a for r, a in task.artifacts.items() if r in spec.sees}
        call = AgentCall(
            role=task.role,
            system=prompt.text,
            user=prompting.role_user(
                ctx.text, task.decision, visible, task.concerns, spec.output_type
            ),
            output_type=spec.output_type,
            request_text=ctx.text,
            workspace=ctx.workspace,
        )
        reply = ctx.executor.run(call, chain)
        output = reply.output.model_dump(mode="json")
        return Draft(
            actor=task.role,
            action=Action.ROLE_COMPLETED,
            details={
                "role": task.role,
                "round": task.round,
                "runtime": reply.runtime,
                "model": reply.model,
                "prompt": prompt.name,
                "prompt_sha256": prompt.sha256,
                "raw": reply.raw,
                "output": output,
                "summary": str(output.get("summary", ""))[:300],
                "usage": reply.usage.model_dump(),
                "latency_ms": reply.latency_ms,
                "attempts": reply.attempts,
                "session_id": reply.session_id,
                "extra": reply.extra,
            },
        )

    @_stamped
    def review_node(self, state: dict[str, Any]) -> dict[str, Any]:
        """Judge the stage just run: advance, bounce back to the sender, block, or close."""
        ctx = self._ctx(state["request_id"])
        rec = ctx.recorder
        stages, index = state["stages"], state["stage"]
        stage = stages[index]
        failed = {r: e for r, e in state.get("failed", {}).items() if r in stage}
        if failed:
            role, error = next(iter(failed.items()))
            rec.block(f"role {role} failed: {error}", role=role)
            return {"outcome": "blocked"}
        rejections = self._rejections(stage, state.get("artifacts", {}))
        if rejections:
            return self._bounce(ctx, state, rejections)
        if index + 2 == len(stages):
            rec.advance(State.DELIVERED, f"{', '.join(stage)} delivered")
        if index + 1 < len(stages):
            return {"stage": index + 1, "pending": stages[index + 1], "concerns": {}}
        closing = rec.moves(
            (State.DELIVERED, "delivered"),
            (State.VERIFIED, f"{', '.join(stage)} accepted"),
            (State.CLOSED, "all roles done"),
        )
        rec.record(closing)
        return {"outcome": "closed"}

    @staticmethod
    def _rejections(stage: list[str], artifacts: dict[str, Any]) -> dict[str, list[str]]:
        """Roles that refused what they received; a failing test verdict counts as refusal."""
        out: dict[str, list[str]] = {}
        for role in stage:
            art = artifacts.get(role, {})
            handoff = art.get("handoff", {})
            concerns = list(handoff.get("concerns", []))
            if art.get("verdict") not in (None, "pass"):
                concerns.append(f"test verdict: {art['verdict']}")
            if not handoff.get("accepted", True) or art.get("verdict") not in (None, "pass"):
                out[role] = concerns or ["rejected without a stated concern"]
        return out

    def _bounce(
        self, ctx: RunContext, state: dict[str, Any], rejections: dict[str, list[str]]
    ) -> dict[str, Any]:
        rec = ctx.recorder
        stages, index = state["stages"], state["stage"]
        bounces = dict(state.get("bounces", {}))
        count = bounces.get(str(index), 0) + 1
        reviewer, concerns = next(iter(rejections.items()))
        senders = stages[index - 1] if index > 0 else ["requester"]
        details: dict[str, JsonValue] = {
            "reviewer": reviewer, "senders": list(senders), "concerns": list(concerns),
            "bounce": count,
        }  # fmt: skip
        # a resumed run repeats this step: if the rejection is recorded, so is what followed
        fresh = rec.find(Action.REVIEW_REJECTED, reviewer=reviewer, bounce=count) is None
        rejected = Draft(actor=reviewer, action=Action.REVIEW_REJECTED, details=details)
        if index == 0 or count > self.config.routing.max_review_rounds:
            if fresh:
                rec.record([rejected])
            why = (
                "needs information from the requester" if index == 0 else "review rounds exhausted"
            )
            rec.block(f"{reviewer} rejected the hand-off ({why}): {'; '.join(concerns)}", reviewer)
            return {"outcome": "blocked"}
        if fresh:
            rec.record([rejected, *rec.reopening(f"sent back by {reviewer}")])
        bounces[str(index)] = count
        all_concerns = [c for cs in rejections.values() for c in cs]
        return {
            "stage": index - 1,
            "pending": senders,
            "bounces": bounces,
            "concerns": dict.fromkeys(senders, all_concerns),
        }

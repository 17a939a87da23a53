"""The role graph in LangGraph: triage → stages of role agents (parallel fan-out) → review.

The graph's shape is fixed and small — `triage`, `role`, `review` — and the routing matrix
(data) decides at run time which roles each stage fans out to with `Send`. Roles of one
stage run as parallel tasks of one superstep; `review` then judges their hand-offs.
"""

from __future__ import annotations

from typing import Annotated, Any, TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.types import Send

from orchestrator.run.nodes import RoleTask, Work


def _merge(left: dict, right: dict) -> dict:
    return {**left, **right}


def _latest(left: int, right: int) -> int:
    return max(left, right)


class RunState(TypedDict, total=False):
    request_id: str
    decision: dict[str, Any]
    stages: list[list[str]]
    stage: int
    pending: list[str]
    artifacts: Annotated[dict[str, dict[str, Any]], _merge]
    runs: Annotated[dict[str, int], _merge]
    failed: Annotated[dict[str, str], _merge]
    concerns: dict[str, list[str]]
    bounces: dict[str, int]
    outcome: str | None
    # the last ledger seq this step's writes are covered by: ties a checkpoint to `show --at`
    ledger_seq: Annotated[int, _latest]


def _dispatch(state: RunState) -> list[Send] | str:
    """Fan the pending roles out as parallel tasks, or finish."""
    if state.get("outcome"):
        return END
    runs = state.get("runs", {})
    return [
        Send(
            "role",
            RoleTask(
                request_id=state["request_id"],
                role=role,
                round=runs.get(role, 0) + 1,
                stage=state["stage"],
                stages=state["stages"],
                decision=state["decision"],
                artifacts=state.get("artifacts", {}),
                concerns=state.get("concerns", {}).get(role, []),
            ).model_dump(),
        )
        for role in state["pending"]
    ]


def build(work: Work, checkpointer: Any | None = None) -> Any:
    """Compile the graph; `work` holds the ledger, config and runtimes the nodes act on."""
    graph = StateGraph(RunState)
    graph.add_node("triage", work.triage_node)
    graph.add_node("role", work.role_node)
    graph.add_node("review", work.review_node)
    graph.add_edge(START, "triage")
    graph.add_conditional_edges("triage", _dispatch, ["role", END])
    graph.add_edge("role", "review")
    graph.add_conditional_edges("review", _dispatch, ["role", END])
    return graph.compile(checkpointer=checkpointer)

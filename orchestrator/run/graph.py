"""The role graph in LangGraph: triage → stages of role agents (parallel fan-out) → review.

The graph's shape is fixed and small — `triage`, `role`, `review` — and the routing matrix
(data) decides at run time which roles each stage fans out to with `Send`. Roles of one
stage run as parallel tasks of one superstep; `review` then judges their hand-offs.
"""

from __future__ import annotations

from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Send

from orchestrator.run.context import RunContext
from orchestrator.run.nodes import Nodes
from orchestrator.run.state import RoleTask, RunState

Graph = CompiledStateGraph[RunState, RunContext, RunState, RunState]


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
            ),
        )
        for role in state["pending"]
    ]


def build(nodes: Nodes, checkpointer: BaseCheckpointSaver[Any] | None = None) -> Graph:
    """Compile the graph; `nodes` hold the ledger and config, each run brings its context."""
    graph = StateGraph(RunState, context_schema=RunContext)
    graph.add_node("triage", nodes.triage)
    # fed by `Send(RoleTask)`, not by the graph state, which LangGraph's overloads cannot say
    graph.add_node("role", nodes.role)  # type: ignore[call-overload]
    graph.add_node("review", nodes.review)
    graph.add_edge(START, "triage")
    graph.add_conditional_edges("triage", _dispatch, ["role", END])
    graph.add_edge("role", "review")
    graph.add_conditional_edges("review", _dispatch, ["role", END])
    return graph.compile(checkpointer=checkpointer)

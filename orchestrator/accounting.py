"""Token accounting: a default price table and cost estimates, overridable from config.

Prices are USD per million tokens at standard (non-batch, uncached) rates, as published by
the providers when this table was written (2026). They are estimates for a report, not a
bill: override them with `[prices."MODEL"] input_per_mtok = …, output_per_mtok = …`.
A model we have no price for costs `None` (shown as unknown), never a made-up zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from orchestrator.ledger.fold import RoleRecord

PRICES_AS_OF = "2026-05"


class ModelPrice(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    input_per_mtok: float = Field(ge=0)
    output_per_mtok: float = Field(ge=0)


def _p(inp: float, out: float) -> ModelPrice:
    return ModelPrice(input_per_mtok=inp, output_per_mtok=out)


DEFAULT_PRICES: dict[str, ModelPrice] = {
    # Anthropic (claude runtime)
    "claude-opus-4-6": _p(5.0, 25.0),
    "claude-opus-4-5": _p(5.0, 25.0),
    "claude-sonnet-4-6": _p(3.0, 15.0),
    "claude-sonnet-4-5": _p(3.0, 15.0),
    "claude-haiku-4-5": _p(1.0, 5.0),
    # OpenAI (codex runtime)
    "gpt-5.3-codex": _p(1.75, 14.0),
    "gpt-5.2-codex": _p(1.75, 14.0),
    "gpt-5.1-codex": _p(1.25, 10.0),
    "gpt-5-codex": _p(1.25, 10.0),
    "gpt-5": _p(1.25, 10.0),
    "gpt-5-mini": _p(0.25, 2.0),
    # GitHub Models (copilot runtime): the underlying model's list price
    "openai/gpt-4.1": _p(2.0, 8.0),
    "openai/gpt-4.1-mini": _p(0.4, 1.6),
    "openai/gpt-4o": _p(2.5, 10.0),
    "openai/gpt-4o-mini": _p(0.15, 0.6),
    # offline
    "mock-1": _p(0.0, 0.0),
}


Prices = Mapping[str, ModelPrice]


def price_for(model: str, overrides: Prices | None = None) -> ModelPrice | None:
    """Exact id first (overrides, then defaults), then a dated snapshot of a known id."""
    table = {**DEFAULT_PRICES, **(overrides or {})}
    if model in table:
        return table[model]
    if model.startswith("openai/") and model.removeprefix("openai/") in table:
        return table[model.removeprefix("openai/")]
    # "claude-sonnet-4-6-20260217" or "gpt-5.3-codex-2026-02-24" → the longest known prefix
    for known in sorted(table, key=len, reverse=True):
        if model.startswith(known + "-"):
            return table[known]
    return None


def estimate_cost(
    model: str, input_tokens: int, output_tokens: int, overrides: Prices | None = None
) -> float | None:
    """USD for one call, or None when the model has no price."""
    price = price_for(model, overrides)
    if price is None:
        return None
    cost = (input_tokens * price.input_per_mtok + output_tokens * price.output_per_mtok) / 1e6
    return round(cost, 6)


class CostLine(BaseModel):
    """One model call an item cost: the triage gate's or a role's."""

    role: str
    runtime: str | None
    model: str | None
    round: int
    input_tokens: int
    output_tokens: int
    latency_ms: float
    cost_usd: float | None


class CostTotal(BaseModel):
    """Every call priced and summed; `cost_usd` is None when any model has no price."""

    lines: list[CostLine]
    input_tokens: int
    output_tokens: int
    cost_usd: float | None
    unpriced_models: list[str]

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


def total(calls: Iterable[RoleRecord], overrides: Prices | None = None) -> CostTotal:
    """The one place tokens and estimated cost are added up (`show`, `submit`, the API)."""
    lines = [
        CostLine(
            **call.model_dump(exclude={"summary"}),
            cost_usd=estimate_cost(
                call.model or "", call.input_tokens, call.output_tokens, overrides
            ),
        )
        for call in calls
    ]
    unpriced = sorted({line.model or "" for line in lines if line.cost_usd is None})
    cost = None if unpriced else round(sum(line.cost_usd or 0.0 for line in lines), 6)
    return CostTotal(
        lines=lines,
        input_tokens=sum(line.input_tokens for line in lines),
        output_tokens=sum(line.output_tokens for line in lines),
        cost_usd=cost,
        unpriced_models=unpriced,
    )

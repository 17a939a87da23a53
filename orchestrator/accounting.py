"""Token accounting: a default price table and cost estimates, overridable from config.

Prices are USD per million tokens at standard (non-batch, uncached) rates, as published by
the providers when this table was written (2026). They are estimates for a report, not a
bill: override them with `[prices."MODEL"] input_per_mtok = …, output_per_mtok = …`.
A model we have no price for costs `None` (shown as unknown), never a made-up zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pydantic import BaseModel, ConfigDict, Field

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


def price_for(model: str, overrides: Mapping[str, object] | None = None) -> ModelPrice | None:
    """Exact id first (overrides, then defaults), then a dated snapshot of a known id."""
    table = {**DEFAULT_PRICES, **_coerce(overrides or {})}
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
    model: str,
    input_tokens: int,
    output_tokens: int,
    overrides: Mapping[str, ModelPrice] | Mapping[str, object] | None = None,
) -> float | None:
    """USD for one call, or None when the model has no price."""
    price = price_for(model, overrides)
    if price is None:
        return None
    cost = (input_tokens * price.input_per_mtok + output_tokens * price.output_per_mtok) / 1e6
    return round(cost, 6)


class UsageLine(BaseModel):
    """One completed role call, as ROLE_COMPLETED records it."""

    role: str
    runtime: str = ""
    model: str
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = None


class UsageReport(BaseModel):
    lines: list[UsageLine]
    input_tokens: int
    output_tokens: int
    cost_usd: float | None  # None if any line is unpriced
    unpriced_models: list[str]


def summarize(
    lines: Iterable[UsageLine], overrides: Mapping[str, object] | None = None
) -> UsageReport:
    """Price each line and total them, so `show` can print per-role and overall numbers."""
    priced = [
        line.model_copy(
            update={
                "cost_usd": estimate_cost(
                    line.model, line.input_tokens, line.output_tokens, overrides
                )
            }
        )
        for line in lines
    ]
    unpriced = sorted({line.model for line in priced if line.cost_usd is None})
    total = None if unpriced else round(sum(line.cost_usd or 0.0 for line in priced), 6)
    return UsageReport(
        lines=priced,
        input_tokens=sum(line.input_tokens for line in priced),
        output_tokens=sum(line.output_tokens for line in priced),
        cost_usd=total,
        unpriced_models=unpriced,
    )


def _coerce(overrides: Mapping[str, object]) -> dict[str, ModelPrice]:
    """Accept ModelPrice, any object with the two fields (a config section), or a dict."""
    out: dict[str, ModelPrice] = {}
    for model, value in overrides.items():
        if isinstance(value, ModelPrice):
            out[model] = value
        elif isinstance(value, Mapping):
            out[model] = ModelPrice.model_validate(dict(value))
        else:
            out[model] = ModelPrice.model_validate(value, from_attributes=True)
    return out

"""What the read commands print with `--json` (and the service returns): one model each."""

from __future__ import annotations

from pydantic import BaseModel

from orchestrator.accounting import CostLine
from orchestrator.ledger import ItemView
from orchestrator.ledger.models import LedgerEvent, RequestPacket


class ShowPayload(BaseModel):
    """`show --json`: the packet, the folded item, its priced calls and its events."""

    request: RequestPacket
    item: ItemView
    at: int | None
    status: str
    roles: list[CostLine]
    total_tokens: int
    total_cost_usd: float | None
    verified: bool = True
    events: list[LedgerEvent]

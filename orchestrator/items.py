"""What the read commands and the service show of items: the filtered list and one item's
whole story (`show --json`, `GET /v1/items/{id}`), built once for both."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field

from orchestrator.accounting import CostLine, total
from orchestrator.config import Config
from orchestrator.errors import InputError, NotFoundError
from orchestrator.ledger import ItemView, LedgerRepository, fold, ids, runlock
from orchestrator.ledger.lifecycle import State, is_open
from orchestrator.ledger.models import LedgerEvent, RequestPacket
from orchestrator.ledger.verify import verify

KINDS = ("bug", "feature", "incident")


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
    verify_problem: str | None = Field(
        default=None, description="where the chain first fails to verify, when it does"
    )
    events: list[LedgerEvent]


class ListedItem(BaseModel):
    """One line of `list --json` and of `GET /v1/items`: what the index knows, no more."""

    request_id: str
    title: str
    state: State
    kind: str | None
    severity: str | None
    priority: str | None
    confidence: float | None
    route: list[str]
    blocked_reason: str | None
    queue: str | None
    worker: str | None
    waiting_for: list[str] = Field(default_factory=list, description="roles awaiting approval")
    created_at: str | None
    updated_at: str | None
    last_seq: int

    @classmethod
    def of(cls, view: ItemView) -> ListedItem:
        return cls.model_validate(view.model_dump(include=set(cls.model_fields)))


class Filters(BaseModel):
    """`list --state S --kind K` and the service's `?state=&kind=&q=`."""

    state: State | None = None
    kind: str | None = None
    text: str | None = Field(default=None, description="words that must all be in the title")
    waiting: bool = Field(default=False, description="only items waiting for a person")

    @classmethod
    def parse(
        cls, state: str | None, kind: str | None, text: str | None = None, waiting: bool = False
    ) -> Filters:
        """From what a user typed; an unknown state or kind is one InputError line."""
        if state and state.upper() not in State.__members__:
            raise InputError(f"unknown state {state!r} (known: {', '.join(State.__members__)})")
        if kind and kind not in KINDS:
            raise InputError(f"unknown kind {kind!r} (known: {', '.join(KINDS)})")
        return cls(
            state=State(state.upper()) if state else None,
            kind=kind or None,
            text=(text or "").strip() or None,
            waiting=waiting,
        )

    def keeps(self, view: ItemView) -> bool:
        if self.state is not None and view.state is not self.state:
            return False
        if self.kind is not None and view.kind != self.kind:
            return False
        if self.waiting and not view.waiting_for:
            return False
        if self.text is not None:
            title = view.title.casefold()
            return all(word in title for word in self.text.casefold().split())
        return True


def listed(store: LedgerRepository, filters: Filters) -> list[ItemView]:
    """The index, newest first, narrowed by `filters`."""
    narrowed = store.index(filters.state, filters.kind).values()
    views = sorted(narrowed, key=lambda v: ids.sort_key(v.request_id), reverse=True)
    return [v for v in views if filters.keeps(v)]


def require_known(store: LedgerRepository, request_id: str) -> str:
    """A valid id (else InputError) of a request with a history (else NotFoundError)."""
    ids.validate(request_id)
    if not store.has_events(request_id):
        raise NotFoundError(f"unknown request {request_id}")
    return request_id


def status_of(store: LedgerRepository, view: ItemView, at: int | None) -> str:
    """The state, or for an open item whether some process runs it now."""
    if at is not None or not is_open(view.state):
        return view.state.value
    if view.waiting_for:
        return "waiting"
    return "running" if runlock.is_running(store, view.request_id) else "interrupted"


def show(
    store: LedgerRepository,
    config: Config,
    request_id: str,
    at: int | None = None,
    at_name: str = "at",
) -> ShowPayload:
    """One item as it stands (or stood after event `at`), priced and verified; `at_name` is
    what the user called `at` (`--at`, `?at=`), for the error."""
    require_known(store, request_id)
    events = store.read_events(request_id)
    if at is not None and not 1 <= at <= len(events):
        raise InputError(f"{at_name} {at}: {request_id} has events 1..{len(events)}")
    shown = [e for e in events if at is None or e.seq <= at]
    return payload_of(store, config, store.read_request(request_id), shown, at)


def payload_of(
    store: LedgerRepository,
    config: Config,
    packet: RequestPacket,
    events: Sequence[LedgerEvent],
    at: int | None,
) -> ShowPayload:
    view = fold(packet.request_id, list(events))
    costs = total(view.calls, config.prices)
    report = verify(store, [packet.request_id])
    problem = None
    if not report.ok:
        first = report.findings[0]
        where = f"{first.file}:{first.line}" if first.line else first.file
        problem = f"{where}: {first.reason}"
    return ShowPayload(
        request=packet,
        item=view,
        at=at,
        status=status_of(store, view, at),
        roles=costs.lines,
        total_tokens=costs.total_tokens,
        total_cost_usd=costs.cost_usd if costs.lines else None,
        verified=report.ok,
        verify_problem=problem,
        events=list(events),
    )

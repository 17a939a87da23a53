"""What the dashboard's templates are given: the list page's rows and the item page's
sections, built from the same `listed`/`show` the CLI and the JSON API use.

Only shaping happens here (which event is the verdict, a line per event, page numbers);
the item, its cost and its verification come from `orchestrator.items` unchanged. Text stays
raw: the templates escape it.
"""

from __future__ import annotations

import math
from typing import TypeVar, get_args
from urllib.parse import urlencode

from pydantic import BaseModel, ValidationError

from orchestrator.cli.render import brief
from orchestrator.items import KINDS, Filters, ListedItem, ShowPayload
from orchestrator.ledger import ItemView, LedgerRepository
from orchestrator.ledger import events as ev
from orchestrator.ledger.lifecycle import State
from orchestrator.ledger.models import LedgerEvent
from orchestrator.run.routing import stages_text
from roles.triage import Kind, Priority, Severity

PAGE_SIZE = 50
_KINDS, _SEVERITIES, _PRIORITIES = (list(get_args(t)) for t in (Kind, Severity, Priority))
D = TypeVar("D", bound=ev.Details)


class Row(BaseModel):
    item: ListedItem
    unsure: bool  # the last verdict asked for a person's look
    status: str  # the state, or QUEUED/CLAIMED while a PROPOSED item waits for a worker
    updated: str


class ListPage(BaseModel):
    rows: list[Row]
    total: int
    page: int
    pages: int
    state: str
    kind: str
    q: str
    states: list[str]
    kinds: list[str]
    previous_url: str | None
    next_url: str | None


class TimelineRow(BaseModel):
    seq: int
    time: str
    actor: str
    action: str
    summary: str


class HandoffRow(BaseModel):
    seq: int
    from_role: str
    to: list[str]
    round: int
    runtime: str | None
    summary: str | None


class CorrectionRow(BaseModel):
    actor: str
    fixed: ev.TriageCorrected


class ItemPage(BaseModel):
    shown: ShowPayload
    verdict: ev.Triaged | None
    correction: CorrectionRow | None  # the newest person's correction of that verdict
    stages: str
    handoffs: list[HandoffRow]
    timeline: list[TimelineRow]
    source_url: str | None  # only an http(s) link: a `javascript:` URL must never be a link
    kinds: list[str]
    severities: list[str]
    priorities: list[str]


def list_page(
    store: LedgerRepository, filters: Filters, views: list[ItemView], page: int
) -> ListPage:
    """One page of `views` (already `listed` with `filters`), with links that keep them."""
    pages = max(1, math.ceil(len(views) / PAGE_SIZE))
    page = min(page, pages)
    shown = views[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    state = filters.state.value if filters.state else ""
    kind, q = filters.kind or "", filters.text or ""

    def at(number: int) -> str:
        kept = {k: v for k, v in (("state", state), ("kind", kind), ("q", q)) if v}
        if number > 1:
            kept["page"] = str(number)
        return "/?" + urlencode(kept) if kept else "/"

    return ListPage(
        rows=[
            Row(
                item=ListedItem.of(v),
                unsure=unsure(store, v.request_id),
                status=_status(v),
                updated=when(v.updated_at),
            )
            for v in shown
        ],
        total=len(views),
        page=page,
        pages=pages,
        states=[s.value for s in State],
        kinds=list(KINDS),
        previous_url=at(page - 1) if page > 1 else None,
        next_url=at(page + 1) if page < pages else None,
        state=state,
        kind=kind,
        q=q,
    )


def _status(view: ItemView) -> str:
    """As `orchestrate list` shows it: a PROPOSED item in the queue says where it is."""
    queued = {"waiting": "QUEUED", "claimed": "CLAIMED"}.get(view.queue or "")
    return queued if queued and view.state is State.PROPOSED else view.state.value


def unsure(store: LedgerRepository, request_id: str) -> bool:
    """Whether the item's last verdict was flagged for review. The index does not keep the
    flag, so this reads the item's events — for the rows of one page only."""
    verdict = last_verdict(store.read_events(request_id))
    return verdict is not None and verdict.needs_review


def last_verdict(events: list[LedgerEvent]) -> ev.Triaged | None:
    found = next((e for e in reversed(events) if e.action is ev.Action.TRIAGED), None)
    return _read(found, ev.Triaged) if found is not None else None


def _read(event: LedgerEvent, model: type[D]) -> D | None:
    """The event's details, or None when they do not parse: a tampered line must not take
    the page down (the page says the chain fails to verify; the timeline says unreadable)."""
    try:
        return event.read(model)
    except ValidationError:
        return None


def item_page(shown: ShowPayload) -> ItemPage:
    verdict = last_verdict(shown.events)
    correction = _last_correction(shown.events)
    url = shown.request.source.url
    route = correction.fixed.stages if correction and correction.fixed.stages else None
    if route is None and verdict is not None:
        route = verdict.stages
    return ItemPage(
        shown=shown,
        verdict=verdict,
        correction=correction,
        stages=stages_text(route) if route is not None else "—",
        kinds=_KINDS,
        severities=_SEVERITIES,
        priorities=_PRIORITIES,
        handoffs=[row for e in shown.events if (row := _handoff(e)) is not None],
        timeline=[_line(e) for e in shown.events],
        source_url=url if url and url.startswith(("https://", "http://")) else None,
    )


def _last_correction(events: list[LedgerEvent]) -> CorrectionRow | None:
    for event in reversed(events):
        if event.action is ev.Action.TRIAGE_CORRECTED:
            fixed = _read(event, ev.TriageCorrected)
            if fixed is not None:
                return CorrectionRow(actor=event.actor, fixed=fixed)
    return None


def _handoff(event: LedgerEvent) -> HandoffRow | None:
    h = _read(event, ev.Handoff) if event.action is ev.Action.HANDOFF else None
    if h is None:
        return None
    return HandoffRow(
        seq=event.seq, from_role=h.from_, to=h.to, round=h.round, runtime=h.runtime,
        summary=h.summary,
    )  # fmt: skip


def _line(event: LedgerEvent) -> TimelineRow:
    return TimelineRow(
        seq=event.seq, time=when(event.ts), actor=event.actor, action=event.action.value,
        summary=brief(event),
    )  # fmt: skip


def when(ts: str | None) -> str:
    """`2026-12-01 14:05:09` (UTC, as the ledger writes it)."""
    return ts[:19].replace("T", " ") if ts else "—"

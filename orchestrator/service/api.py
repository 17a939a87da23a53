"""`/v1/items`: submit work, list it, show one item — the JSON API behind the bearer token.

`POST /v1/items` answers 202 `{request_id, state}` once the item is in the ledger and
queued (200 with the same id for a repeated idempotency key); `GET /v1/items/{id}` is
exactly `orchestrate show --json`; `GET /v1/items` pages newest first with a cursor.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from orchestrator.items import Filters, ListedItem, ShowPayload, listed, show
from orchestrator.ledger import ids
from orchestrator.service.admission import NewItem, trace_of
from orchestrator.service.auth import Principal
from orchestrator.service.deps import json_model, principal, service
from orchestrator.service.problems import Problem

router = APIRouter(prefix="/v1")
Caller = Annotated[Principal, Depends(principal)]


class ItemPage(BaseModel):
    items: list[ListedItem]
    total: int
    next: str | None = None


@router.post("/items", status_code=202)
async def create_item(request: Request, who: Caller) -> JSONResponse:
    svc = service(request)
    if not svc.accepting:
        raise Problem(503, "not accepting work (the service is stopping)", {"Retry-After": "5"})
    new = await json_model(request, NewItem, "item")
    key = new.idempotency_key or request.headers.get("idempotency-key") or None
    new = new.model_copy(update={"idempotency_key": key})
    author = who.name if who.via == "session" else None
    trace = trace_of(request.headers)
    status, answer = await run_in_threadpool(svc.admission.item, new, author, trace)
    return JSONResponse(answer.model_dump(mode="json", exclude_none=True), status_code=status)


@router.get("/items")
async def list_items(
    request: Request,
    who: Caller,
    state: str | None = None,
    kind: str | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    after: Annotated[str | None, Query(description="the last id of the previous page")] = None,
) -> ItemPage:
    svc = service(request)
    filters = Filters.parse(state, kind, q)
    if after is not None:
        ids.validate(after)
    views = await run_in_threadpool(listed, svc.ledger, filters)
    start = 0
    if after is not None:
        start = next(
            (n for n, v in enumerate(views) if ids.sort_key(v.request_id) < ids.sort_key(after)),
            len(views),
        )
    page = views[start : start + limit]
    more = start + limit < len(views)
    return ItemPage(
        items=[ListedItem.of(v) for v in page],
        total=len(views),
        next=page[-1].request_id if more else None,
    )


@router.get("/items/{request_id}")
async def show_item(
    request: Request, request_id: str, who: Caller, at: int | None = None
) -> ShowPayload:
    svc = service(request)
    return await run_in_threadpool(show, svc.ledger, svc.config, request_id, at)

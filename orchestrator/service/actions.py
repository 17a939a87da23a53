"""`/v1/items/{id}/approve|reject|reclassify|retry`: what a person does, over HTTP.

The same `Orchestrator` methods as the CLI, with the authenticated caller as the actor. The
action is checked and recorded before the answer; a run it lets go on is queued for the
service's workers (202), so a slow runtime never holds the request open. Refusals map through
the exit codes: unknown 404, a state that does not allow it 409, bad input 400 (422 for a body
that does not fit its model).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from orchestrator.items import require_known
from orchestrator.run.people import Correction
from orchestrator.run.results import SubmitResult
from orchestrator.service.auth import Principal
from orchestrator.service.deps import json_model, principal, service

router = APIRouter(prefix="/v1/items/{request_id}")
Caller = Annotated[Principal, Depends(principal)]


class ApproveBody(BaseModel):
    note: str = ""


class RejectBody(BaseModel):
    reason: str


class ReclassifyBody(Correction):
    reason: str


class RetryBody(BaseModel):
    runtimes: dict[str, str] = Field(default_factory=dict, description="role → runtime")


def _answer(result: SubmitResult) -> JSONResponse:
    """202 while the item runs on (queued), 200 when the action settled it."""
    settled = result.state in ("CLOSED", "BLOCKED") or bool(result.waiting_for)
    return JSONResponse(result.model_dump(mode="json"), status_code=200 if settled else 202)


@router.post("/approve")
async def approve(request: Request, request_id: str, who: Caller) -> JSONResponse:
    svc = service(request)
    body = await json_model(request, ApproveBody, "approval")
    require_known(svc.ledger, request_id)
    run = svc.orch.approve
    return _answer(await run_in_threadpool(run, request_id, who.name, body.note, detach=True))


@router.post("/reject")
async def reject(request: Request, request_id: str, who: Caller) -> JSONResponse:
    svc = service(request)
    body = await json_model(request, RejectBody, "rejection")
    require_known(svc.ledger, request_id)
    return _answer(await run_in_threadpool(svc.orch.reject, request_id, who.name, body.reason))


@router.post("/reclassify")
async def reclassify(request: Request, request_id: str, who: Caller) -> JSONResponse:
    svc = service(request)
    body = await json_model(request, ReclassifyBody, "correction")
    body.check()
    require_known(svc.ledger, request_id)
    fix = Correction(kind=body.kind, severity=body.severity, priority=body.priority)
    result = await run_in_threadpool(svc.reclassify, request_id, who.name, body.reason, fix)
    return _answer(result)


@router.post("/retry")
async def retry(request: Request, request_id: str, who: Caller) -> JSONResponse:
    svc = service(request)
    body = await json_model(request, RetryBody, "retry")
    require_known(svc.ledger, request_id)
    run = svc.orch.retry
    return _answer(await run_in_threadpool(run, request_id, who.name, body.runtimes, detach=True))

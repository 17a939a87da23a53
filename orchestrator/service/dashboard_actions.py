"""The item page's buttons: approve, reject, reclassify, retry — as CSRF-checked form POSTs.

Each calls the same `Orchestrator` method as the CLI and `/v1/items/{id}/…`, with the
logged-in person as the actor, then sends the browser back to the item (POST, redirect,
GET: a reload never repeats the action). A run that goes on is queued for the workers, so
the page answers at once. A refusal is the error page with the API's status and one line.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from orchestrator.errors import OrchestrateError
from orchestrator.run.people import Correction
from orchestrator.run.results import SubmitResult
from orchestrator.service.dashboard import CsrfForm, checked_form
from orchestrator.service.deps import service
from orchestrator.service.pages import PageError, see_other
from orchestrator.service.problems import from_error

router = APIRouter(prefix="/items/{request_id}", include_in_schema=False)


class ApproveForm(CsrfForm):
    note: str = ""


class RejectForm(CsrfForm):
    reason: str = ""


class ReclassifyForm(CsrfForm):
    kind: str = ""
    severity: str = ""
    priority: str = ""
    reason: str = ""


async def _act(request_id: str, action: Callable[[], SubmitResult]) -> Response:
    """Run `action` off the event loop (the Orchestrator checks the id and the item's state
    first); the item page after it, the error page on refusal."""
    try:
        await run_in_threadpool(action)
    except OrchestrateError as exc:
        raise PageError(from_error(exc).status, str(exc)) from exc
    return see_other(f"/items/{request_id}")


@router.post("/approve")
async def approve(request: Request, request_id: str) -> Response:
    who, form = await checked_form(request, ApproveForm)
    orch = service(request).orch
    return await _act(
        request_id, lambda: orch.approve(request_id, who.name, form.note, detach=True)
    )


@router.post("/reject")
async def reject(request: Request, request_id: str) -> Response:
    who, form = await checked_form(request, RejectForm)
    orch = service(request).orch
    return await _act(request_id, lambda: orch.reject(request_id, who.name, form.reason))


@router.post("/reclassify")
async def reclassify(request: Request, request_id: str) -> Response:
    """Blank severity or priority keep what was decided (a select's "as decided" option)."""
    who, form = await checked_form(request, ReclassifyForm)
    fix = Correction(kind=form.kind, severity=form.severity or None, priority=form.priority or None)
    svc = service(request)

    def corrected() -> SubmitResult:
        fix.check()
        return svc.reclassify(request_id, who.name, form.reason, fix)

    return await _act(request_id, corrected)


@router.post("/retry")
async def retry(request: Request, request_id: str) -> Response:
    who, _ = await checked_form(request, CsrfForm)
    orch = service(request).orch
    return await _act(request_id, lambda: orch.retry(request_id, who.name, detach=True))

"""`POST /webhooks/{source}`: GitHub issues, Alertmanager — whatever `SOURCES` lists.

The order is the promise: the source must be configured (503), the request authenticated
against its secret (401) before the body is parsed, and only then is anything written.
Every answer is counted by source and status.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from orchestrator.service.admission import trace_of
from orchestrator.service.deps import raw_body, service
from orchestrator.service.problems import Problem
from orchestrator.service.sources import SOURCES

router = APIRouter()


@router.post("/webhooks/{name}")
async def webhook(request: Request, name: str) -> JSONResponse:
    svc = service(request)
    source = SOURCES.get(name)
    if source is None:
        raise Problem(404, f"no webhook source {name!r} (known: {', '.join(SOURCES)})")
    try:
        secret = svc.secrets.get(name)
        if secret is None:
            raise Problem(503, f"webhook source {name} is not configured on this server")
        if not svc.accepting:
            raise Problem(503, "not accepting work (the service is stopping)", {"Retry-After": "5"})
        body = await raw_body(request)
        headers = dict(request.headers)
        if not source.authenticate(secret, body, headers):
            raise Problem(401, f"{name}: missing or wrong signature or token")
        outcome = source.read(body, headers)
        trace = trace_of(request.headers)
        status, answer = await run_in_threadpool(svc.admission.webhook, outcome, trace)
    except Problem as problem:
        svc.metrics.webhooks.labels(name, str(problem.status)).inc()
        raise
    svc.metrics.webhooks.labels(name, str(status)).inc()
    return JSONResponse(answer.model_dump(mode="json", exclude_none=True), status_code=status)

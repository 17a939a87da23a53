"""`/healthz` (the process answers), `/readyz` (it can take work: ledger writable, worker
slots alive, not stopping) and `/metrics` (Prometheus text). No token: probes and
scrapers run without one, and none of these shows ticket content."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool

from orchestrator.service.deps import service

router = APIRouter()


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    problems = service(request).problems()
    if problems:
        return JSONResponse({"status": "not ready", "problems": problems}, status_code=503)
    return JSONResponse({"status": "ready"})


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    body = await run_in_threadpool(service(request).metrics.render)
    return Response(body, media_type=CONTENT_TYPE_LATEST)

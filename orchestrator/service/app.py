"""The ASGI app `orchestrate serve` runs: FastAPI over the same Python API as the CLI.

FastAPI (on Starlette) for typed routes and an OpenAPI document for free, uvicorn to serve
it; both are the well-kept defaults for a Python service. Every error is one JSON line
`{"error": …}` with a status from one table (`problems`), never a traceback; a bug is
logged here and answered 500 without its details.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from orchestrator.config import Config
from orchestrator.errors import OrchestrateError
from orchestrator.service import actions, api, dashboard, dashboard_actions, health, webhooks
from orchestrator.service.problems import Problem, ProblemBody, from_error
from orchestrator.service.state import ServiceState

log = logging.getLogger("orchestrate.service")
Next = Callable[[Request], Awaitable[Response]]


def create_app(config: Config, workers: int | None = None) -> FastAPI:
    """The app over `config`'s ledger; `workers` in-process slots (default `[service]`)."""
    state = ServiceState(config, workers)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(state.start)
        try:
            yield
        finally:
            await run_in_threadpool(state.stop)

    app = FastAPI(
        title="orchestrate", version="0.2.0", lifespan=lifespan, docs_url="/docs", redoc_url=None
    )
    app.state.service = state
    app.include_router(api.router)
    app.include_router(actions.router)
    app.include_router(dashboard_actions.router)
    app.include_router(webhooks.router)
    app.include_router(health.router)
    dashboard.install(app)  # `/`, `/items/…`, `/login`: HTML pages and their error answers
    _handlers(app)
    _timing(app, state)
    return app


def _answer(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    body = ProblemBody(error=message).model_dump()
    return JSONResponse(body, status_code=status, headers=headers)


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def problem(request: Request, exc: Problem) -> JSONResponse:
        return _answer(exc.status, exc.message, exc.headers)

    @app.exception_handler(OrchestrateError)
    async def refused(request: Request, exc: OrchestrateError) -> JSONResponse:
        p = from_error(exc)
        return _answer(p.status, p.message)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(p) for p in first.get("loc", ()))
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        return _answer(422, f"{where}: {first.get('msg', 'invalid')}{more}")

    @app.exception_handler(HTTPException)
    async def http(request: Request, exc: HTTPException) -> JSONResponse:
        if exc.status_code == 404:
            return _answer(404, f"no such route: {request.method} {request.url.path}")
        if exc.status_code == 405:
            return _answer(405, f"{request.method} is not allowed on {request.url.path}")
        return _answer(exc.status_code, str(exc.detail))

    @app.exception_handler(Exception)
    async def bug(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _answer(500, "internal error in orchestrate (logged on the server)")


def _timing(app: FastAPI, state: ServiceState) -> None:
    @app.middleware("http")
    async def timed(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = getattr(request.scope.get("route"), "path", "unmatched")
        state.metrics.http.labels(request.method, route, str(response.status_code)).observe(
            time.perf_counter() - started
        )
        return response


__all__ = ["create_app"]

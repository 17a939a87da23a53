"""What routes ask of a request: the service's parts, who is asking, and the body as JSON."""

from __future__ import annotations

from typing import TypeVar

from fastapi import Request
from pydantic import BaseModel

from orchestrator.service.auth import COOKIE, Principal
from orchestrator.service.body import read_body
from orchestrator.service.problems import Problem
from orchestrator.service.sources.base import Invalid, json_body, validated
from orchestrator.service.state import ServiceState

M = TypeVar("M", bound=BaseModel)
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def service(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.service
    return state


def principal(request: Request) -> Principal:
    """The caller, or 401. A logged-in browser's writes must carry the CSRF token too."""
    svc = service(request)
    who = svc.auth.principal(request.headers.get("authorization"), request.cookies.get(COOKIE))
    if who is None:
        raise Problem(
            401, "missing or wrong token (Authorization: Bearer …)", {"WWW-Authenticate": "Bearer"}
        )
    sent = request.headers.get("x-csrf-token")
    if who.via == "session" and request.method in UNSAFE and not svc.auth.csrf_ok(who, sent):
        raise Problem(403, "missing or wrong CSRF token")
    return who


async def raw_body(request: Request) -> bytes:
    settings = service(request).config.service
    return await read_body(request, settings.max_body_bytes, settings.body_timeout_s)


async def json_model(request: Request, model: type[M], what: str) -> M:
    """The body as `model`: 415 unless JSON, 400 if unreadable, 422 naming the first field."""
    data = json_body(await raw_body(request), request.headers)
    if isinstance(data, Invalid):
        raise Problem(data.status, data.reason)
    parsed = validated(model, data, what)
    if isinstance(parsed, Invalid):
        raise Problem(parsed.status, parsed.reason)
    return parsed

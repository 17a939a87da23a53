"""The dashboard at `/`: the item list (filters, search, pages) and one item's whole story,
server-rendered, behind the same token as the API.

A browser logs in once with the token (`/login`) and then carries a signed session cookie
(auth.py); a script may send the bearer header instead; an open service (loopback, no token)
needs neither. A page asked for without either is a 303 to `/login`, where the JSON API says
401. Every state-changing form goes through `checked_form`: same origin, this login's CSRF
token, fields validated by a pydantic model — the one door later forms (approve, reject, …)
use too. The pages read what `list --json`/`show --json` read (`orchestrator.items`).
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool

from orchestrator.errors import OrchestrateError
from orchestrator.items import Filters, listed, show
from orchestrator.service import dashboard_views as views
from orchestrator.service.auth import COOKIE, Principal
from orchestrator.service.deps import raw_body, service
from orchestrator.service.pages import (
    STYLESHEET,
    LoginRequired,
    PageError,
    login_url,
    page,
    safe_next,
    see_other,
)
from orchestrator.service.problems import from_error

router = APIRouter(include_in_schema=False)
F = TypeVar("F", bound="CsrfForm")
FORM_TYPE = "application/x-www-form-urlencoded"


# -- who is looking, and the one door for forms ---------------------------------------------
def viewer(request: Request) -> Principal:
    """The person (or bearer client, or anyone when open) a page is for; else LoginRequired,
    back to this page afterwards (to the list after a form: its POST cannot be replayed)."""
    who = service(request).auth.principal(
        request.headers.get("authorization"), request.cookies.get(COOKIE)
    )
    if who is None:
        query = f"?{request.url.query}" if request.url.query else ""
        raise LoginRequired(request.url.path + query if request.method == "GET" else "/")
    return who


Viewer = Annotated[Principal, Depends(viewer)]


class CsrfForm(BaseModel):
    """A dashboard form's fields; every form carries its login's CSRF token as `csrf`.
    A later form subclasses this with its own fields (a reason, a kind, …)."""

    csrf: str = ""


class LoginForm(BaseModel):
    name: str = ""
    token: str = ""
    next: str = "/"


async def checked_form(request: Request, model: type[F]) -> tuple[Principal, F]:
    """A state-changing form POST, refused unless it is safe to act on: the sender is logged
    in (else to `/login`), the browser says it came from one of our pages, it carries this
    login's CSRF token (a bearer client needs none: no other site can make a browser send
    that header), and its fields are `model`. Refusals are PageErrors: 403, 415 or 422."""
    who = viewer(request)
    fields = await _posted(request)
    if who.via != "bearer" and not service(request).auth.csrf_ok(who, fields.get("csrf")):
        raise PageError(403, "missing or wrong CSRF token: reload the page and try again")
    if not _is_form(request):
        raise PageError(415, f"a dashboard form is sent as {FORM_TYPE}")
    try:
        return who, model.model_validate(fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "form"
        raise PageError(422, f"{where}: {first['msg']}") from exc


async def _posted(request: Request) -> dict[str, str]:
    """The form's fields (none unless urlencoded), read within `[service]`'s size and time
    limits; refused when another site sent it."""
    if not _same_origin(request):
        raise PageError(403, "this form was sent from another site")
    if not _is_form(request):
        return {}
    body = await raw_body(request)
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


def _is_form(request: Request) -> bool:
    return request.headers.get("content-type", "").split(";")[0].strip().lower() == FORM_TYPE


def _same_origin(request: Request) -> bool:
    """Browsers send `Origin` on every POST; another site's form is refused even before the
    CSRF check (and the login form, which has no session to tie a token to, relies on it).
    No Origin at all is a non-browser client, which a CSRF attack cannot be."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc == request.headers.get("host", "")


# -- pages ------------------------------------------------------------------------------------
def _page(request: Request, who: Principal, name: str, **context: Any) -> HTMLResponse:
    """A page for `who`, with the CSRF token its forms (logout, later actions) carry."""
    return page(name, who=who, csrf=service(request).auth.csrf(who), **context)


@router.get("/", response_class=HTMLResponse)
async def item_list(
    request: Request,
    who: Viewer,
    state: str | None = None,
    kind: str | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    page_number: Annotated[int, Query(alias="page", ge=1)] = 1,
) -> Response:
    svc = service(request)
    try:
        filters = Filters.parse(state, kind, q)
    except OrchestrateError as exc:
        raise PageError(from_error(exc).status, str(exc)) from exc
    found = await run_in_threadpool(listed, svc.ledger, filters)
    view = await run_in_threadpool(views.list_page, svc.ledger, filters, found, page_number)
    return _page(request, who, "list.html", view=view)


@router.get("/items/{request_id}", response_class=HTMLResponse)
async def item(request: Request, request_id: str, who: Viewer) -> Response:
    svc = service(request)
    try:
        shown = await run_in_threadpool(show, svc.ledger, svc.config, request_id)
    except OrchestrateError as exc:
        raise PageError(from_error(exc).status, str(exc)) from exc
    return _page(request, who, "item.html", view=views.item_page(shown))


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request, next: str | None = None) -> Response:
    return _login(request, safe_next(next))


@router.post("/login")
async def login(request: Request) -> Response:
    """Right token (and a name): the session cookie, then where the person was going."""
    form = LoginForm.model_validate(await _posted(request))
    svc = service(request)
    cookie = svc.auth.login(form.name, form.token)
    target = safe_next(form.next)
    if cookie is None:
        return _login(request, target, 401, "wrong token, or no name given", form.name)
    answer = see_other(target)
    answer.set_cookie(COOKIE, cookie, max_age=int(svc.config.service.session_hours * 3600),
                      **_cookie_flags(request))  # fmt: skip
    return answer


@router.post("/logout")
async def logout(request: Request) -> Response:
    await checked_form(request, CsrfForm)
    answer = see_other("/login")
    answer.delete_cookie(COOKIE, **_cookie_flags(request))
    return answer


@router.get("/static/dashboard.css")
async def stylesheet() -> Response:
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "max-age=3600"}
    return Response(STYLESHEET, media_type="text/css", headers=headers)


def _login(
    request: Request, target: str, status: int = 200, error: str = "", name: str = ""
) -> Response:
    return page(
        "login.html", status, who=None, csrf="", next=target, error=error, name=name,
        needs_token=not service(request).auth.open,
    )  # fmt: skip


def _cookie_flags(request: Request) -> dict[str, Any]:
    """HttpOnly (no script reads it), Secure when served over https, and SameSite=Lax: a
    link from the GitHub comment to `/items/…` arrives logged in (Strict would show the
    login form to someone already logged in), while another site's POST carries no cookie —
    and every POST needs the CSRF token besides."""
    return {
        "path": "/",
        "httponly": True,
        "samesite": "lax",
        "secure": request.url.scheme == "https",
    }


def install(app: FastAPI) -> None:
    """The routes, and the answers a browser gets instead of the API's JSON refusals."""
    app.include_router(router)

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, exc: LoginRequired) -> Response:
        return see_other(login_url(exc.path))

    @app.exception_handler(PageError)
    async def error_page(request: Request, exc: PageError) -> Response:
        return page("error.html", exc.status, who=None, csrf="", status=exc.status,
                    message=exc.message)  # fmt: skip


__all__ = ["CsrfForm", "Viewer", "checked_form", "install", "router", "viewer"]

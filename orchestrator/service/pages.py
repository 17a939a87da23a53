"""How the dashboard answers a browser: Jinja2 pages with autoescape on and the headers that
keep untrusted ticket text inert, and the two ways a page says no (log in first; an error
page instead of the API's JSON line).

Ticket titles and text are written by whoever can open an issue or fire an alert, so every
value is escaped by the template engine (never `|safe`), and the Content-Security-Policy
allows no script at all and styles only from our own `/static/`: even markup that slipped
through could not run or phone home. Pages are `no-store` so a shared browser's back button
after logout shows nothing.
"""

from __future__ import annotations

from importlib import resources
from typing import Any
from urllib.parse import urlencode

from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined

from orchestrator.cli.render import UNSURE

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # item ids and searches never leak to linked sites
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}

TEMPLATES = Environment(
    loader=PackageLoader("orchestrator.service", "templates"),
    autoescape=True,  # every template, whatever its name: nothing is trusted by default
    undefined=StrictUndefined,  # a misspelt variable is a bug, not an empty string
    trim_blocks=True,
    lstrip_blocks=True,
)
TEMPLATES.globals["unsure_text"] = UNSURE  # the CLI's words for a verdict that needs a look
STYLESHEET = resources.files("orchestrator.service").joinpath("static/dashboard.css").read_bytes()


class LoginRequired(Exception):
    """A page was asked for without a login: answered 303 to `/login?next=<path>`."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


class PageError(Exception):
    """A page that cannot be shown (unknown item, bad filter, refused form): an error page
    with `status`, in the dashboard's look rather than the API's JSON line."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def page(template: str, status: int = 200, /, **context: Any) -> HTMLResponse:
    """`template` rendered with `context`, with the security headers (positional-only, so
    a page may have a `name` or `status` of its own)."""
    body = TEMPLATES.get_template(template).render(**context)
    return HTMLResponse(body, status_code=status, headers=SECURITY_HEADERS)


def see_other(url: str) -> Response:
    """303: after a form POST, or to the login page; the browser then GETs `url`."""
    return RedirectResponse(url, status_code=303, headers=SECURITY_HEADERS)


def login_url(path: str) -> str:
    return "/login?" + urlencode({"next": path}) if path != "/" else "/login"


def safe_next(target: str | None) -> str:
    """Where to go after logging in: a path on this site only (`//evil.example` and
    `https://…` would make the login page an open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target

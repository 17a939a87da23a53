"""A small synchronous client for the GitHub REST calls write-back makes, over httpx.

Labels: `GET`/`POST /repos/{o}/{r}/issues/{n}/labels`, `DELETE …/labels/{name}`.
Comments: `GET`/`POST /repos/{o}/{r}/issues/{n}/comments`,
`PATCH /repos/{o}/{r}/issues/comments/{id}`.

Every failure is one of the project's error classes (`adapters.errors`, through the one
status table in `adapters.provider_errors`), with two refinements GitHub needs: a 403 or
429 that is a rate limit (`Retry-After`, `X-RateLimit-Remaining: 0`, or a "rate limit"
message) is `RateLimited`, transient, with the wait GitHub asked for; a 404 is `NotFound`,
so a comment someone deleted can be told apart. Messages never carry the token. This client
does not retry; `adapters.github.retry` does, step by step.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from types import TracebackType
from typing import TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

from adapters.errors import AdapterError, AuthError, PermanentError, RuntimeTimeout, TransientError
from adapters.github.models import IssueRef
from adapters.github.settings import GitHubSettings
from adapters.provider_errors import body_message, clip, error_class, retry_after

_PER_PAGE = 100
_MAX_PAGES = 30  # 3000 comments; beyond that an issue is not one write-back's to search
_SECONDARY_WAIT_S = 60.0  # GitHub: without a hint, wait at least a minute
_USER_AGENT = "orchestrate-writeback"

M = TypeVar("M", bound=BaseModel)


class RateLimited(TransientError):
    kind = "rate_limited"


class NotFound(PermanentError):
    kind = "not_found"


class Comment(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")
    id: int
    body: str | None = ""
    html_url: str | None = None


class _Label(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")
    name: str


class GitHubClient:
    """`with GitHubClient(settings, token) as gh:` — one connection pool per write-back."""

    def __init__(
        self,
        settings: GitHubSettings,
        token: str,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._token = token
        self._settings = settings
        self._origin = httpx.URL(settings.api_url)
        self._http = httpx.Client(
            base_url=settings.api_url,
            timeout=settings.timeout_s,
            transport=transport,
            follow_redirects=False,
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": settings.api_version,
                "User-Agent": _USER_AGENT,
            },
        )
        self.calls = 0
        self.last_status: int | None = None

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> GitHubClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- labels ----------------------------------------------------------------------------
    def labels(self, issue: IssueRef) -> list[str]:
        return [label.name for label in self._pages(f"{issue.path}/labels", _Label)]

    def add_labels(self, issue: IssueRef, names: list[str]) -> list[str]:
        """Add `names` (GitHub keeps labels as a set); the issue's labels afterwards."""
        response = self._send("POST", f"{issue.path}/labels", json={"labels": names})
        return [label.name for label in self._many(response, _Label)]

    def remove_label(self, issue: IssueRef, name: str) -> bool:
        """Take `name` off the issue; False if it was not there (nothing to do)."""
        try:
            self._send("DELETE", f"{issue.path}/labels/{quote(name, safe='')}")
        except NotFound:
            return False
        return True

    # -- comments --------------------------------------------------------------------------
    def comments(self, issue: IssueRef) -> Iterator[Comment]:
        return self._pages(f"{issue.path}/comments", Comment)

    def find_comment(self, issue: IssueRef, marker: str) -> Comment | None:
        """The first comment whose body opens with `marker`."""
        return next((c for c in self.comments(issue) if (c.body or "").startswith(marker)), None)

    def create_comment(self, issue: IssueRef, body: str) -> Comment:
        response = self._send("POST", f"{issue.path}/comments", json={"body": body})
        return self._one(response, Comment)

    def update_comment(self, issue: IssueRef, comment_id: int, body: str) -> Comment:
        path = f"/repos/{issue.repository}/issues/comments/{comment_id}"
        return self._one(self._send("PATCH", path, json={"body": body}), Comment)

    # -- the wire --------------------------------------------------------------------------
    def _pages(self, path: str, model: type[M]) -> Iterator[M]:
        url: str | None = path
        params: dict[str, int] | None = {"per_page": _PER_PAGE}
        for _ in range(_MAX_PAGES):
            if url is None:
                return
            response = self._send("GET", url, params=params)
            yield from self._many(response, model)
            url, params = self._next_page(response), None

    def _next_page(self, response: httpx.Response) -> str | None:
        """The `Link: rel="next"` URL, only if it stays on the API's origin (the token
        must never be sent anywhere else)."""
        nxt = response.links.get("next", {}).get("url")
        if not nxt:
            return None
        url = httpx.URL(nxt)
        same = (url.scheme, url.host, url.port) == (
            self._origin.scheme, self._origin.host, self._origin.port,
        )  # fmt: skip
        return nxt if same else None

    def _send(
        self,
        method: str,
        url: str,
        *,
        json: object = None,
        params: dict[str, int] | None = None,
    ) -> httpx.Response:
        what = f"{method} {httpx.URL(url).path}"
        self.calls += 1
        self.last_status = None  # stays None when no answer came
        try:
            response = self._http.request(method, url, json=json, params=params)
        except httpx.TimeoutException:
            raise RuntimeTimeout(
                f"github: {what}: no answer within {self._settings.timeout_s:g}s"
            ) from None
        except httpx.HTTPError as exc:
            raise TransientError(
                self._clip(f"github: cannot reach {self._settings.api_url}: {exc}")
            ) from None
        self.last_status = response.status_code
        if response.is_success:
            return response
        raise self._error(what, response)

    def _one(self, response: httpx.Response, model: type[M]) -> M:
        try:
            return model.model_validate_json(response.content)
        except ValidationError:
            raise _unreadable(response) from None

    def _many(self, response: httpx.Response, model: type[M]) -> list[M]:
        try:
            data = response.json()
            if not isinstance(data, list):
                raise _unreadable(response)
            return [model.model_validate(item) for item in data]
        except (ValueError, ValidationError):  # ValidationError is a ValueError too
            raise _unreadable(response) from None

    def _error(self, what: str, response: httpx.Response) -> AdapterError:
        status, headers = response.status_code, response.headers
        try:
            reason = body_message(response.json())
        except ValueError:
            reason = response.text
        why = self._clip(reason)
        suffix = f": {why}" if why else ""
        if status in (403, 429):
            wait = _rate_limit_wait(headers, reason)
            if wait is not None:
                return RateLimited(
                    f"github: {what}: rate limited (HTTP {status}); retry in {wait:.0f}s",
                    retry_after=wait,
                )
        kind = error_class(status)
        var = self._settings.token_var
        if kind is AuthError:
            verb = "rejected the token from" if status == 401 else "does not allow this with"
            return AuthError(f"github: {what}: GitHub {verb} {var} (HTTP {status}){suffix}")
        if status == 404:
            return NotFound(
                f"github: {what}: not found (HTTP 404; or the token from {var} cannot see it)"
            )
        return kind(f"github: {what}: HTTP {status}{suffix}", retry_after=retry_after(headers))

    def _clip(self, text: str) -> str:
        return clip(text, (self._token,))


def _unreadable(response: httpx.Response) -> TransientError:
    """A 2xx body that is not what GitHub sends: a proxy's page or a half-broken server."""
    request = response.request
    return TransientError(
        f"github: {request.method} {request.url.path}: unreadable response "
        f"(HTTP {response.status_code})"
    )


def _rate_limit_wait(headers: httpx.Headers, reason: str) -> float | None:
    """Seconds GitHub asks us to wait, if this 403/429 is a rate limit at all."""
    hinted = retry_after(headers)
    if hinted is not None:
        return hinted
    if headers.get("x-ratelimit-remaining") == "0":
        try:
            return max(0.0, float(headers.get("x-ratelimit-reset", "")) - time.time())
        except ValueError:
            return _SECONDARY_WAIT_S
    if "rate limit" in reason.lower():
        return _SECONDARY_WAIT_S
    return None

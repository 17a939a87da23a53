"""A loopback fake of the GitHub REST paths write-back uses, with issues that keep state.

Serves, under an optional prefix (`/api/v3`, as GitHub Enterprise Server does):
`GET`/`POST /repos/{o}/{r}/issues/{n}/labels`, `DELETE …/labels/{name}`,
`GET`/`POST /repos/{o}/{r}/issues/{n}/comments` (paginated with `per_page`/`page` and a
`Link: rel="next"` header), `GET`/`PATCH /repos/{o}/{r}/issues/comments/{id}`.

Requests need `Authorization: Bearer <token>` (else 401 "Bad credentials"); unknown issues
and comments are 404. `script(Fault(...))` makes the next matching request fail: a status
with headers (`Retry-After`, `X-RateLimit-*`), optionally after doing the work anyway
(`apply=True`: the answer is lost, the write happened), optionally echoing the credential
into the message. Every request is recorded. Binds 127.0.0.1 only.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

TOKEN = "ghs_FakeInstallationToken0123456789abcd"
BOT = "orchestrate[bot]"

Json = Any  # a decoded JSON value


@dataclass
class Fault:
    """Fail the next request matching `method` and `path` (a substring of the path)."""

    status: int
    method: str | None = None
    path: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    message: str = "scripted failure"
    apply: bool = False  # do the request, then answer with the failure (a lost answer)
    echo_auth: bool = False  # put the request's credential into the message

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (
            self.path is None or self.path in path
        )


def server_error(method: str | None = None, path: str | None = None, **kw: Any) -> Fault:
    return Fault(500, method, path, **kw)


def secondary_rate_limit(retry_after: str = "0", status: int = 403, **kw: Any) -> Fault:
    msg = "You have exceeded a secondary rate limit. Please wait a few minutes."
    return Fault(status, headers={"retry-after": retry_after}, message=msg, **kw)


def primary_rate_limit(reset_in_s: float = 0.0, **kw: Any) -> Fault:
    headers = {
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": str(int(time.time() + reset_in_s)),
    }
    return Fault(403, headers=headers, message="API rate limit exceeded", **kw)


@dataclass
class FakeComment:
    id: int
    repository: str
    number: int
    body: str
    user: str = BOT

    def as_json(self, base: str) -> Json:
        return {
            "id": self.id,
            "body": self.body,
            "user": {"login": self.user, "type": "Bot" if self.user == BOT else "User"},
            "html_url": f"{base}/{self.repository}/issues/{self.number}#issuecomment-{self.id}",
        }


@dataclass
class FakeIssue:
    labels: list[str] = field(default_factory=list)
    comments: list[int] = field(default_factory=list)


@dataclass
class Recorded:
    method: str
    path: str  # without the prefix and the query
    query: dict[str, str]
    headers: dict[str, str]  # names in lower case
    body: Json
    status: int = 0


_ISSUE = r"^/repos/(?P<repo>[^/]+/[^/]+)/issues/(?P<number>\d+)"
_COMMENT = r"^/repos/(?P<repo>[^/]+/[^/]+)/issues/comments/(?P<id>\d+)$"
_ROUTES: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("GET", re.compile(_ISSUE + r"/labels$"), "list_labels"),
    ("POST", re.compile(_ISSUE + r"/labels$"), "add_labels"),
    ("DELETE", re.compile(_ISSUE + r"/labels/(?P<name>[^/]+)$"), "remove_label"),
    ("GET", re.compile(_ISSUE + r"/comments$"), "list_comments"),
    ("POST", re.compile(_ISSUE + r"/comments$"), "create_comment"),
    ("GET", re.compile(_COMMENT), "get_comment"),
    ("PATCH", re.compile(_COMMENT), "edit_comment"),
)  # fmt: skip

Answer = tuple[int, Json, dict[str, str]]


class FakeGitHub:
    """`with FakeGitHub() as gh:` then point `[github] api_url` at `gh.url`."""

    def __init__(self, token: str = TOKEN, prefix: str = "") -> None:
        self.token = token
        self.prefix = prefix.rstrip("/")
        self.requests: list[Recorded] = []
        self.issues: dict[tuple[str, int], FakeIssue] = {}
        self.comment_store: dict[int, FakeComment] = {}
        self._ids = itertools.count(1001)
        self._faults: deque[Fault] = deque()
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    # -- setup and inspection ----------------------------------------------------------------
    @property
    def origin(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def url(self) -> str:
        """The API root to configure (origin + prefix)."""
        return self.origin + self.prefix

    def add_issue(self, repository: str, number: int, labels: tuple[str, ...] = ()) -> None:
        with self._lock:
            self.issues[(repository, number)] = FakeIssue(labels=list(labels))

    def add_comment(self, repository: str, number: int, body: str, user: str = "octocat") -> int:
        with self._lock:
            return self._new_comment(repository, number, body, user).id

    def delete_comment(self, comment_id: int) -> None:
        """As a person deleting it in the UI would."""
        with self._lock:
            comment = self.comment_store.pop(comment_id)
            self.issues[(comment.repository, comment.number)].comments.remove(comment_id)

    def labels(self, repository: str, number: int) -> list[str]:
        with self._lock:
            return list(self.issues[(repository, number)].labels)

    def comments(self, repository: str, number: int) -> list[FakeComment]:
        with self._lock:
            issue = self.issues[(repository, number)]
            return [self.comment_store[i] for i in issue.comments]

    def script(self, *faults: Fault) -> FakeGitHub:
        with self._lock:
            self._faults.extend(faults)
        return self

    def calls(self, method: str | None = None, path: str | None = None) -> list[Recorded]:
        with self._lock:
            return [
                r
                for r in self.requests
                if (method is None or r.method == method) and (path is None or path in r.path)
            ]

    def start(self) -> FakeGitHub:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FakeGitHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the API --------------------------------------------------------------------------
    def handle(self, record: Recorded) -> Answer:
        if record.headers.get("authorization") != f"Bearer {self.token}":
            return 401, {"message": "Bad credentials"}, {}
        with self._lock:
            fault = next((f for f in self._faults if f.matches(record.method, record.path)), None)
            if fault is not None:
                self._faults.remove(fault)
            answer = None if fault is not None and not fault.apply else self._route(record)
        if fault is None:
            assert answer is not None
            return answer
        message = fault.message
        if fault.echo_auth:
            message += f" (credential {record.headers.get('authorization')!r})"
        return fault.status, {"message": message}, fault.headers

    def _route(self, record: Recorded) -> Answer:
        for method, pattern, name in _ROUTES:
            m = pattern.match(record.path)
            if m and method == record.method:
                handler: Callable[[Recorded, dict[str, str]], Answer] = getattr(self, f"_{name}")
                return handler(record, m.groupdict())
        return 404, {"message": "Not Found"}, {}

    def _issue(self, params: dict[str, str]) -> FakeIssue | None:
        return self.issues.get((params["repo"], int(params["number"])))

    def _list_labels(self, record: Recorded, params: dict[str, str]) -> Answer:
        issue = self._issue(params)
        if issue is None:
            return _not_found()
        return self._page(record, [{"name": n} for n in issue.labels])

    def _add_labels(self, record: Recorded, params: dict[str, str]) -> Answer:
        issue = self._issue(params)
        names = record.body.get("labels") if isinstance(record.body, dict) else None
        if issue is None:
            return _not_found()
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            return 422, {"message": "Invalid request: labels must be a list of strings"}, {}
        have = {n.casefold() for n in issue.labels}
        for name in names:
            if name.casefold() not in have:
                issue.labels.append(name)
                have.add(name.casefold())
        return 200, [{"name": n} for n in issue.labels], {}

    def _remove_label(self, record: Recorded, params: dict[str, str]) -> Answer:
        issue = self._issue(params)
        name = unquote(params["name"]).casefold()
        if issue is None or name not in {n.casefold() for n in issue.labels}:
            return 404, {"message": "Label does not exist"}, {}
        issue.labels = [n for n in issue.labels if n.casefold() != name]
        return 200, [{"name": n} for n in issue.labels], {}

    def _list_comments(self, record: Recorded, params: dict[str, str]) -> Answer:
        issue = self._issue(params)
        if issue is None:
            return _not_found()
        items = [self.comment_store[i].as_json(self.origin) for i in issue.comments]
        return self._page(record, items)

    def _create_comment(self, record: Recorded, params: dict[str, str]) -> Answer:
        issue = self._issue(params)
        body = record.body.get("body") if isinstance(record.body, dict) else None
        if issue is None:
            return _not_found()
        if not isinstance(body, str) or not body:
            return 422, {"message": "Invalid request: body is required"}, {}
        comment = self._new_comment(params["repo"], int(params["number"]), body, BOT)
        return 201, comment.as_json(self.origin), {}

    def _get_comment(self, record: Recorded, params: dict[str, str]) -> Answer:
        comment = self.comment_store.get(int(params["id"]))
        if comment is None or comment.repository != params["repo"]:
            return _not_found()
        return 200, comment.as_json(self.origin), {}

    def _edit_comment(self, record: Recorded, params: dict[str, str]) -> Answer:
        comment = self.comment_store.get(int(params["id"]))
        body = record.body.get("body") if isinstance(record.body, dict) else None
        if comment is None or comment.repository != params["repo"]:
            return _not_found()
        if not isinstance(body, str) or not body:
            return 422, {"message": "Invalid request: body is required"}, {}
        comment.body = body
        return 200, comment.as_json(self.origin), {}

    def _new_comment(self, repository: str, number: int, body: str, user: str) -> FakeComment:
        comment = FakeComment(next(self._ids), repository, number, body, user)
        self.comment_store[comment.id] = comment
        self.issues[(repository, number)].comments.append(comment.id)
        return comment

    def _page(self, record: Recorded, items: list[Json]) -> Answer:
        per_page = max(1, min(100, int(record.query.get("per_page", "30"))))
        page = max(1, int(record.query.get("page", "1")))
        chunk = items[(page - 1) * per_page : page * per_page]
        headers = {}
        if page * per_page < len(items):
            nxt = f"{self.url}{record.path}?per_page={per_page}&page={page + 1}"
            headers["link"] = f'<{nxt}>; rel="next"'
        return 200, chunk, headers


def _not_found() -> Answer:
    return 404, {"message": "Not Found"}, {}


def _handler_for(fake: FakeGitHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out as separate writes

        def log_message(self, format: str, *args: object) -> None:
            return None

        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def do_PATCH(self) -> None:
            self._serve()

        def do_DELETE(self) -> None:
            self._serve()

        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = None
            split = urlsplit(self.path)
            path = split.path
            query = {k: v[-1] for k, v in parse_qs(split.query).items()}
            record = Recorded(
                self.command, path, query, {k.lower(): v for k, v in self.headers.items()}, body
            )
            with fake._lock:
                fake.requests.append(record)
            if fake.prefix and not path.startswith(fake.prefix + "/"):
                status, payload, headers = _not_found()
            else:
                record.path = path[len(fake.prefix) :]
                status, payload, headers = fake.handle(record)
            record.status = status
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json; charset=utf-8")
            self.send_header("content-length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler

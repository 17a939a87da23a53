"""The dashboard over real HTTP, without a browser: who gets in, what a refused form gets,
the headers every page carries, and untrusted ticket text arriving as text."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import Request
from fastapi.responses import PlainTextResponse
from fastapi.testclient import TestClient
from pydantic import Field

from orchestrator.config import load_config
from orchestrator.service import dashboard_views
from orchestrator.service.app import create_app
from orchestrator.service.dashboard import CsrfForm, checked_form
from orchestrator.service.pages import TEMPLATES
from tests.dashboard_helpers import BUG, HOSTILE_TITLE, SAMPLE, csrf_of, log_in, seed
from tests.service_helpers import API_TOKEN, Running, serving, write_config

HOSTILE_TEXT = 'Saving crashes the page <img src=x onerror="alert(2)"> and </pre><b>bold</b> too'
UNKNOWN = "REQ-20990101-9999"


@dataclass
class Site:
    svc: Running
    rids: list[str]  # SAMPLE's, then the hostile one

    def browser(self) -> httpx.Client:
        """A client like a browser: no bearer header, cookies kept, redirects not followed."""
        return httpx.Client(base_url=self.svc.url, timeout=30)

    @contextlib.contextmanager
    def session(self, name: str = "Ada") -> Iterator[httpx.Client]:
        """A browser logged in through the form."""
        with self.browser() as web:
            log_in(web, API_TOKEN, name)
            yield web


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """One service with a token and the sample ledger (plus a hostile title) for the module."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ORCHESTRATE_API_TOKEN", API_TOKEN)
        with serving(tmp_path_factory.mktemp("dashboard")) as svc:
            rids = seed(svc, (*SAMPLE, (HOSTILE_TITLE, HOSTILE_TEXT)))
            yield Site(svc, rids)


def test_pages_send_a_browser_to_login_while_the_api_stays_401(site: Site) -> None:
    with site.browser() as web:
        home = web.get("/")
        assert home.status_code == 303 and home.headers["location"] == "/login"
        deep = web.get(f"/items/{site.rids[0]}")
        assert deep.status_code == 303
        assert deep.headers["location"] == f"/login?next=%2Fitems%2F{site.rids[0]}"
        api = web.get("/v1/items")
        assert api.status_code == 401 and api.json()["error"].startswith("missing or wrong token")
        form = web.get("/login")
        assert form.status_code == 200 and 'name="token"' in form.text
        post = web.post("/logout", data={"csrf": "x"})
        assert post.status_code == 303 and post.headers["location"] == "/login"


def test_the_login_form_checks_the_token_and_sets_an_httponly_lax_cookie(site: Site) -> None:
    with site.browser() as web:
        wrong = web.post("/login", data={"name": "Ada", "token": "not-it", "next": "/"})
        assert wrong.status_code == 401 and "wrong token" in wrong.text
        assert "set-cookie" not in wrong.headers and "not-it" not in wrong.text
        right = web.post(
            "/login", data={"name": "Ada", "token": API_TOKEN, "next": f"/items/{site.rids[0]}"}
        )
        assert right.status_code == 303 and right.headers["location"] == f"/items/{site.rids[0]}"
        cookie = right.headers["set-cookie"]
        assert cookie.startswith("orchestrate_session=")
        flags = {part.strip().lower() for part in cookie.split(";")[1:]}
        assert {"httponly", "samesite=lax", "path=/"} <= flags
        assert "secure" not in flags  # plain http on loopback; https would add it
        assert API_TOKEN not in cookie
        home = web.get("/")
        assert home.status_code == 200 and "Ada" in home.text and BUG[0] in home.text


def test_after_login_only_paths_on_this_site_are_followed(site: Site) -> None:
    with site.browser() as web:
        for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
            answer = web.post("/login", data={"name": "Ada", "token": API_TOKEN, "next": target})
            assert answer.status_code == 303 and answer.headers["location"] == "/"


def test_the_bearer_header_opens_the_pages_too(site: Site) -> None:
    with site.svc.client() as api:
        assert api.get("/").status_code == 200
        assert api.get(f"/items/{site.rids[0]}").status_code == 200


def test_an_unknown_item_is_a_404_page_and_a_bad_id_a_400_page(site: Site) -> None:
    with site.session() as web:
        missing = web.get(f"/items/{UNKNOWN}")
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith("text/html")
        assert "Not found" in missing.text and UNKNOWN in missing.text
        assert missing.headers["content-security-policy"].startswith("default-src 'none'")
        bad = web.get("/items/nonsense")
        assert bad.status_code == 400 and bad.headers["content-type"].startswith("text/html")
        unknown_kind = web.get("/?kind=chore")
        assert unknown_kind.status_code == 400 and "unknown kind" in unknown_kind.text


def test_a_form_without_this_logins_csrf_token_is_refused(site: Site) -> None:
    with site.session() as web:
        token = csrf_of(web.get("/").text)
        assert web.post("/logout", data={}).status_code == 403
        assert web.post("/logout", data={"csrf": "0" * 32}).status_code == 403
        other_site = web.post(
            "/logout", data={"csrf": token}, headers={"origin": "https://evil.example"}
        )
        assert other_site.status_code == 403
        with site.session("Eve") as eve:  # another login's token
            assert eve.post("/logout", data={"csrf": token}).status_code == 403
        assert web.get("/").status_code == 200, "the refusals left the session alone"
        out = web.post("/logout", data={"csrf": token}, headers={"origin": site.svc.url})
        assert out.status_code == 303 and out.headers["location"] == "/login"
        assert "max-age=0" in out.headers["set-cookie"].lower()
        assert web.get("/").status_code == 303


def test_every_page_carries_the_security_headers(site: Site) -> None:
    with site.session() as web:
        for path in ("/", f"/items/{site.rids[0]}", "/login", f"/items/{UNKNOWN}"):
            headers = web.get(path).headers
            csp = headers["content-security-policy"]
            assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
            assert "script-src" not in csp and "unsafe-inline" not in csp  # no script at all
            assert headers["x-content-type-options"] == "nosniff"
            assert headers["x-frame-options"] == "DENY"
            assert headers["referrer-policy"] == "same-origin"
            assert headers["cache-control"] == "no-store"
        css = web.get("/static/dashboard.css")
        assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


def test_ticket_text_is_escaped_on_every_page(site: Site) -> None:
    hostile = site.rids[-1]
    with site.session() as web:
        for html in (web.get("/").text, web.get(f"/items/{hostile}").text):
            assert "<script>" not in html
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        item = web.get(f"/items/{hostile}").text
        assert "<img" not in item and "<b>bold</b>" not in item
        assert "&lt;img src=x onerror=&#34;alert(2)&#34;&gt;" in item


def test_the_list_filters_searches_marks_the_unsure_and_pages(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    with site.session() as web:
        features = web.get("/", params={"kind": "feature"}).text
        assert "Add dark mode" in features and "Invoice PDF" not in features
        found = web.get("/", params={"q": "invoice PDF"}).text
        assert "Invoice PDF" in found and "dark mode" not in found and "1 item<" in found
        closed = web.get("/", params={"state": "closed"}).text
        assert "Invoice PDF" in closed
        assert web.get("/", params={"state": "BLOCKED"}).text.count('href="/items/') == 0
        everything = web.get("/").text
        assert everything.count("needs review</span>") == 1
        unsure_row = everything.split('class="unsure"')[1].split("</tr>")[0]
        assert "Export thing" in unsure_row

        monkeypatch.setattr(dashboard_views, "PAGE_SIZE", 2)  # the service runs in-process
        first = web.get("/", params={"kind": ""}).text
        assert "page 1 of 3" in first and 'href="/?page=2"' in first
        last = web.get("/", params={"page": "3"}).text
        assert last.count('<td class="id">') == 1 and 'href="/?page=2"' in last
        monkeypatch.setattr(dashboard_views, "PAGE_SIZE", 1)
        kept = web.get("/", params={"kind": "bug", "page": "1"}).text
        assert 'href="/?kind=bug&amp;page=2"' in kept


def test_an_open_service_needs_no_login_but_still_checks_forms(tmp_path) -> None:
    with serving(tmp_path, workers=0) as svc, svc.client(token=None) as web:
        home = web.get("/")
        assert home.status_code == 200 and "open mode" in home.text
        assert "Log out" not in home.text
        assert web.post("/logout", data={}).status_code == 403
        named = web.post("/login", data={"name": "Grace", "next": "/"})
        assert named.status_code == 303
        page = web.get("/").text
        assert "Grace" in page and "Log out" in page
        assert web.post("/logout", data={"csrf": csrf_of(page)}).status_code == 303


class ReasonForm(CsrfForm):
    reason: str = Field(min_length=1)


def test_checked_form_is_the_door_for_later_forms(tmp_path, monkeypatch) -> None:
    """What an action route built on `checked_form` gets: the login and its fields, or a
    refusal page; and the `forms.post` macro builds the form it reads. (Over https, where the
    session cookie is also Secure.)"""
    monkeypatch.setenv("ORCHESTRATE_API_TOKEN", API_TOKEN)
    app = create_app(load_config(write_config(tmp_path)), workers=0)

    @app.post("/try")
    async def try_it(request: Request) -> PlainTextResponse:
        who, form = await checked_form(request, ReasonForm)
        return PlainTextResponse(f"{who.name}: {form.reason}")

    markup = TEMPLATES.from_string(
        '{% import "_forms.html" as forms %}'
        '{% call forms.post("/try", csrf, "Reject") %}<input name="reason">{% endcall %}'
    ).render(csrf="t0k<en>")
    assert 'name="csrf" value="t0k&lt;en&gt;"' in markup and '<input name="reason">' in markup
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as web:
        login = web.post("/login", data={"name": "Ada", "token": API_TOKEN})
        assert "; secure" in login.headers["set-cookie"].lower(), "over https the cookie is Secure"
        token = csrf_of(web.get("/").text)
        done = web.post("/try", data={"csrf": token, "reason": "dup of #12"})
        assert done.status_code == 200 and done.text == "Ada: dup of #12"
        empty = web.post("/try", data={"csrf": token, "reason": ""})
        assert empty.status_code == 422 and "reason" in empty.text
        assert web.post("/try", data={"reason": "x"}).status_code == 403
        as_json = web.post("/try", json={"csrf": token, "reason": "x"})
        assert as_json.status_code == 403  # its token is not read from JSON
        bearer = web.post(
            "/try", data={"reason": "scripted"}, headers={"authorization": f"Bearer {API_TOKEN}"}
        )
        assert bearer.status_code == 200 and bearer.text == "api: scripted"  # needs no token


def test_an_edited_ledger_line_is_shown_as_not_verifying(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("ORCHESTRATE_API_TOKEN", API_TOKEN)
    with serving(tmp_path, workers=0) as svc, svc.client() as api:
        rid = api.post("/v1/items", json={"text": BUG[1], "title": BUG[0]}).json()["request_id"]
        events = svc.ledger / "events" / f"{rid}.jsonl"
        events.write_text(events.read_text().replace("Invoice PDF", "Invoice CSV", 1))
        page = api.get(f"/items/{rid}")
        assert page.status_code == 200
        assert "chain does not verify ✗" in page.text and "chain verifies ✓" not in page.text
        assert f"{rid}.jsonl:1" in page.text and "orchestrate verify" in page.text

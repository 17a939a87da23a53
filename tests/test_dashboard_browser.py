"""The dashboard in a real browser: chromium driven by Playwright against the real service on
loopback. A person logs in through the form, filters and searches the list, opens an item
and reads its verdict, stages, timeline and verify status, and logs out; a `<script>` title
stays text and no dialog ever opens.

Without Playwright or the system's chromium the tests skip and say why — unless
`ORCHESTRATE_TEST_BROWSER=required` (CI sets it), when that is a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.dashboard_helpers import BUG, FEATURE, HOSTILE_TITLE, SAMPLE, seed
from tests.service_helpers import API_TOKEN, Running, serving, wait_until

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page

CHROMIUM = Path("/usr/bin/chromium")


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    if not CHROMIUM.exists() and shutil.which("chromium") is None:
        return f"no chromium at {CHROMIUM} (apt-get install chromium)"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    reason = _missing()
    if reason is not None:
        if os.environ.get("ORCHESTRATE_TEST_BROWSER") == "required":
            pytest.fail(f"ORCHESTRATE_TEST_BROWSER=required, but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(
            executable_path=str(CHROMIUM if CHROMIUM.exists() else shutil.which("chromium")),
            args=["--no-sandbox"],
            headless=True,
        )
        yield launched
        launched.close()


@dataclass
class Site:
    svc: Running
    rids: list[str]  # BUG, FEATURE, INCIDENT, UNSURE, then the hostile title


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ORCHESTRATE_API_TOKEN", API_TOKEN)
        with serving(tmp_path_factory.mktemp("browser")) as svc:
            hostile = (HOSTILE_TITLE, "The page shows <b>nothing</b> at all")
            yield Site(svc, seed(svc, (*SAMPLE, hostile)))


@dataclass
class Watched:
    page: Page
    dialogs: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # what the CSP blocked


@pytest.fixture
def tab(browser: Browser) -> Iterator[Watched]:
    """A fresh browser context (no cookies) whose dialogs and CSP refusals are recorded."""
    context = browser.new_context()
    context.set_default_timeout(10_000)  # a page of ours answers in milliseconds
    watched = Watched(context.new_page())

    def on_dialog(dialog: Dialog) -> None:
        watched.dialogs.append(dialog.message)
        dialog.dismiss()

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            watched.refused.append(message.text)

    watched.page.on("dialog", on_dialog)
    watched.page.on("console", on_console)
    yield watched
    context.close()


def log_in(page: Page, name: str = "Ada", token: str = API_TOKEN) -> None:
    page.fill("input[name=name]", name)
    page.fill("input[name=token]", token)
    page.click("button:has-text('Log in')")


def test_a_person_logs_in_filters_searches_opens_an_item_and_logs_out(
    tab: Watched, site: Site
) -> None:
    page, url = tab.page, site.svc.url
    page.goto(url + "/")
    assert page.url == url + "/login"
    log_in(page, token="wrong")
    assert page.get_by_role("alert").inner_text() == "wrong token, or no name given"
    log_in(page)
    assert page.url == url + "/"
    assert page.locator(".who").inner_text() == "Ada"
    header = page.locator("header.bar").evaluate("e => getComputedStyle(e).backgroundColor")
    assert header == "rgb(29, 35, 48)", "the stylesheet loads under the CSP"
    rows = page.locator("table.items tbody tr")
    assert rows.count() == len(site.rids)
    unsure = page.locator("tr.unsure")
    assert unsure.count() == 1 and "Export thing" in unsure.inner_text()
    assert unsure.locator(".badge.review").inner_text() == "needs review"

    page.select_option("select[name=kind]", "feature")
    page.click("button:has-text('Filter')")
    assert "kind=feature" in page.url
    titles = page.locator("td.title a").all_inner_texts()
    assert FEATURE[0] in titles and BUG[0] not in titles
    page.select_option("select[name=kind]", "")
    page.fill("input[name=q]", "invoice discount")
    page.click("button:has-text('Filter')")
    assert page.locator("td.title a").all_inner_texts() == [BUG[0]]

    page.click(f"text={BUG[0]}")
    assert page.url == f"{url}/items/{site.rids[0]}"
    assert page.locator("h1.item-title").inner_text() == f"{site.rids[0]} {BUG[0]}"
    verdict = page.locator("section.verdict")
    assert verdict.locator(".decision").inner_text().startswith("bug · ")
    assert "confidence" in verdict.inner_text()
    assert "→" in verdict.locator(".stages").inner_text()
    assert page.locator(".verify.ok").inner_text() == "chain verifies ✓"
    assert "discount is subtracted twice" in page.locator("pre.text").inner_text()
    timeline = page.locator("table.timeline tbody tr")
    assert timeline.count() >= 5
    first = timeline.first.locator("td").all_inner_texts()
    assert first[0] == "1" and first[3] == "REQUEST_CREATED" and BUG[0] in first[4]
    assert "TRIAGED" in page.locator("table.timeline").inner_text()
    assert page.locator("text=Hand-offs").count() == 1
    assert "tokens · estimated cost" in page.locator("p.total").inner_text()

    page.click("button:has-text('Log out')")
    assert page.url == url + "/login"
    page.goto(f"{url}/items/{site.rids[0]}")
    assert page.url.startswith(url + "/login?next=")
    log_in(page, name="Ada again")
    assert page.url == f"{url}/items/{site.rids[0]}", "login returns to the page asked for"
    assert tab.dialogs == [] and tab.refused == []


def test_a_script_in_a_title_is_text_and_never_runs(tab: Watched, site: Site) -> None:
    page, url = tab.page, site.svc.url
    page.goto(url + "/login")
    log_in(page)
    hostile = page.locator("td.title a", has_text="<script>")
    assert hostile.inner_text() == HOSTILE_TITLE
    hostile.click()
    assert page.locator("h1.item-title").inner_text().endswith(HOSTILE_TITLE)
    assert page.locator("pre.text").inner_text() == "The page shows <b>nothing</b> at all"
    assert page.locator("pre.text b").count() == 0
    assert page.locator("main script").count() == 0
    assert page.evaluate("document.scripts.length") == 0
    assert tab.dialogs == []


def test_an_unknown_item_shows_the_not_found_page(tab: Watched, site: Site) -> None:
    page, url = tab.page, site.svc.url
    page.goto(url + "/login")
    log_in(page)
    answer = page.goto(url + "/items/REQ-20990101-9999")
    assert answer is not None and answer.status == 404
    assert page.locator("h1").inner_text() == "Not found"
    page.click("text=Back to the items")
    assert page.url == url + "/"


def test_a_person_approves_a_waiting_feature_and_corrects_a_verdict(
    tab: Watched, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The buttons as a person meets them: approve sends the run on to CLOSED under their
    name; a correction shows on the page with who made it."""
    monkeypatch.setenv("ORCHESTRATE_API_TOKEN", API_TOKEN)
    gated = '[approvals]\nfeature = ["dev"]\n'
    with serving(tmp_path, gated) as svc:
        with svc.client() as api:
            rid = api.post("/v1/items", json={"text": FEATURE[1]}).json()["request_id"]

            def waits() -> bool:
                return bool(api.get(f"/v1/items/{rid}").json()["item"]["waiting_for"])

            wait_until(waits, 30, "the feature to wait for approval")
        page = tab.page
        page.goto(f"{svc.url}/items/{rid}")
        log_in(page, name="Grace")
        page.wait_for_selector("text=Waiting for a person before")
        page.fill("form.approve input[name=note]", "scope agreed")
        page.click("form.approve button")
        for _ in range(100):  # the run goes on in a worker; reload until it is done
            if page.locator(".state-closed").count():
                break
            page.wait_for_timeout(100)
            page.reload()
        assert page.locator(".state").first.inner_text() == "CLOSED"
        assert "Grace" in page.content()  # the APPROVED event's actor, on the timeline
        page.click("details.reclassify summary")
        page.select_option("form.reclassify-form select[name=kind]", "bug")
        page.fill("form.reclassify-form input[name=reason]", "it worked before")
        page.click("form.reclassify-form button")
        assert "by Grace: bug" in page.locator("dd.corrected").inner_text()
        assert tab.dialogs == [] and tab.refused == []

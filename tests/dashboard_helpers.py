"""A small, realistic ledger for the dashboard's tests and screenshots: a bug, a feature, an
incident and one the triage gate was unsure of, each run to the end by the service's own
workers (mock runtimes), so the pages show real verdicts, hand-offs and timelines."""

from __future__ import annotations

import re

import httpx

from tests.service_helpers import Running, finished, wait_until

HOSTILE_TITLE = "<script>alert(1)</script> login page broken"

BUG = (
    "Invoice PDF shows the wrong total when a discount is applied",
    "Seen on every invoice since 2.4: the discount is subtracted twice, so a 10% discount "
    "takes 20% off the PDF while the web view is right.\nSteps: create an invoice with a "
    "discount, export the PDF, compare the totals.",
)
FEATURE = (
    "Add dark mode to the settings page",
    "Please add a dark mode to the settings page. Several customers asked for it for "
    "evening use; a toggle remembered per user would do.",
)
INCIDENT = (
    "Checkout API returning 503 for all EU customers",
    "Checkout API returning 503 for all EU customers since 14:02 UTC; error rate 38%, "
    "on-call paged. Customers cannot pay; the status page is still green.",
)
UNSURE = ("Export thing, see attached", "Export thing, see attached")
SAMPLE = (BUG, FEATURE, INCIDENT, UNSURE)


def seed(svc: Running, items: tuple[tuple[str, str], ...] = SAMPLE) -> list[str]:
    """Submit `items` (title, text) through the API and wait until each is finished."""
    with svc.client() as api:
        rids = []
        for title, text in items:
            answer = api.post("/v1/items", json={"title": title, "text": text})
            assert answer.status_code == 202, answer.text
            rids.append(answer.json()["request_id"])
        wait_until(lambda: finished(api, rids), 60, "the sample items to finish")
    return rids


def csrf_of(html: str) -> str:
    """The CSRF token a page's forms carry."""
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no CSRF-carrying form"
    return found.group(1)


def log_in(client: httpx.Client, token: str, name: str = "Ada") -> None:
    """Log `client` in through the form (it keeps the session cookie)."""
    answer = client.post("/login", data={"name": name, "token": token, "next": "/"})
    assert answer.status_code == 303, answer.text

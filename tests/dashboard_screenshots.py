"""`python -m tests.dashboard_screenshots [DIR]`: the README's dashboard screenshots
(`DIR/dashboard-list.png`, `DIR/dashboard-item.png`, DIR defaulting to `docs`), taken from
the sample ledger by the same chromium the browser test drives, so they show what ships."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from orchestrator.service.auth import TOKEN_VAR
from tests.dashboard_helpers import seed
from tests.service_helpers import API_TOKEN, serving
from tests.test_dashboard_browser import CHROMIUM, log_in


def main(out: Path) -> None:
    os.environ[TOKEN_VAR] = API_TOKEN
    with tempfile.TemporaryDirectory() as scratch, serving(Path(scratch)) as svc:
        bug = seed(svc)[0]
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=str(CHROMIUM), args=["--no-sandbox"], headless=True
            )
            page = browser.new_page(viewport={"width": 1280, "height": 400})
            page.goto(svc.url + "/login")
            log_in(page, name="Ada Lovelace")
            page.screenshot(path=out / "dashboard-list.png", full_page=True)
            page.goto(f"{svc.url}/items/{bug}")
            page.screenshot(path=out / "dashboard-item.png", full_page=True)
            browser.close()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs"))

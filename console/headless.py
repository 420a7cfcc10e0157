"""Headless Chromium (Debian's) driven by Playwright, and logging in to the console through its form: for the tests
and benchmarks that look at the console's pages. Playwright is a test dependency (`scripts/setup.sh --test`)."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from typing import Any

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]  # fmt: skip


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    if shutil.which(CHROMIUM) is None:
        raise AssertionError("chromium is missing: run scripts/setup.sh --test (installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def log_in(page: Any, base: str, name: str, password: str) -> None:
    """Through the log-in page, as a person does (its fields are those of templates/login.html)."""
    page.goto(f"{base}/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    page.click("form.login button")
    page.wait_for_url(lambda url: "/login" not in url)

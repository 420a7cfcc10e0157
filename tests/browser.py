"""Where the console's screenshots go (Chromium itself is driven by console.headless)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.helpers import ROOT

SCREENSHOTS = ROOT / "var" / "screenshots"  # the README shows the main ones, copied to docs/


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


# Runs before each document's own scripts, outside its policy; Chromium logs a violation too, this names it plainly.
REPORT_VIOLATIONS = """document.addEventListener("securitypolicyviolation", (event) =>
  console.error(`csp violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`));"""


class PolicyWatch:
    """A page's Content-Security-Policy violations and script errors from now on, over every document it loads."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.problems: list[str] = []
        page.add_init_script(REPORT_VIOLATIONS)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))

    def _console(self, message: Any) -> None:
        text = message.text
        if message.type == "error" and ("Content Security Policy" in text or text.startswith("csp violation")):
            self.problems.append(text)

    def seen(self) -> list[str]:
        """Everything reported up to now: the browser's messages arrive in order, so once a mark logged now has
        arrived, so has every report before it."""
        with self.page.expect_console_message(lambda message: message.text == "policy watch: mark"):
            self.page.evaluate("console.log('policy watch: mark')")
        return self.problems

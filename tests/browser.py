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

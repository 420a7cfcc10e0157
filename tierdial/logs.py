"""Logging with call context, and masking of phone numbers for log lines."""

from __future__ import annotations

import logging
import sys


class _ContextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        context = [f"{key}={getattr(record, key)}" for key in ("campaign", "call_id") if hasattr(record, key)]
        base = super().format(record)
        return f"{base} [{' '.join(context)}]" if context else base


def setup_logging(level: str = "WARNING") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_ContextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


def mask_number(e164: str) -> str:
    """Keep the country prefix and the last two digits: enough to tell calls apart, not to dial."""
    if len(e164) <= 6:
        return "*" * len(e164)
    return e164[:4] + "*" * (len(e164) - 6) + e164[-2:]

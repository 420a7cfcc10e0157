"""Logging with call context, and masking of phone numbers for log lines."""

from __future__ import annotations

import json
import logging
import sys
import time

CONTEXT = ("campaign", "call_id")


class _ContextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        context = [f"{key}={getattr(record, key)}" for key in CONTEXT if hasattr(record, key)]
        base = super().format(record)
        return f"{base} [{' '.join(context)}]" if context else base


class _JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, and the call's context when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({key: getattr(record, key) for key in CONTEXT if hasattr(record, key)})
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def setup_logging(level: str = "WARNING", form: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    if form == "json":
        formatter: logging.Formatter = _JsonFormatter()
        formatter.converter = time.gmtime
    else:
        formatter = _ContextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


def mask_number(e164: str) -> str:
    """Keep the country prefix and the last two digits: enough to tell calls apart, not to dial."""
    if len(e164) <= 6:
        return "*" * len(e164)
    return e164[:4] + "*" * (len(e164) - 6) + e164[-2:]

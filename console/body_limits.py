"""The largest body each request may carry, refused with 413 from its Content-Length before a byte of it is read.

Call lists may be large (several million contacts, streamed to disk); a prompt's recording is read into memory, so
it gets a middle size; everything else (JSON, forms) is small.
"""

from __future__ import annotations

from flask import Flask, request
from werkzeug.exceptions import RequestEntityTooLarge

LIST_BYTES = 2 * 1024**3
RECORDING_BYTES = 16 * 1024**2  # a minutes-long mono WAV at 16 kHz is a few MB
REQUEST_BYTES = 1024**2
LARGER = {
    "api_lists.upload_list": LIST_BYTES,
    "manage_lists.upload": LIST_BYTES,
    "manage_campaigns.upload": RECORDING_BYTES,
}


def body_limit(endpoint: str | None) -> int:
    return LARGER.get(endpoint or "", REQUEST_BYTES)


def init_body_limits(app: Flask) -> None:
    """Registered before anything that reads a body (the CSRF check reads the form)."""
    app.config["MAX_CONTENT_LENGTH"] = LIST_BYTES  # a request that matches no route

    @app.before_request
    def _refuse_large_bodies() -> None:
        limit = body_limit(request.endpoint)
        # Also the bound for a body sent without Content-Length (chunked): reading past it raises the same 413.
        request.max_content_length = limit
        if request.content_length is not None and request.content_length > limit:
            size = request.content_length
            raise RequestEntityTooLarge(f"the body is {size} bytes; this endpoint takes {limit} at most")

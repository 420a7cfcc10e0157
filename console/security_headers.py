"""Headers on every answer that tell the browser what a console page may do.

Scripts come only from this console's own files (`static/`): no inline script, no inline event handler, no
`eval`; so markup that slipped into a page (a callee's words in a transcript) could not run even if it were parsed.
Inline styles stay allowed: the pages carry their own `<style>`, and a style cannot run code. No other site may
frame a page (clickjacking the takeover button), and links out carry no console address.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.wrappers import Response

POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "media-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
    "Referrer-Policy": "same-origin",
}


def init_security_headers(app: Flask) -> None:
    @app.after_request
    def _headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response

"""Serving the console from a thread of the dialer's process."""

from __future__ import annotations

import logging
import threading

from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server


def serve_in_thread(app: Flask, host: str, port: int) -> BaseWSGIServer:
    """Start serving (port 0: any free one); `server.server_port` tells which, `server.shutdown()` stops it."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request in the dialer's log
    server = make_server(host, port, app, threaded=True)
    threading.Thread(target=server.serve_forever, name="console", daemon=True).start()
    return server

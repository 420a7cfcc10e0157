"""Serving the console with a production WSGI server (waitress), in a thread of the station's process.

The console runs in the station's process because its live feed is the station's bus:
events out to the pages, commands in to the calls, with no hop in between.
"""

from __future__ import annotations

import contextlib
import threading

import waitress
from flask import Flask

from console.body_limits import LIST_BYTES
from tierdial.config import Console

# Beyond the threads: browsers keep idle connections open; waitress refuses past this many.
SPARE_CONNECTIONS = 100


def _proxy(address: str | None) -> dict[str, object]:
    """Behind a trusted reverse proxy, the client's address and scheme are what it forwards (one hop)."""
    if address is None:
        return {}
    return {"trusted_proxy": address, "trusted_proxy_count": 1,
            "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"}}  # fmt: skip


class ConsoleServer:
    def __init__(self, app: Flask, settings: Console, port: int | None = None) -> None:
        self._server = waitress.create_server(
            app,
            host=settings.host,
            port=settings.port if port is None else port,
            threads=settings.threads,
            connection_limit=settings.threads + SPARE_CONNECTIONS,
            ident="tierdial",
            clear_untrusted_proxy_headers=True,
            **_proxy(settings.trusted_proxy),
            # The largest body any route takes (a call list); waitress spools it to disk, each route checks its own.
            max_request_body_size=LIST_BYTES,
        )
        self.host = settings.host
        self.port: int = self._server.effective_port  # type: ignore[union-attr]
        self._thread = threading.Thread(target=self._serve, name="console", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> ConsoleServer:
        self._thread.start()
        return self

    def _serve(self) -> None:
        with contextlib.suppress(OSError, ValueError):  # the sockets closed under the loop by shutdown()
            self._server.run()

    def shutdown(self) -> None:
        server = self._server
        for channel in list(server._map.values()):  # type: ignore[union-attr]  # open connections, event streams
            with contextlib.suppress(OSError):
                channel.close()
        server.task_dispatcher.shutdown(timeout=5)  # type: ignore[union-attr]
        self._thread.join(timeout=5)

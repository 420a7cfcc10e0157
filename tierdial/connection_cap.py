"""A threading TCP server that carries at most so many connections at once and refuses the rest at the door.

Each connection of a `socketserver.ThreadingTCPServer` holds a thread and its buffers until it ends, so a
misbehaving client or a flood on the port could take them all and starve the connections in progress. Past the
cap, a new connection is refused in the accepting thread (no thread is started for it): the server's `refuse`
says why to the client if its protocol can, then the connection is closed. The log says so once per
`REPORT_EVERY_SECONDS` at most, with how many were refused, not once per connection.
"""

from __future__ import annotations

import logging
import socket
import socketserver
import threading
import time
from typing import Any

log = logging.getLogger(__name__)
REPORT_EVERY_SECONDS = 10.0


class ConnectionCap:
    """Counts the connections open against a limit; reports refusals, rate-limited."""

    def __init__(self, limit: int, what: str, logger: logging.Logger = log) -> None:
        if limit < 1:
            raise ValueError(f"a cap of {limit} connections takes none")
        self.limit, self.what, self._log = limit, what, logger
        self._open = 0
        self._refused = 0  # since the last report
        self._reported_at: float | None = None
        self._lock = threading.Lock()

    @property
    def open(self) -> int:
        with self._lock:
            return self._open

    def enter(self) -> bool:
        """True, and the connection counts, if there is room; False (reported, now or with the next) if not."""
        with self._lock:
            if self._open < self.limit:
                self._open += 1
                return True
            self._refused += 1
            now = time.monotonic()
            if self._reported_at is not None and now - self._reported_at < REPORT_EVERY_SECONDS:
                return False
            refused, self._refused, self._reported_at = self._refused, 0, now
        self._log.warning("%s: %d connections open, its cap; refused %d new one%s (the next refusals are reported "
                          "at most every %g s)", self.what, self.limit, refused, "" if refused == 1 else "s",
                          REPORT_EVERY_SECONDS)  # fmt: skip
        return False

    def leave(self) -> None:
        with self._lock:
            self._open -= 1


class CappedThreadingServer(socketserver.ThreadingTCPServer):
    """`ThreadingTCPServer` with a `ConnectionCap`: one thread per connection, at most `cap.limit` of them."""

    def __init__(self, address: tuple[str, int], handler: Any, max_connections: int, what: str) -> None:
        self.cap = ConnectionCap(max_connections, what)
        super().__init__(address, handler)

    def refuse(self, request: socket.socket) -> None:
        """What a refused client is told before its connection closes: nothing, here."""

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self.cap.enter():
            try:
                request.setblocking(False)  # the accepting thread never waits on a refused client
                self.refuse(request)
                # What the client sent already is read, not left unread: closing on unread bytes resets the
                # connection, and the client could lose what `refuse` told it.
                while request.recv(65536):
                    pass
            except OSError:
                pass  # nothing more to read now, or the client is gone: it is refused either way
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.cap.leave()  # no thread was started (out of threads, say): the connection is gone
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.cap.leave()

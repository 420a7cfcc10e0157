"""An in-process publish/subscribe bus for the messages of `tierdial.messages`.

Observers (storage, the console) subscribe; the call pipeline publishes. A handler
that raises does not stop delivery to the others: its error is published as a
`StageError` instead.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from tierdial.messages import StageError

Handler = Callable[[Any], None]
log = logging.getLogger(__name__)


class EventBus:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._handlers: list[tuple[type | None, Handler]] = []

    def subscribe(self, handler: Handler, message_type: type | None = None) -> Callable[[], None]:
        """Deliver messages of `message_type` (all when None) to `handler`; returns an unsubscribe function."""
        entry = (message_type, handler)
        with self._lock:
            self._handlers.append(entry)

        def unsubscribe() -> None:
            with self._lock:
                if entry in self._handlers:
                    self._handlers.remove(entry)

        return unsubscribe

    def publish(self, message: Any) -> None:
        with self._lock:
            handlers = [h for t, h in self._handlers if t is None or isinstance(message, t)]
        for handler in handlers:
            try:
                handler(message)
            except Exception as exc:
                log.exception("handler %r failed", handler)
                if not isinstance(message, StageError):
                    self.publish(
                        StageError(getattr(message, "call_id", ""), getattr(handler, "__name__", "handler"), str(exc))
                    )

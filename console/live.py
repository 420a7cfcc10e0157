"""What the console needs from a running dialer: a fan-out of its messages, and commands back."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import queue
import threading
from typing import Protocol

from tierdial.bus import EventBus

CLIENT_BACKLOG = 1000


class CallControl(Protocol):
    def take_over(self, call_id: str, agent: str) -> None: ...


def to_json(message: object) -> str:
    body = dataclasses.asdict(message) if dataclasses.is_dataclass(message) else {}
    body.pop("words", None)
    return json.dumps({"type": type(message).__name__, **body}, ensure_ascii=False, default=str)


class LiveFeed:
    """Every message on the bus, as JSON, to every connected browser or script."""

    def __init__(self, bus: EventBus, control: CallControl) -> None:
        self.control = control
        self._clients: set[queue.Queue[str]] = set()
        self._lock = threading.Lock()
        bus.subscribe(self._fan_out)

    def _fan_out(self, message: object) -> None:
        data = to_json(message)
        with self._lock:
            clients = list(self._clients)
        for client in clients:
            with contextlib.suppress(queue.Full):  # a stalled client loses events, the dialer never stalls
                client.put_nowait(data)

    def connect(self) -> queue.Queue[str]:
        client: queue.Queue[str] = queue.Queue(CLIENT_BACKLOG)
        with self._lock:
            self._clients.add(client)
        return client

    def disconnect(self, client: queue.Queue[str]) -> None:
        with self._lock:
            self._clients.discard(client)

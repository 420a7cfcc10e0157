"""What the console needs from a running dialer: a fan-out of its messages, and commands back."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import queue
import threading
from collections.abc import Callable
from typing import Protocol

from flask import current_app

from console.hot_leads import HotLeadWaits
from tierdial.bus import EventBus
from tierdial.messages import AgentStatus, AudioGaps, CallEnded, PacingUpdate, PartialTranscript

CLIENT_BACKLOG = 1000


class NoDialer(Exception):
    """The console runs on its own (`tierdial console`): live calls and their commands are not there."""


def attached_feed() -> LiveFeed:
    feed = current_app.extensions.get("tierdial.live")
    if feed is None:
        raise NoDialer("this console is not attached to a running dialer")
    return feed


class CallControl(Protocol):
    clock: Callable[[], dt.datetime]  # the dialer's: it judges calling windows (the demo's runs at noon in Seoul)

    def take_over(self, call_id: str, agent: str) -> None: ...

    def hang_up(self, call_id: str) -> None: ...

    def dispose(self, call_id: str, disposition: str, notes: str, by: str, callback_at: str | None = None) -> bool:
        """True when recorded; False when held by the station until the database answers again."""
        ...

    def set_agent_state(self, agent: str, ready: bool, reason: str = "") -> AgentStatus: ...

    def agent_status(self, agent: str) -> AgentStatus: ...

    def listen_in(self, call_id: str, supervisor: str, whisper: bool = False) -> str: ...

    def stop_listening(self, call_id: str, supervisor: str) -> int: ...


def to_json(message: object) -> str:
    body = dataclasses.asdict(message) if dataclasses.is_dataclass(message) else {}
    body.pop("words", None)
    return json.dumps({"type": type(message).__name__, **body}, ensure_ascii=False, default=str)


class LiveFeed:
    """Every message on the bus, as JSON, to every connected browser or script."""

    def __init__(self, bus: EventBus, control: CallControl) -> None:
        self.bus = bus
        self.control = control
        self._clients: set[queue.Queue[str]] = set()
        self._in_progress: dict[str, list[str]] = {}  # what a newly opened page needs to catch up
        self.pacing: dict[str, dict[str, object]] = {}  # the latest pacing status per campaign
        self._agents: dict[str, str] = {}  # the latest status of each agent, for pages opened later
        self.hot_leads = HotLeadWaits()
        self._lock = threading.Lock()
        bus.subscribe(self.hot_leads.observe)
        bus.subscribe(self._fan_out)

    def _fan_out(self, message: object) -> None:
        if isinstance(message, AudioGaps):  # for operations (logs, /metrics); on Asterisk it may follow the end
            return
        data = to_json(message)
        call_id = getattr(message, "call_id", "")
        with self._lock:
            if isinstance(message, PacingUpdate):
                self.pacing[message.campaign] = json.loads(data)
            if isinstance(message, AgentStatus):
                self._agents[message.agent] = data
            if isinstance(message, CallEnded):
                self._in_progress.pop(call_id, None)
            elif call_id and not isinstance(message, PartialTranscript):
                self._in_progress.setdefault(call_id, []).append(data)
            clients = list(self._clients)
        for client in clients:
            with contextlib.suppress(queue.Full):  # a stalled client loses events, the dialer never stalls
                client.put_nowait(data)

    def connect(self) -> queue.Queue[str]:
        """A new listener; it first receives what has happened so far on the calls still in progress."""
        client: queue.Queue[str] = queue.Queue(CLIENT_BACKLOG)
        with self._lock:
            for data in self._agents.values():
                client.put_nowait(data)
            for events in self._in_progress.values():
                for data in events[-CLIENT_BACKLOG // 10 :]:
                    client.put_nowait(data)
            self._clients.add(client)
        return client

    def disconnect(self, client: queue.Queue[str]) -> None:
        with self._lock:
            self._clients.discard(client)

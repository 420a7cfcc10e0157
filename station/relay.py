"""Several nodes on one PostgreSQL database: live events to every console, commands to the station holding the call.

PostgreSQL's LISTEN/NOTIFY carries both, so the database the nodes already share is the
only thing between them (no broker of our own, no other server to run). Each node keeps
one connection listening on three channels:

- `tierdial_events`: what a station's calls publish for consoles (transcripts, tiers,
  call state, agents' states, pacing); every other node republishes it on its console bus;
- `tierdial_commands`: a console's command for a call (take over, hang up, listen) or an
  agent (state), addressed to the station holding it, which carries it out;
- `tierdial_replies`: that station's answer, which the waiting console turns into its HTTP reply.

A notification is delivered only to those listening at the time and lost on a dropped
connection: fine for live events (a page catches up from the database) and for commands,
which time out with 504 rather than wait for a node that is gone.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import queue
import threading
import uuid
from collections.abc import Callable
from typing import Any

import psycopg
from sqlalchemy import Engine

from tierdial import messages
from tierdial.bus import EventBus

log = logging.getLogger(__name__)
EVENTS, COMMANDS, REPLIES = "tierdial_events", "tierdial_commands", "tierdial_replies"
# What consoles show; the rest (audio, ASR progress, prompts) stays on the station that has the call.
SHARED = (
    messages.CallStarted,
    messages.Ringing,
    messages.Answered,
    messages.PartialTranscript,
    messages.FinalTranscript,
    messages.TierDecided,
    messages.Takeover,
    messages.Bridged,
    messages.Monitoring,
    messages.CallEnded,
    messages.AgentStatus,
    messages.PacingUpdate,
)
PAYLOAD_LIMIT = 7900  # PostgreSQL refuses a notification of 8000 bytes or more
RECONNECT_SECONDS = 1.0


def psycopg_url(engine: Engine) -> str:
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def encode(message: object, sender: str) -> str | None:
    """A message as a notification's payload; None for one too large to send (a transcript of a minute's speech)."""
    body = {k: v for k, v in dataclasses.asdict(message).items() if k != "words"}  # type: ignore[call-overload]
    payload = json.dumps({"from": sender, "type": type(message).__name__, "body": body}, ensure_ascii=False)
    return payload if len(payload.encode()) < PAYLOAD_LIMIT else None


def decode(payload: str) -> tuple[str, object]:
    data = json.loads(payload)
    kind = getattr(messages, data["type"])
    body = data["body"]
    if "evidence" in body:
        body["evidence"] = tuple(body["evidence"])
    return data["from"], kind(**body)


class Relay:
    """This node's link to the others. `on_command(op, args) -> (status, message)` carries out a command addressed
    to this node (a station); a console-only node has none."""

    def __init__(
        self,
        engine: Engine,
        instance: str,
        console_bus: EventBus,
        on_command: Callable[[str, dict[str, Any]], tuple[int, str]] | None = None,
    ) -> None:
        self.url, self.instance, self.console_bus, self.on_command = (
            psycopg_url(engine),
            instance,
            console_bus,
            on_command,
        )
        self._outbox: queue.Queue[tuple[str, str] | None] = queue.Queue(maxsize=10_000)
        self._waiting: dict[str, queue.Queue[tuple[int, str]]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.listening = threading.Event()
        self._threads = [
            threading.Thread(target=self._listen, name="relay-listen", daemon=True),
            threading.Thread(target=self._send, name="relay-send", daemon=True),
        ]

    def start(self) -> Relay:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._outbox.put(None)
        for thread in self._threads:
            thread.join(timeout=5)

    # out -------------------------------------------------------------------------------------------
    def share(self, message: object) -> None:
        """A station's own event, for the consoles of every other node (a bus subscriber: it never blocks)."""
        if not isinstance(message, SHARED):
            return
        payload = encode(message, self.instance)
        if payload is None:
            return
        try:
            self._outbox.put_nowait((EVENTS, payload))
        except queue.Full:  # the database is away: consoles elsewhere miss live events, calls go on
            log.warning("event relay backed up: an event for other nodes' consoles was dropped")

    def ask(self, station: str, op: str, args: dict[str, Any], timeout: float = 5.0) -> tuple[int, str] | None:
        """Send a command to `station` (an instance, or "*" for whichever holds the agent) and wait for its answer;
        None if no answer came in time."""
        command_id = uuid.uuid4().hex
        answer: queue.Queue[tuple[int, str]] = queue.Queue(1)
        with self._lock:
            self._waiting[command_id] = answer
        body = {"id": command_id, "to": station, "reply_to": self.instance, "op": op, "args": args}
        self._outbox.put((COMMANDS, json.dumps(body)))
        try:
            return answer.get(timeout=timeout)
        except queue.Empty:
            return None
        finally:
            with self._lock:
                self._waiting.pop(command_id, None)

    def _send(self) -> None:
        connection: psycopg.Connection | None = None
        failing = False  # said once per outage, not once a second
        while not self._stop.is_set():
            item = self._outbox.get()
            if item is None:
                break
            channel, payload = item
            try:
                if connection is None or connection.closed:
                    connection = psycopg.connect(self.url, autocommit=True)
                connection.execute("SELECT pg_notify(%s, %s)", (channel, payload))
                if failing:
                    log.info("relay: notifying other nodes again")
                failing = False
            except psycopg.Error as exc:
                if not failing:
                    log.warning("relay: could not notify other nodes: %s", exc)
                failing, connection = True, None
                self._stop.wait(RECONNECT_SECONDS)
        if connection is not None:
            connection.close()

    # in --------------------------------------------------------------------------------------------
    def _listen(self) -> None:
        lost = False  # said once per outage, not once a second
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True) as connection:
                    for channel in (EVENTS, COMMANDS, REPLIES):
                        connection.execute(f"LISTEN {channel}")  # constant channel names, not input
                    self.listening.set()
                    if lost:
                        log.info("relay: listening again")
                    lost = False
                    while not self._stop.is_set():
                        for notice in connection.notifies(timeout=1.0, stop_after=100):
                            self._received(notice.channel, notice.payload)
            except psycopg.Error as exc:
                self.listening.clear()
                if not lost:
                    log.warning("relay: listening connection lost (%s); reconnecting", str(exc).splitlines()[0])
                lost = True
                self._stop.wait(RECONNECT_SECONDS)

    def _received(self, channel: str, payload: str) -> None:
        try:
            if channel == EVENTS:
                sender, message = decode(payload)
                if sender != self.instance:
                    self.console_bus.publish(message)
            elif channel == COMMANDS:
                self._command(json.loads(payload))
            elif channel == REPLIES:
                reply = json.loads(payload)
                with self._lock:
                    waiting = self._waiting.get(reply["id"])
                if waiting is not None and reply["to"] == self.instance:
                    waiting.put_nowait((reply["status"], reply["message"]))
        except Exception:  # a malformed or newer-version notification must not stop the listener
            log.exception("relay: could not handle a notification on %s", channel)

    def _command(self, command: dict[str, Any]) -> None:
        if self.on_command is None or command["to"] not in (self.instance, "*"):
            return
        # Carried out in a thread of its own: a bridge or a database write must not hold up the listener.
        threading.Thread(target=self._carry_out, args=(command,), daemon=True, name="relay-command").start()

    def _carry_out(self, command: dict[str, Any]) -> None:
        assert self.on_command is not None
        status, message = self.on_command(command["op"], command["args"])
        if status == 0:
            return  # not this node's to answer (an agent whose phone is elsewhere)
        reply = {"id": command["id"], "to": command["reply_to"], "status": status, "message": message}
        self._outbox.put((REPLIES, json.dumps(reply)))

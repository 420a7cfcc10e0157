"""A stand-in for the dialer behind a console run without calls, for tests and benchmarks (it ships with the
console, as the `CallControl` it fakes does): it records the commands it is sent and answers as the dialer would."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from tierdial.db import utcnow
from tierdial.messages import AgentStatus


class RecordingControl:
    """Records what was asked; `clock` is the dialer's (the wall clock unless given)."""

    def __init__(self, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.taken: list[tuple[str, str]] = []
        self.ended: list[str] = []
        self.disposed: list[tuple[str, str, str, str]] = []
        self.states: dict[str, AgentStatus] = {}
        self.listening: list[tuple[str, str, bool]] = []
        self.clock = clock

    def take_over(self, call_id: str, agent: str) -> None:
        self.taken.append((call_id, agent))

    def hang_up(self, call_id: str) -> None:
        self.ended.append(call_id)

    def dispose(self, call_id: str, disposition: str, notes: str, by: str, callback_at: str | None = None) -> bool:
        self.disposed.append((call_id, disposition, notes, by))
        return True

    def set_agent_state(self, agent: str, ready: bool, reason: str = "") -> AgentStatus:
        self.states[agent] = AgentStatus(agent, "ready" if ready else "paused", "" if ready else reason, "connected")
        return self.states[agent]

    def agent_status(self, agent: str) -> AgentStatus:
        return self.states.get(agent, AgentStatus(agent, "ready", "", "connected"))

    def listen_in(self, call_id: str, supervisor: str, whisper: bool = False) -> str:
        self.listening.append((call_id, supervisor, whisper))
        from dialer.telephony.legs import LegKind, new_leg

        return new_leg(LegKind.listener, supervisor)

    def stop_listening(self, call_id: str, supervisor: str) -> int:
        before = len(self.listening)
        self.listening = [entry for entry in self.listening if entry[:2] != (call_id, supervisor)]
        return before - len(self.listening)

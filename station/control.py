"""The console's commands on a node of several: carried out here when this station holds the call or the agent's
phone, else sent to the station that does (`station.relay`), whose answer becomes the console's."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from dialer.attempts import station_holding
from dialer.call_flow import CallFlow
from dialer.live_calls import CallCommandError
from dialer.wrap_up import chosen_disposition, dispose
from station.relay import Relay
from tierdial.db import utcnow
from tierdial.messages import AgentStatus

log = logging.getLogger(__name__)
AGENT_ANSWER_SECONDS = 1.0  # an agent whose phone no station has answers "not connected" after this


def carry_out(flow: CallFlow, op: str, args: dict[str, Any]) -> tuple[int, str]:
    """A command from another node's console, on this station; (0, "") when it is not this station's to answer."""
    try:
        if op == "take_over":
            flow.take_over(args["call_id"], args["agent"])
            return 202, "bridging"
        if op == "hang_up":
            flow.hang_up(args["call_id"])
            return 202, "hanging up"
        if op == "listen_in":
            return 202, flow.listen_in(args["call_id"], args["supervisor"], args["whisper"])
        if op == "stop_listening":
            return 200, str(flow.stop_listening(args["call_id"], args["supervisor"]))
        if op in ("agent_status", "set_agent_state"):
            agent = args["agent"]
            if flow.agent_status(agent).phone == "not connected":
                return 0, ""  # the agent's phone is on another station, or on none
            if op == "agent_status":
                status = flow.agent_status(agent)
            else:
                status = flow.set_agent_state(agent, args["ready"], args["reason"])
            return 200, json.dumps(dataclasses.asdict(status))
    except CallCommandError as exc:
        return exc.status, str(exc)
    except Exception as exc:  # the console gets an answer, whatever went wrong here
        log.exception("command %s failed", op)
        return 500, str(exc)
    return 400, f"unknown command {op!r}"


class ClusterControl:
    """What the console calls (`console.live.CallControl`), on a station (`flow`) or a console-only node (None)."""

    def __init__(self, sessions: sessionmaker[Session], relay: Relay, flow: CallFlow | None = None) -> None:
        self.sessions, self.relay, self.flow = sessions, relay, flow
        self.clock: Callable[[], dt.datetime] = flow.clock if flow else utcnow
        self.asr_load = flow.asr_load if flow else None

    def take_over(self, call_id: str, agent: str) -> None:
        self._on_call(call_id, "take_over", {"call_id": call_id, "agent": agent})

    def hang_up(self, call_id: str) -> None:
        self._on_call(call_id, "hang_up", {"call_id": call_id})

    def listen_in(self, call_id: str, supervisor: str, whisper: bool = False) -> str:
        return self._on_call(call_id, "listen_in", {"call_id": call_id, "supervisor": supervisor, "whisper": whisper})

    def stop_listening(self, call_id: str, supervisor: str) -> int:
        return int(self._on_call(call_id, "stop_listening", {"call_id": call_id, "supervisor": supervisor}))

    def dispose(self, call_id: str, disposition: str, notes: str, by: str, callback_at: str | None = None) -> bool:
        """True when the wrap-up is in the database; False when it is held by this station until the database answers
        (a call of its own; see `CallFlow.dispose`)."""
        if self.flow is not None:
            return self.flow.dispose(call_id, disposition, notes, by, callback_at)
        chosen = chosen_disposition(disposition, callback_at)
        dispose(self.sessions, call_id, chosen, notes, by, callback_at, self.clock())
        return True

    def agent_status(self, agent: str) -> AgentStatus:
        return self._on_agent("agent_status", {"agent": agent})

    def set_agent_state(self, agent: str, ready: bool, reason: str = "") -> AgentStatus:
        return self._on_agent("set_agent_state", {"agent": agent, "ready": ready, "reason": reason})

    def _on_call(self, call_id: str, op: str, args: dict[str, Any]) -> str:
        if self.flow is not None and call_id in self.flow.calls:
            status, message = carry_out(self.flow, op, args)
        else:
            with self.sessions() as session:
                holder = station_holding(session, call_id)
            if holder is None:
                raise CallCommandError(404, f"no live call {call_id}")
            answer = self.relay.ask(holder, op, args)
            if answer is None:
                raise CallCommandError(504, "the station holding the call did not answer in time")
            status, message = answer
        if status >= 400:
            raise CallCommandError(status, message)
        return message

    def _on_agent(self, op: str, args: dict[str, Any]) -> AgentStatus:
        if self.flow is not None and self.flow.agent_status(args["agent"]).phone != "not connected":
            status, message = carry_out(self.flow, op, args)
        else:
            answer = self.relay.ask("*", op, args, timeout=AGENT_ANSWER_SECONDS)
            if answer is None:  # no station has the agent's phone
                if self.flow is not None:
                    return getattr(self.flow, op)(**args)
                paused = op == "set_agent_state" and not args["ready"]
                return AgentStatus(
                    args["agent"], "paused" if paused else "ready", args.get("reason", ""), "not connected"
                )
            status, message = answer
        if status >= 400:
            raise CallCommandError(status, message)
        return AgentStatus(**json.loads(message))

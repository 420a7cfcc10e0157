"""The agents' desk of a station: each agent's phone, rung once and up for the whole shift, and whether the agent is
ready for calls or paused. Every change is published (the agent's page, supervisors) and stored (occupancy is
measured against the time ready). The people's phones are known here too, for a listen-in.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from dialer import held_records as held
from dialer.agent_time import OFFLINE, confirm_states
from dialer.held_records import HeldRecord
from dialer.telephony.engine import TelephonyEngine
from tierdial.bus import EventBus
from tierdial.config import Config
from tierdial.db import utcnow
from tierdial.messages import AgentStatus, Answered, CallEnded

log = logging.getLogger(__name__)


class AgentDesk:
    def __init__(
        self, config: Config, sessions: sessionmaker[Session], bus: EventBus, record: Callable[[HeldRecord], bool]
    ) -> None:
        """`record`: the station's way to the database, so that an agent's change made while the database is away
        is held in order with the calls' records (and the agent's page still answers)."""
        self.sessions, self.bus, self.record = sessions, bus, record
        self.engine: TelephonyEngine | None = None
        self.agent_legs: dict[str, str] = {}  # agent name -> the leg to their phone, once it is up
        self._pending_agents: dict[str, str] = {}  # leg -> agent name, while their phone rings
        self._stored_states: dict[str, str] = {}  # agent name -> the state last stored for occupancy
        # Whom the dialer rings for a listen-in, by account name: a SIP URI, or the Asterisk endpoint of that name.
        self.phones: dict[str, str] = {a.name: a.phone or a.name for a in config.agents if a.phone or a.sip_secret}
        self.paused_agents: dict[str, str] = {}  # agent name -> why they paused
        self._lock = threading.RLock()

    def connect_agent(self, agent: str, uri: str) -> None:
        """Ring the agent's phone; the leg stays up for the shift and carries every takeover."""
        assert self.engine is not None
        leg = self.engine.connect_agent(agent, uri)
        with self._lock:
            self._pending_agents[leg] = agent

    def leg_of(self, agent: str) -> str | None:
        """The leg to the agent's phone, if it is up."""
        with self._lock:
            return self.agent_legs.get(agent)

    def set_agent_state(self, agent: str, ready: bool, reason: str = "") -> AgentStatus:
        """Ready for calls, or paused with a reason; a paused agent's phone does not count for pacing."""
        with self._lock:
            if ready:
                self.paused_agents.pop(agent, None)
            else:
                self.paused_agents[agent] = reason.strip()[:200] or "paused"
        status = self.agent_status(agent)
        log.info("agent %s is %s %s", agent, status.state, status.reason)
        self.store_state(status)
        self.bus.publish(status)
        return status

    def store_state(self, status: AgentStatus) -> None:
        """Keep each change of an agent's availability: occupancy is measured against the time ready."""
        state = status.state if status.phone == "connected" else OFFLINE
        with self._lock:
            if self._stored_states.get(status.agent, OFFLINE) == state:
                return
            self._stored_states[status.agent] = state
        agent, reason, at = status.agent, status.reason, utcnow()
        self.record(held.agent_state(agent, state, reason, at))

    def confirm_agent_states(self) -> None:
        """This dialer still sees its agents as last stored: without it, a dead dialer's agents would count as
        ready until their next change."""
        with self._lock:
            agents = [agent for agent, state in self._stored_states.items() if state != OFFLINE]
        with self.sessions.begin() as session:
            confirm_states(session, agents, utcnow())

    def agent_status(self, agent: str) -> AgentStatus:
        with self._lock:
            if agent in self.agent_legs:
                phone = "connected"
            elif agent in self._pending_agents.values():
                phone = "ringing"
            else:
                phone = "not connected"
            paused = self.paused_agents.get(agent)
        return AgentStatus(agent, "paused" if paused else "ready", paused or "", phone)

    def agents_ready(self) -> int:
        """Agents whose phone is up and who are not paused: the people pacing dials for."""
        with self._lock:
            return sum(1 for agent in self.agent_legs if agent not in self.paused_agents)

    def on_leg_event(self, message: object) -> None:
        """What the engine reports on a leg that is no call: an agent's phone answered, or hung up."""
        leg = getattr(message, "call_id", "")
        with self._lock:
            agents: set[str] = set()
            if isinstance(message, Answered) and leg in self._pending_agents:
                agent = self._pending_agents.pop(leg)
                self.agent_legs[agent] = leg
                agents.add(agent)
            elif isinstance(message, CallEnded):
                if leg in self._pending_agents:
                    agents.add(self._pending_agents.pop(leg))
                for agent, agent_leg in list(self.agent_legs.items()):
                    if agent_leg == leg:
                        del self.agent_legs[agent]
                        agents.add(agent)
        for agent in agents:
            self.store_state(status := self.agent_status(agent))
            self.bus.publish(status)  # the agent's page says their phone is up, or down

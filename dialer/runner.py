"""Running a campaign: keep calling callable contacts at the pace the campaign's controller sets.

The controller (see `dialer.pacing`) is the same code the pacing benchmark runs in its
simulator; `lines` caps the calls in progress (the bot's and the trunk's capacity).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from dialer.call_flow import TAKEOVER_WAIT_SECONDS, CallFlow
from dialer.dnc import is_blocked
from dialer.hopper import next_callable
from dialer.models import Campaign, CampaignStatus
from dialer.pacing.live import LivePacing
from number_pool.assignment import caller_number_for
from tierdial.config import Config
from tierdial.messages import PacingUpdate

log = logging.getLogger(__name__)
TICK_SECONDS = 0.2
STATUS_EVERY_SECONDS = 2.0


class CampaignRunner:
    def __init__(
        self,
        config: Config,
        sessions: sessionmaker[Session],
        flow: CallFlow,
        campaign_id: int,
        lines: int,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        pacing: str | None = None,
    ) -> None:
        self.config, self.sessions, self.flow = config, sessions, flow
        self.campaign_id, self.lines, self.clock = campaign_id, lines, clock
        with sessions() as session:
            campaign = session.get(Campaign, campaign_id)
            if campaign is None:
                raise ValueError(f"no campaign {campaign_id}")
            self.campaign_name, cap = campaign.name, campaign.abandon_cap
        self.pacing = LivePacing(
            pacing or config.campaign_defaults.pacing, cap, lines, grace_seconds=TAKEOVER_WAIT_SECONDS
        )
        self._unsubscribe = flow.bus.subscribe(self.pacing.on_message)
        self._last_status = 0.0

    def lines_to_fill(self) -> int:
        return self.pacing.dials(agents_connected=len(self.flow.agent_legs))

    def tick(self) -> bool:
        """Dial what may be dialled now; False when the campaign has nothing left to do."""
        self.flow.watchdog()
        free = self.lines_to_fill()
        self._publish_status()
        with self.sessions.begin() as session:
            campaign = session.get(Campaign, self.campaign_id)
            if campaign.status != CampaignStatus.running:
                return bool(self.flow.in_flight())
            # With no dial wanted now, one contact is still looked up: the campaign goes on while any is left.
            contacts = next_callable(
                session,
                campaign,
                now=self.clock(),
                max_attempts=self.config.campaign_defaults.max_attempts_total,
                in_flight=self.flow.in_flight(),
                limit=max(free, 1),
            )
            picked = [(campaign.name, c.id, c.phone_e164) for c in contacts[:free]]
            more_to_call = bool(contacts)
        for name, contact_id, phone in picked:
            with self.sessions() as session:
                if is_blocked(session, phone, self.campaign_id):  # checked again immediately before the dial
                    continue
            number = caller_number_for(phone, self.config.caller_numbers)
            self.flow.dial(name, self.campaign_id, contact_id, phone, number.number)
        return more_to_call or bool(self.flow.in_flight())

    def _publish_status(self) -> None:
        now = time.monotonic()
        if now - self._last_status < STATUS_EVERY_SECONDS:
            return
        self._last_status = now
        status = self.pacing.last_status
        self.flow.bus.publish(
            PacingUpdate(
                campaign=self.campaign_name,
                controller=status.controller,
                dial_level=round(status.dial_level, 3),
                forecast=dict(status.forecast),
                abandon_budget=round(status.abandon_budget, 3),
                calls_in_progress=len(self.flow.in_flight()),
                agents_connected=len(self.flow.agent_legs),
            )
        )

    def run(self, max_seconds: float = 3600.0) -> None:
        deadline = time.monotonic() + max_seconds
        try:
            while time.monotonic() < deadline and self.tick():
                time.sleep(TICK_SECONDS)
        finally:
            self._unsubscribe()

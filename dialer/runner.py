"""Running a campaign: keep the lines busy with callable contacts, one dial per free line.

Pacing here is progressive (one dial per free agent line); the predictive controller
plugs in at `lines_to_fill`.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from dialer.call_flow import CallFlow
from dialer.dnc import is_blocked
from dialer.hopper import next_callable
from dialer.models import Campaign, CampaignStatus
from number_pool.assignment import caller_number_for
from tierdial.config import Config

log = logging.getLogger(__name__)
TICK_SECONDS = 0.2


class CampaignRunner:
    def __init__(
        self,
        config: Config,
        sessions: sessionmaker[Session],
        flow: CallFlow,
        campaign_id: int,
        lines: int,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self.config, self.sessions, self.flow = config, sessions, flow
        self.campaign_id, self.lines, self.clock = campaign_id, lines, clock

    def lines_to_fill(self) -> int:
        return max(0, self.lines - len(self.flow.in_flight()))

    def tick(self) -> bool:
        """Dial what may be dialled now; False when the campaign has nothing left to do."""
        self.flow.watchdog()
        free = self.lines_to_fill()
        with self.sessions.begin() as session:
            campaign = session.get(Campaign, self.campaign_id)
            if campaign.status != CampaignStatus.running:
                return bool(self.flow.in_flight())
            contacts = (
                next_callable(
                    session,
                    campaign,
                    now=self.clock(),
                    max_attempts=self.config.campaign_defaults.max_attempts_total,
                    in_flight=self.flow.in_flight(),
                    limit=max(free, 1),
                )
                if free
                else []
            )
            picked = [(campaign.name, c.id, c.phone_e164) for c in contacts[:free]]
        for name, contact_id, phone in picked:
            with self.sessions() as session:
                if is_blocked(session, phone, self.campaign_id):  # checked again immediately before the dial
                    continue
            number = caller_number_for(phone, self.config.caller_numbers)
            self.flow.dial(name, self.campaign_id, contact_id, phone, number.number)
        return bool(picked) or bool(self.flow.in_flight())

    def run(self, max_seconds: float = 3600.0) -> None:
        deadline = time.monotonic() + max_seconds
        while time.monotonic() < deadline and self.tick():
            time.sleep(TICK_SECONDS)

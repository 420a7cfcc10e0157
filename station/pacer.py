"""The station's campaigns: every running campaign whose lease this station holds gets a runner that dials it.

A campaign started, paused or stopped from any console is taken up at the next look
(every few seconds); a paused one keeps its runner until its calls in progress end.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dialer.call_flow import CallFlow
from dialer.models import Campaign, CampaignStatus
from dialer.runner import CampaignRunner
from station.leases import hold, let_go
from tierdial.config import Config
from tierdial.db import utcnow

log = logging.getLogger(__name__)
LOOK_EVERY_SECONDS = 3.0


class CampaignPacer:
    def __init__(
        self,
        config: Config,
        sessions: sessionmaker[Session],
        flow: CallFlow,
        clock: Callable[[], dt.datetime],
        lines: int,
    ) -> None:
        self.config, self.sessions, self.flow, self.clock, self.lines = config, sessions, flow, clock, lines
        self.runners: dict[int, CampaignRunner] = {}
        self.finished: set[int] = set()  # campaigns whose last tick found nothing left to call now

    @property
    def instance(self) -> str:
        return self.flow.station_id

    def free_lines(self) -> int:
        return max(0, self.lines - len(self.flow.calls))

    def look(self) -> None:
        """Take the leases of running campaigns, renew ours, let go of those that no longer need us."""
        now = utcnow()
        with self.sessions() as session:
            wanted = set(session.scalars(select(Campaign.id).where(Campaign.status == CampaignStatus.running)))
        busy = {call.campaign_id for call in list(self.flow.calls.values())}
        for campaign_id in sorted(wanted | set(self.runners)):
            with self.sessions.begin() as session:
                if campaign_id not in wanted and campaign_id not in busy:
                    let_go(session, campaign_id, self.instance)
                    held = False
                else:
                    held = hold(session, campaign_id, self.instance, now)
            if held and campaign_id not in self.runners:
                self.runners[campaign_id] = runner = CampaignRunner(
                    self.config, self.sessions, self.flow, campaign_id, lines=self.lines, clock=self.clock,
                    station_lines=self.free_lines,
                )  # fmt: skip
                log.info("pacing this campaign", extra={"campaign": runner.campaign_name})
            elif not held and campaign_id in self.runners:
                runner = self.runners.pop(campaign_id)
                runner.close()
                self.finished.discard(campaign_id)
                log.info("no longer pacing this campaign", extra={"campaign": runner.campaign_name})

    def tick(self) -> None:
        for campaign_id, runner in list(self.runners.items()):
            try:
                more = runner.tick()
            except Exception:  # one campaign's fault (its database rows, its numbers) must not stop the others
                log.exception("pacing failed", extra={"campaign": runner.campaign_name})
                continue
            if more:
                self.finished.discard(campaign_id)
            else:
                self.finished.add(campaign_id)

    def let_go_all(self) -> None:
        with self.sessions.begin() as session:
            for campaign_id in self.runners:
                let_go(session, campaign_id, self.instance)
        for runner in self.runners.values():
            runner.close()
        self.runners.clear()

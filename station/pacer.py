"""The station's campaigns: every running campaign whose lease this station holds gets a runner that dials it.

A campaign started, paused or stopped from any console is taken up at the next look
(every few seconds). With several stations each takes its share of the running campaigns
(a campaign is paced by one station at a time); one that dies has its leases expire, and
the others take its campaigns over.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dialer.call_flow import CallFlow
from dialer.models import Campaign, CampaignStatus
from dialer.runner import CampaignRunner
from station.leases import hold, let_go
from station.members import live_stations
from tierdial.config import Config
from tierdial.db import utcnow
from tierdial.held_writes import unreachable

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
        self.unheard: set[str] = set()  # running campaigns in a language the recogniser does not hear, told once

    @property
    def instance(self) -> str:
        return self.flow.station_id

    def free_lines_for(self, campaign_id: int) -> Callable[[], int]:
        """How many more calls the campaign may place now: the station's free lines, and no more than its even share
        of them while other campaigns are paced here (one campaign must not starve another, such as a campaign taken
        over from a dead station)."""

        def free() -> int:
            calls = list(self.flow.calls.values())
            share = math.ceil(self.lines / max(1, len(self.runners)))
            own = sum(1 for call in calls if call.campaign_id == campaign_id)
            return max(0, min(self.lines - len(calls), share - own))

        return free

    def look(self) -> None:
        """Take the leases of running campaigns up to this station's fair share of them, renew ours, let go of
        those that no longer need us (or that another station should take: a node joined)."""
        now = utcnow()
        with self.sessions() as session:
            rows = session.execute(
                select(Campaign.id, Campaign.name, Campaign.language).where(Campaign.status == CampaignStatus.running)
            ).all()
            stations = max(1, len(live_stations(session)))
        running = {campaign_id for campaign_id, name, language in rows if self._heard(name, language)}
        share = math.ceil(len(running) / stations)
        busy = {call.campaign_id for call in list(self.flow.calls.values())}
        mine = [c for c in self.runners if c in running]
        # Over our share: give up first the campaigns with no call of ours in progress.
        surplus = sorted(mine, key=lambda c: (c in busy, c))[: max(0, len(mine) - share)]
        for campaign_id in sorted(running | set(self.runners)):
            with self.sessions.begin() as session:
                if campaign_id in surplus or campaign_id not in running:
                    let_go(session, campaign_id, self.instance)
                    held = False
                elif campaign_id not in self.runners and len(self.runners) >= share:
                    held = False  # our share is taken: left for another station
                else:
                    held = hold(session, campaign_id, self.instance, now)
            if held and campaign_id not in self.runners:
                self.runners[campaign_id] = runner = CampaignRunner(
                    self.config, self.sessions, self.flow, campaign_id, lines=self.lines, clock=self.clock,
                    station_lines=self.free_lines_for(campaign_id),
                )  # fmt: skip
                log.info("pacing this campaign", extra={"campaign": runner.campaign_name})
            elif not held and campaign_id in self.runners:
                runner = self.runners.pop(campaign_id)
                runner.close()
                self.finished.discard(campaign_id)
                log.info("no longer pacing this campaign", extra={"campaign": runner.campaign_name})

    def _heard(self, campaign: str, language: str) -> bool:
        """Whether the recogniser hears the campaign's language. One it does not is not dialled: its callees'
        opt-outs would go unheard."""
        heard = {self.config.asr.language, *self.config.asr.languages}
        if language in heard:
            self.unheard.discard(campaign)
            return True
        if campaign not in self.unheard:
            self.unheard.add(campaign)
            log.warning("not dialled: its callees speak %s and the recogniser hears %s (asr.languages in the "
                        "configuration)", language, ", ".join(sorted(heard)), extra={"campaign": campaign})  # fmt: skip
        return False

    def tick(self) -> None:
        for campaign_id, runner in list(self.runners.items()):
            try:
                more = runner.tick()
            except Exception as exc:  # one campaign's fault (its database rows, its numbers) must not stop the others
                if unreachable(exc):
                    raise  # no campaign's: the database is away (the station says so once, and waits for it)
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

"""Running a campaign: keep calling callable contacts at the pace the campaign's controller sets.

The controller (see `dialer.pacing`) is the same code the pacing benchmark runs in its
simulator; `lines` caps the calls in progress (the bot's and the trunk's capacity), and
within that cap the lines in use follow what live transcription keeps up with
(`dialer.pacing.headroom`).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from functools import partial

from sqlalchemy.orm import Session, sessionmaker

from dialer.agent_time import CONFIRM_EVERY
from dialer.call_flow import TAKEOVER_WAIT_SECONDS, CallFlow
from dialer.campaign_stats import hot_lead_record
from dialer.claims import claim, release
from dialer.dial_check import plan_dial
from dialer.dnc_registry import stale_registries
from dialer.hopper import closed_window, next_callable
from dialer.models import Campaign, CampaignStatus, Contact
from dialer.pacing.headroom import TranscriptionHeadroom
from dialer.pacing.live import LivePacing
from dialer.retention import EVERY as RETENTION_EVERY
from dialer.retention import apply_retention
from number_pool.pool import sync_numbers
from tierdial.config import Config
from tierdial.held_writes import unreachable
from tierdial.messages import PacingUpdate
from tierdial.periodic import Every

log = logging.getLogger(__name__)
TICK_SECONDS = 0.2
STATUS_EVERY_SECONDS = 2.0
# How often an idle campaign looks whether the calling window is why (a look may scan the campaign's contacts).
WINDOW_LOOK_SECONDS = 10.0


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
        station_lines: Callable[[], int] | None = None,
    ) -> None:
        """`station_lines`: how many more calls the station may place now, over all its campaigns (None: no cap
        beyond `lines`)."""
        self.config, self.sessions, self.flow = config, sessions, flow
        self.campaign_id, self.lines, self.clock = campaign_id, lines, clock
        self.station_lines = station_lines
        with sessions.begin() as session:
            campaign = session.get(Campaign, campaign_id)
            if campaign is None:
                raise ValueError(f"no campaign {campaign_id}")
            self.campaign_name, cap, campaign_pacing = campaign.name, campaign.abandon_cap, campaign.pacing
            record = hot_lead_record(session, campaign_id, dt.datetime.now(dt.UTC))
            sync_numbers(session, config.caller_numbers)
            for warning in stale_registries(session, clock()):
                log.warning(warning, extra={"campaign": campaign.name})
        self.default_pacing = pacing or config.campaign_defaults.pacing  # until a supervisor chooses one
        self.pacing = LivePacing(
            campaign_pacing or self.default_pacing, cap, lines, grace_seconds=TAKEOVER_WAIT_SECONDS, record=record
        )
        self.headroom = TranscriptionHeadroom(lines)
        self._unsubscribe = flow.bus.subscribe(self.pacing.on_message)
        self._status_due, self._confirm_due = Every(STATUS_EVERY_SECONDS), Every(CONFIRM_EVERY.total_seconds())
        self._retention_due = Every(RETENTION_EVERY.total_seconds())
        self._window_closed = False  # told: nobody callable now, and the calling window is why
        self._window_look = Every(WINDOW_LOOK_SECONDS)

    def lines_to_fill(self) -> int:
        before = self.headroom.lines
        lag = self.flow.transcription_lag()
        self.pacing.lines = self.headroom.update(lag, len(self.flow.in_flight()), time.monotonic())
        if self.pacing.lines < before:
            lines, campaign = self.pacing.lines, self.campaign_name
            log.warning("transcription %.1f s behind: down to %d lines", lag, lines, extra={"campaign": campaign})
        wanted = self.pacing.dials(agents_connected=self.flow.agents_ready())
        return wanted if self.station_lines is None else max(0, min(wanted, self.station_lines()))

    def tick(self) -> bool:
        """Dial what may be dialled now; False when the campaign has nothing left to do."""
        self.flow.watchdog()
        if not self.flow.records.answers():
            return True  # the database away, or records of calls not yet in it: no claim is safe, no call placed
        free = self.lines_to_fill()
        self._publish_status()
        self._confirm_agents()
        self._apply_retention()
        with self.sessions.begin() as session:
            campaign = session.get(Campaign, self.campaign_id)
            self.pacing.retune(campaign.pacing or self.default_pacing, campaign.abandon_cap)
            if campaign.status != CampaignStatus.running:
                return bool(self.flow.in_flight())
            # With no dial wanted now, one contact is still looked up: the campaign goes on while any is left.
            contacts = next_callable(
                session,
                campaign,
                now=self.clock(),
                in_flight=self.flow.in_flight(),
                limit=max(free, 1),
            )
            picked = [c.id for c in contacts[:free]]
            more_to_call = bool(contacts)
            self._tell_window(session, campaign, more_to_call)
        for contact_id in picked:
            # Claimed, then checked again immediately before the dial, each in its own transaction, then dialled.
            with self.sessions.begin() as session:
                if not claim(session, contact_id, self.flow.station_id):
                    continue  # another station is dialling it
                campaign, contact = session.get(Campaign, self.campaign_id), session.get(Contact, contact_id)
                plan = plan_dial(session, campaign, contact, self.clock())
                name, phone = campaign.name, contact.phone_e164
                if plan.caller_number is None:
                    release(session, contact_id, self.flow.station_id)
            if plan.caller_number is None:
                log.info("not dialled: %s", plan.refusal, extra={"campaign": name})
                continue
            try:
                self.flow.dial(name, self.campaign_id, contact_id, phone, plan.caller_number)
            except Exception as exc:
                if unreachable(exc):  # claimed, never dialled: the claim goes when the database is back
                    self.flow.records.write("a claim not dialled", partial(release, contact_id=contact_id,
                                            holder=self.flow.station_id))  # fmt: skip
                raise
        return more_to_call or bool(self.flow.in_flight())

    def _tell_window(self, session: Session, campaign: Campaign, callable_now: bool) -> None:
        """Say once when dialling stops because the calling window closed (its end came, or the clock stepped out of
        it), and once when it opens again: a supervisor watching an idle campaign learns why from the log."""
        if callable_now:
            if self._window_closed:
                self._window_closed = False
                log.warning("calling window open again: dialling resumes", extra={"campaign": self.campaign_name})
            return
        if self._window_closed or not self._window_look.due():
            return
        why = closed_window(session, campaign, self.clock())
        if why is not None:
            self._window_closed = True
            log.warning("calling window closed, no call placed until it opens: %s", why,
                        extra={"campaign": self.campaign_name})  # fmt: skip

    def _apply_retention(self) -> None:
        if not self._retention_due.due():
            return
        try:
            with self.sessions.begin() as session:  # real time: records keep real times, whatever the dialer's clock
                counts = apply_retention(session, self.config.retention, self.config.asterisk.recordings_readable_at,
                                         dt.datetime.now(dt.UTC), "dialer")  # fmt: skip
        except OSError as exc:  # a recording tierdial may not delete: say so, and go on dialling
            log.warning("retention: %s", exc, extra={"campaign": self.campaign_name})
            return
        if any(counts.values()):
            log.info("retention: %s", counts, extra={"campaign": self.campaign_name})

    def _confirm_agents(self) -> None:
        if self._confirm_due.due():
            self.flow.confirm_agent_states()

    def _publish_status(self) -> None:
        if not self._status_due.due():
            return
        status = self.pacing.last_status
        hot, lost = self.pacing.hot_leads
        self.flow.bus.publish(
            PacingUpdate(
                campaign=self.campaign_name,
                controller=status.controller,
                dial_level=round(status.dial_level, 3),
                forecast=dict(status.forecast),
                abandon_budget=round(status.abandon_budget, 3),
                calls_in_progress=len(self.flow.in_flight()),
                agents_connected=self.flow.agents_ready(),
                lines=self.pacing.lines,
                transcription_lag=round(self.flow.transcription_lag(), 2),
                hot_leads=hot,
                hot_leads_lost=lost,
            )
        )

    def close(self) -> None:
        """Stop following the campaign's calls (the pacing's view of them)."""
        self._unsubscribe()

    def run(self, max_seconds: float = 3600.0) -> None:
        deadline = time.monotonic() + max_seconds
        try:
            while time.monotonic() < deadline and self.tick():
                time.sleep(TICK_SECONDS)
        finally:
            self.close()

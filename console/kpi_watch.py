"""Evaluates the KPI targets every few seconds while a dialer runs, so that an alert starts on time and reaches
the dashboards and webhooks even when no supervisor has the dashboard open."""

from __future__ import annotations

import datetime as dt
import logging
import threading

from sqlalchemy.orm import Session, sessionmaker

from console.hot_leads import HotLeadWaits
from console.kpi_report import kpi_report
from tierdial.bus import EventBus

log = logging.getLogger(__name__)
EVERY_SECONDS = 15.0


class KpiWatcher:
    def __init__(self, bus: EventBus, sessions: sessionmaker[Session], hot_leads: HotLeadWaits,
                 every_seconds: float = EVERY_SECONDS) -> None:  # fmt: skip
        self._bus, self._sessions, self._hot_leads, self._every = bus, sessions, hot_leads, every_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kpi-watch", daemon=True)
        self._thread.start()

    def check(self) -> None:
        with self._sessions.begin() as session:
            kpi_report(session, dt.datetime.now(dt.UTC), self._hot_leads, self._bus)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            try:
                self.check()
            except Exception:  # a database hiccup must not end the watch for the rest of the shift
                log.exception("KPI watch")

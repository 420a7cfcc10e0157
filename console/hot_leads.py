"""Hot leads waiting for an agent, per campaign: offered by the dialer (`HotLeadOffered`), not yet taken over, not
expired, still on the line."""

from __future__ import annotations

import threading
import time

from tierdial.messages import CallEnded, HotLeadExpired, HotLeadOffered, Takeover


class HotLeadWaits:
    def __init__(self) -> None:
        self._waiting: dict[str, tuple[str, float]] = {}  # call -> its campaign, and since when it waits
        self._lock = threading.Lock()

    def observe(self, message: object) -> None:
        with self._lock:
            if isinstance(message, HotLeadOffered):
                # Offered again when it turns hotter: it has waited since the first offer.
                self._waiting.setdefault(message.call_id, (message.campaign, time.monotonic()))
            elif isinstance(message, HotLeadExpired | Takeover | CallEnded):
                self._waiting.pop(message.call_id, None)

    def waits(self) -> dict[str, list[float]]:
        """Seconds each hot lead has waited so far, longest first, by campaign."""
        now = time.monotonic()
        by_campaign: dict[str, list[float]] = {}
        with self._lock:
            for campaign, since in self._waiting.values():
                by_campaign.setdefault(campaign, []).append(round(now - since, 1))
        return {campaign: sorted(waits, reverse=True) for campaign, waits in by_campaign.items()}

"""Hot leads waiting for an agent, per campaign: decided A or B, not yet taken over, still on the line."""

from __future__ import annotations

import threading
import time

from intent.tiers import HOT_TIERS
from tierdial.messages import CallEnded, CallStarted, Takeover, TierDecided


class HotLeadWaits:
    def __init__(self) -> None:
        self._campaign_of: dict[str, str] = {}
        self._waiting_since: dict[str, float] = {}
        self._taken: set[str] = set()  # what the callee says after a takeover decides tiers too: not waiting again
        self._lock = threading.Lock()

    def observe(self, message: object) -> None:
        with self._lock:
            if isinstance(message, CallStarted):
                self._campaign_of[message.call_id] = message.campaign
            elif isinstance(message, TierDecided) and message.is_final and message.tier in HOT_TIERS:
                if message.call_id not in self._taken:
                    self._waiting_since.setdefault(message.call_id, time.monotonic())
            elif isinstance(message, Takeover):
                self._waiting_since.pop(message.call_id, None)
                self._taken.add(message.call_id)
            elif isinstance(message, CallEnded):
                self._waiting_since.pop(message.call_id, None)
                self._campaign_of.pop(message.call_id, None)
                self._taken.discard(message.call_id)

    def waits(self) -> dict[str, list[float]]:
        """Seconds each hot lead has waited so far, longest first, by campaign."""
        now = time.monotonic()
        by_campaign: dict[str, list[float]] = {}
        with self._lock:
            for call_id, since in self._waiting_since.items():
                by_campaign.setdefault(self._campaign_of.get(call_id, ""), []).append(round(now - since, 1))
        return {campaign: sorted(waits, reverse=True) for campaign, waits in by_campaign.items()}

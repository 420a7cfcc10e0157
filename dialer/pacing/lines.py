"""Pacing that keeps every line busy: the bot answers each call, so nothing waits on an agent.

A campaign may run on it (for demos and load tests), and the live dialer falls back to it
whenever no agent's phone is connected. It paces for no agent, so the benchmark does not run it.
"""

from __future__ import annotations

from dialer.pacing.controller import CampaignState, PacingStatus, dial_level


class FillLines:
    """Keep every line the campaign has busy: the bot answers each call, so nothing waits on an agent."""

    name = "lines"

    def decide(self, state: CampaignState) -> int:
        return max(0, state.free_lines)

    def observe(self, event: object) -> None:
        pass

    def status(self, state: CampaignState) -> PacingStatus:
        return PacingStatus(self.name, dial_level(state), {}, 0.0)

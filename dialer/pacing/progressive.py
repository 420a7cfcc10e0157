"""Progressive pacing: one dial per free agent, never a call without an agent for it."""

from __future__ import annotations

from dialer.pacing.controller import (
    CampaignState,
    PacingEvent,
    PacingSettings,
    PacingStatus,
    abandon_budget,
    dial_level,
    unreserved_ready_agents,
)


class ProgressiveController:
    name = "progressive"

    def __init__(self, settings: PacingSettings) -> None:
        self.settings = settings

    def decide(self, state: CampaignState) -> int:
        return min(unreserved_ready_agents(state), state.free_lines)

    def observe(self, event: PacingEvent) -> None:
        pass

    def status(self, state: CampaignState) -> PacingStatus:
        return PacingStatus(self.name, dial_level(state), {}, abandon_budget(state))

"""The table of pacing modes is the one list: what the configuration, the API document and the pages offer."""

from __future__ import annotations

from dialer.pacing.controller import PacingSettings
from dialer.pacing.registry import CONTROLLERS, LIVE_MODES, MARKERS, PACINGS, build_controller
from tierdial.config import PACING_MODES


def test_the_configuration_accepts_exactly_the_modes_a_campaign_can_run_on() -> None:
    # tierdial/ cannot import the dialer, so config.py names the modes itself: a new mode goes in both.
    assert PACING_MODES == LIVE_MODES


def test_every_live_mode_builds_a_controller_of_its_name_and_the_benchmark_plots_what_it_runs() -> None:
    settings = PacingSettings(abandon_cap=0.03)
    assert [build_controller(mode, settings).name for mode in LIVE_MODES] == list(LIVE_MODES)
    assert "oracle" in PACINGS and "oracle" not in LIVE_MODES  # it reads the future: only the simulator has one
    assert set(MARKERS) == set(CONTROLLERS) and len(set(MARKERS.values())) == len(MARKERS)

"""Every pacing mode in one table, by the name `config.yaml`, the campaign settings, the console, the API and the
benchmark use: how to build it, whether a campaign can run on it, and its marker on the benchmark's plot.

`tierdial.config.PACING_MODES` names the live modes for the configuration (the shared plumbing does not
import the dialer); a test keeps it equal to `LIVE_MODES`, as it does the API document's list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dialer.pacing.controller import PacingController, PacingSettings
from dialer.pacing.lines import FillLines
from dialer.pacing.progressive import ProgressiveController
from dialer.pacing.vicidial import VicidialController


def _tierdial(settings: PacingSettings, foresight: Any) -> PacingController:
    from dialer.pacing.tierdial import TierdialController  # numpy and scipy: loaded only by who paces with it

    return TierdialController(settings)


def _oracle(settings: PacingSettings, foresight: Any) -> PacingController:
    from dialer.pacing.oracle import OracleController

    if foresight is None:
        raise ValueError("the oracle controller runs only in the simulator: it reads the future")
    return OracleController(settings, foresight)


@dataclass(frozen=True)
class Pacing:
    build: Callable[[PacingSettings, Any], PacingController]  # the settings, and the simulator (the oracle reads it)
    live: bool  # a campaign can run on it
    marker: str | None  # on the benchmark's plot; None: the benchmark does not run it


PACINGS: dict[str, Pacing] = {
    # keeps every line busy, the bot answering each call; paces for no agent, so it is not benchmarked
    "lines": Pacing(lambda settings, foresight: FillLines(), live=True, marker=None),
    # one dial per free agent
    "progressive": Pacing(lambda settings, foresight: ProgressiveController(settings), live=True, marker="s"),
    # VICIdial's adaptive method
    "vicidial": Pacing(lambda settings, foresight: VicidialController(settings), live=True, marker="v"),
    # forecast and abandonment budget
    "tierdial": Pacing(_tierdial, live=True, marker="o"),
    # knows every call's fate ahead: the bound the others are measured against; it needs the simulator
    "oracle": Pacing(_oracle, live=False, marker="*"),
}

LIVE_MODES = tuple(name for name, pacing in PACINGS.items() if pacing.live)
CONTROLLERS = tuple(name for name, pacing in PACINGS.items() if pacing.marker)  # what the benchmark runs
MARKERS = {name: pacing.marker for name, pacing in PACINGS.items() if pacing.marker}


def build_controller(name: str, settings: PacingSettings, foresight: Any = None) -> PacingController:
    pacing = PACINGS.get(name)
    if pacing is None:
        raise ValueError(f"unknown pacing controller {name!r}; choose one of {', '.join(PACINGS)}")
    return pacing.build(settings, foresight)

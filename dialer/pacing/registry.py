"""Controllers by name, as `config.yaml`, the campaign settings and the benchmark name them."""

from __future__ import annotations

from typing import Any

from dialer.pacing.controller import PacingController, PacingSettings
from dialer.pacing.progressive import ProgressiveController
from dialer.pacing.vicidial import VicidialController

CONTROLLERS = ("progressive", "vicidial", "tierdial", "oracle")
LIVE_CONTROLLERS = ("progressive", "vicidial", "tierdial")  # the oracle needs a simulator to see the future


def build_controller(name: str, settings: PacingSettings, foresight: Any = None) -> PacingController:
    if name == "progressive":
        return ProgressiveController(settings)
    if name == "vicidial":
        return VicidialController(settings)
    if name == "tierdial":
        from dialer.pacing.tierdial import TierdialController

        return TierdialController(settings)
    if name == "oracle":
        from dialer.pacing.oracle import OracleController

        if foresight is None:
            raise ValueError("the oracle controller runs only in the simulator: it reads the future")
        return OracleController(settings, foresight)
    raise ValueError(f"unknown pacing controller {name!r}; choose one of {', '.join(CONTROLLERS)}")

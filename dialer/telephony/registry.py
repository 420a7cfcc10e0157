"""Which engine `config.yaml` asks for. Each engine's heavy imports stay inside its own module."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator

from dialer.telephony.engine import AudioSink, EventSink, TelephonyEngine
from tierdial.config import Config
from tierdial.errors import UserError


def _pjsua2(config: Config, on_event: EventSink, asr: AudioSink | tuple[str, int]) -> TelephonyEngine:
    from dialer.telephony.pjsua2.engine import Pjsua2Engine

    return Pjsua2Engine(config, on_event, asr)


def _asterisk(config: Config, on_event: EventSink, asr: AudioSink | tuple[str, int]) -> TelephonyEngine:
    from dialer.telephony.asterisk.engine import AsteriskEngine

    return AsteriskEngine(config, on_event, asr)


ENGINES: dict[str, Callable[[Config, EventSink, AudioSink | tuple[str, int]], TelephonyEngine]] = {
    "pjsua2": _pjsua2,
    "asterisk": _asterisk,
}


def make_engine(config: Config, on_event: EventSink, asr: AudioSink | tuple[str, int]) -> TelephonyEngine:
    try:
        factory = ENGINES[config.engine]
    except KeyError:
        raise UserError(f"engine: {config.engine!r} is not available yet (available: {', '.join(ENGINES)})") from None
    return factory(config, on_event, asr)


@contextlib.contextmanager
def pbx_for(config: Config) -> Iterator[Config]:
    """`config`, pointed at a sandbox Asterisk started for the run if it asks for one (`engine: asterisk` with
    `asterisk.sandbox: true`), configured from it; the sandbox stops on leaving."""
    if config.engine != "asterisk" or not config.asterisk.sandbox:
        yield config
        return
    from dialer.telephony.asterisk.sandbox import sandbox_for

    print("starting a sandbox Asterisk on this machine (asterisk.sandbox: true)", file=sys.stderr, flush=True)
    with sandbox_for(config) as (sandboxed, _):
        yield sandboxed

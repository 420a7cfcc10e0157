"""Several ASR services as one audio sink: each new call goes to the least-lagged service that answers.

A station whose recognisers run on other machines lists them in `station.asr_services`. Before a call's
stream opens, each is asked for its load (one short connection: the calls it transcribes and the worst of
their lags); a service that does not answer within `PROBE_SECONDS` is skipped for that call, and so is one
that answers it is full (it carries its cap of connections: `audiosocket.FULL`), though it counts as alive.
The choice is made per call, in the process that streams the call (a SIP worker or the station), so the pool
is small and picklable like `AsrAudio`.
"""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass

from asr import audiosocket as wire
from asr.client import AsrAudio, AsrClient, AsrMessage

log = logging.getLogger(__name__)
PROBE_SECONDS = 0.3


@dataclass(frozen=True, slots=True)
class ServiceLoad:
    address: tuple[str, int]
    streams: int
    lag_ms: int
    full: bool = False  # it refused the request: it carries its cap of connections


def service_load(address: tuple[str, int], timeout: float = PROBE_SECONDS) -> ServiceLoad | None:
    """The service's load, or None when it does not answer in time."""
    try:
        with socket.create_connection(address, timeout=timeout) as connection:
            connection.settimeout(timeout)
            connection.sendall(wire.encode(wire.KIND_STATUS))
            parser = wire.FrameParser()
            while True:
                data = connection.recv(4096)
                if not data:
                    return None
                for frame in parser.feed(data):
                    if wire.is_full(frame):
                        return ServiceLoad(address, 0, 0, full=True)
                    if frame.kind == wire.KIND_RESULT:
                        status = json.loads(frame.payload)
                        return ServiceLoad(address, int(status["streams"]), int(status["lag_ms"]))
    except (OSError, ValueError, KeyError, wire.FramingError):
        return None


def least_lagged(loads: list[ServiceLoad]) -> ServiceLoad | None:
    """Lag first (a service behind on its calls would put the new one behind too), then the fewest calls; a full
    service is never chosen (it would refuse the call)."""
    room = [load for load in loads if not load.full]
    return min(room, key=lambda load: (load.lag_ms, load.streams), default=None)


@dataclass(frozen=True, slots=True)
class AsrServicePool:
    addresses: tuple[tuple[str, int], ...]

    def choose(self) -> tuple[str, int]:
        loads = [load for address in self.addresses if (load := service_load(address)) is not None]
        chosen = least_lagged(loads)
        if chosen is None:
            # None answers: the first one's connection fails and the call goes on untranscribed, as with one service.
            log.warning("none of %d ASR services answers", len(self.addresses))
            return self.addresses[0]
        return chosen.address

    def answering(self) -> bool:
        return any(service_load(address) is not None for address in self.addresses)

    def open(
        self,
        call_id: str,
        sample_rate: int,
        on_result: Callable[[AsrMessage], None],
        stream_uuid: str = "",
        thread_init: Callable[[], None] | None = None,
    ) -> AsrClient:
        host, port = self.choose()
        log.debug("ASR service %s:%d chosen", host, port, extra={"call_id": call_id})
        return AsrAudio(host, port).open(call_id, sample_rate, on_result, stream_uuid, thread_init)

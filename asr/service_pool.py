"""Several ASR services as one audio sink: each new call goes to the least-lagged service that answers.

A station whose recognisers run on other machines lists them in `station.asr_services`. Before a call's
stream opens, each is asked for its load (one short connection: the calls it transcribes and the worst of
their lags), all at once: a call waits for the slowest answer, `PROBE_SECONDS` at most, not for the sum.
A service that does not answer in time is skipped for that call, and left unasked for `SILENT_SECONDS`
after (a dead or unreachable service costs each process one probe that often, not one per call; calls
choosing at the same moment may each ask it once). A service that answers it is full (it carries its cap
of connections: `audiosocket.FULL`) is alive, and is skipped for that call only. The choice is made per
call, in the process that streams the call (a SIP worker or the station), so the pool is small and
picklable like `AsrAudio`: what it remembers of silent services stays in each process.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from asr import audiosocket as wire
from asr.client import AsrClient, AsrMessage, asr_message

log = logging.getLogger(__name__)
PROBE_SECONDS = 0.3
SILENT_SECONDS = 5.0

Address = tuple[str, int]


@dataclass(frozen=True, slots=True)
class ServiceLoad:
    address: Address
    streams: int
    lag_ms: int
    full: bool = False  # it refused the request: it carries its cap of connections


def service_load(address: Address, timeout: float = PROBE_SECONDS) -> ServiceLoad | None:
    """The service's load, or None when it does not answer within `timeout` in all."""
    deadline = time.monotonic() + timeout
    try:
        with socket.create_connection(address, timeout=timeout) as connection:
            connection.sendall(wire.encode(wire.KIND_STATUS))
            parser = wire.FrameParser()
            while True:
                connection.settimeout(max(0.001, deadline - time.monotonic()))
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


class AsrServicePool:
    def __init__(self, addresses: tuple[Address, ...], silent_seconds: float = SILENT_SECONDS) -> None:
        self.addresses, self.silent_seconds = tuple(addresses), silent_seconds
        self._silent_until: dict[Address, float] = {}  # a service that did not answer: not asked again before then
        self._lock = threading.Lock()

    def __reduce__(self) -> tuple[type[AsrServicePool], tuple[tuple[Address, ...], float]]:
        # What the process learnt of silent services, and its lock, stay in it: another process asks for itself.
        return (AsrServicePool, (self.addresses, self.silent_seconds))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AsrServicePool):
            return NotImplemented
        return (self.addresses, self.silent_seconds) == (other.addresses, other.silent_seconds)

    def __hash__(self) -> int:
        return hash((self.addresses, self.silent_seconds))

    def __repr__(self) -> str:
        return f"AsrServicePool({self.addresses!r})"

    def loads(self, skip_silent: bool = True) -> list[ServiceLoad]:
        """The loads of the services that answer, asked all at once; with `skip_silent`, one that did not answer
        lately is not asked."""
        now = time.monotonic()
        with self._lock:
            asked = [a for a in self.addresses if not skip_silent or self._silent_until.get(a, 0.0) <= now]
        if not asked:
            return []
        if len(asked) == 1:
            answers = [service_load(asked[0])]
        else:
            with ThreadPoolExecutor(max_workers=len(asked), thread_name_prefix="asr-probe") as probes:
                answers = list(probes.map(service_load, asked))
        now = time.monotonic()
        with self._lock:
            for address, load in zip(asked, answers, strict=True):
                if load is None:
                    if address not in self._silent_until or self._silent_until[address] <= now:
                        log.info("ASR service %s:%d does not answer; not asked again for %g s", *address,
                                 self.silent_seconds)  # fmt: skip
                    self._silent_until[address] = now + self.silent_seconds
                else:
                    self._silent_until.pop(address, None)
        return [load for load in answers if load is not None]

    def choose(self) -> Address:
        chosen = least_lagged(self.loads())
        if chosen is None:
            # None answers, or none has room: the first one's connection fails (or is refused) and the call goes on
            # untranscribed, as with one service.
            log.warning("none of %d ASR services answers with room for a call", len(self.addresses))
            return self.addresses[0]
        return chosen.address

    def answering(self) -> bool:
        """Any service alive (full ones too), each asked now."""
        return bool(self.loads(skip_silent=False))

    def open(
        self,
        call_id: str,
        sample_rate: int,
        on_result: Callable[[AsrMessage], None],
        stream_uuid: str = "",
        thread_init: Callable[[], None] | None = None,
        language: str = "",
    ) -> AsrClient:
        host, port = self.choose()
        log.debug("ASR service %s:%d chosen", host, port, extra={"call_id": call_id})

        def deliver(result: dict) -> None:
            on_result(asr_message(call_id, result))

        # A call whose service is lost is taken up by the least-lagged one answering then (itself, restarted).
        return AsrClient(host, port, stream_uuid or call_id, sample_rate, deliver, thread_init, language, self.choose,
                         call_id)  # fmt: skip

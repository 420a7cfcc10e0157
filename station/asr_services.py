"""The ASR services a station's calls stream to: one started here, or the configured ones on other machines
(each new call to the least-lagged of those that answer)."""

from __future__ import annotations

import logging
import socket

from asr.client import AsrAudio
from asr.service_pool import AsrServicePool
from tierdial.config import Config
from tierdial.errors import UserError
from tierdial.processes import Service, start_service

log = logging.getLogger(__name__)
CONNECT_SECONDS = 1.0


def answering(address: tuple[str, int]) -> bool:
    try:
        socket.create_connection(address, timeout=CONNECT_SECONDS).close()
    except OSError:
        return False
    return True


def parse_address(text: str) -> tuple[str, int]:
    host, port = text.rsplit(":", 1)
    return host.strip("[]"), int(port)


class AsrServices:
    """Starts a local ASR service unless `station.asr_services` names remote ones. With remote ones, the station
    starts when at least one answers; afterwards each call chooses among them (`AsrServicePool`), skipping the dead."""

    def __init__(self, config: Config, config_path: str | None, recognizers: int) -> None:
        self.config, self.config_path, self.recognizers = config, config_path, recognizers
        self.local: Service | None = None
        self.sink: AsrAudio | AsrServicePool | None = None

    def start(self) -> AsrAudio | AsrServicePool:
        remote = [parse_address(a) for a in self.config.station.asr_services]
        if remote:
            pool = AsrServicePool(tuple(remote))
            if not pool.answering():
                raise UserError(f"none of station.asr_services answers: {', '.join(self.config.station.asr_services)}")
            for address in remote:
                if not answering(address):
                    log.warning("ASR service %s:%d does not answer; calls go to the others", *address)
            self.sink = pool
            return pool
        prefix = ["--config", self.config_path] if self.config_path else []
        command = [*prefix, "asr", "serve", "--port", "0", "--recognizers", str(self.recognizers)]
        self.local = start_service(command, "listening on")
        self.sink = AsrAudio(*self.local.address)
        return self.sink

    def answering(self) -> bool:
        if isinstance(self.sink, AsrServicePool):
            return self.sink.answering()
        return self.sink is not None and answering((self.sink.host, self.sink.port))

    def stop(self) -> None:
        if self.local is not None:
            self.local.stop()

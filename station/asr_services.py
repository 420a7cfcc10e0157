"""The ASR service a station's calls stream to: one started here, or the configured ones on other machines."""

from __future__ import annotations

import logging
import socket

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
    """Starts a local ASR service unless `station.asr_services` names remote ones; then the first that answers."""

    def __init__(self, config: Config, config_path: str | None, recognizers: int) -> None:
        self.config, self.config_path, self.recognizers = config, config_path, recognizers
        self.local: Service | None = None
        self.address: tuple[str, int] = ("", 0)

    def start(self) -> tuple[str, int]:
        remote = [parse_address(a) for a in self.config.station.asr_services]
        if remote:
            for address in remote:
                if answering(address):
                    self.address = address
                    return address
                log.warning("ASR service %s:%d does not answer; trying the next", *address)
            raise UserError(f"none of station.asr_services answers: {', '.join(self.config.station.asr_services)}")
        prefix = ["--config", self.config_path] if self.config_path else []
        command = [*prefix, "asr", "serve", "--port", "0", "--recognizers", str(self.recognizers)]
        self.local = start_service(command, "listening on")
        self.address = self.local.address
        return self.address

    def answering(self) -> bool:
        return bool(self.address[1]) and answering(self.address)

    def stop(self) -> None:
        if self.local is not None:
            self.local.stop()

"""The ASR services a station's calls stream to: one started here, or the configured ones on other machines
(each new call to the least-lagged of those that answer)."""

from __future__ import annotations

import logging
import threading

from asr.client import AsrAudio
from asr.service_pool import AsrServicePool, service_load
from tierdial.config import Config
from tierdial.errors import UserError
from tierdial.processes import Service, start_service

log = logging.getLogger(__name__)
RESTART_WAIT_SECONDS = 2.0


def parse_address(text: str) -> tuple[str, int]:
    host, port = text.rsplit(":", 1)
    return host.strip("[]"), int(port)


class AsrServices:
    """Starts a local ASR service unless `station.asr_services` names remote ones. With remote ones, the station
    starts when at least one answers; afterwards each call chooses among them (`AsrServicePool`), skipping the dead.

    A local service that dies (killed, out of memory) is started again on the same port, so the SIP workers' next
    calls find it where they look; calls in progress when it died go on untranscribed, which the call flow treats as
    not heard (its lag grows: no silence is assumed, no new dial is paced on it), never as silence."""

    def __init__(self, config: Config, config_path: str | None, recognizers: int) -> None:
        self.config, self.config_path, self.recognizers = config, config_path, recognizers
        self.local: Service | None = None
        self.sink: AsrAudio | AsrServicePool | None = None
        self._stopping = threading.Event()

    def start(self) -> AsrAudio | AsrServicePool:
        remote = [parse_address(a) for a in self.config.station.asr_services]
        if remote:
            pool = AsrServicePool(tuple(remote))
            alive = {load.address for load in pool.loads(skip_silent=False)}
            if not alive:
                raise UserError(f"none of station.asr_services answers: {', '.join(self.config.station.asr_services)}")
            for address in remote:
                if address not in alive:
                    log.warning("ASR service %s:%d does not answer; calls go to the others", *address)
            self.sink = pool
            return pool
        self.local = start_service(self._command(0), "listening on")
        self.sink = AsrAudio(*self.local.address)
        # Restarts are started from this thread: a child started with PR_SET_PDEATHSIG ends with the thread that
        # started it, and this one lives until stop().
        threading.Thread(target=self._supervise, name="asr-supervisor", daemon=True).start()
        return self.sink

    def _command(self, port: int) -> list[str]:
        prefix = ["--config", self.config_path] if self.config_path else []
        # The languages of this station's configuration as given (a demo adds its campaign's), not the file's.
        languages = ["--languages", ",".join(self.config.asr.languages)]
        return [*prefix, "asr", "serve", "--port", str(port), "--recognizers", str(self.recognizers), *languages]

    def _supervise(self) -> None:
        assert self.local is not None and self.sink is not None
        while True:
            code = self.local.process.wait()
            if self._stopping.is_set():
                return
            log.error("the ASR service ended (exit status %s); starting it again on port %d", code, self.sink.port)
            while not self._stopping.is_set():
                try:
                    self.local = start_service(self._command(self.sink.port), "listening on")
                except RuntimeError as exc:  # its port not free yet, say: try again shortly
                    log.warning("the ASR service did not start again: %s", exc)
                    self._stopping.wait(RESTART_WAIT_SECONDS)
                    continue
                if self._stopping.is_set():  # the station stopped meanwhile
                    self.local.stop()
                    return
                log.info("the ASR service runs again on port %d", self.sink.port)
                break

    def answering(self) -> bool:
        if isinstance(self.sink, AsrServicePool):
            return self.sink.answering()
        return self.sink is not None and service_load((self.sink.host, self.sink.port)) is not None

    def stop(self) -> None:
        self._stopping.set()
        if self.local is not None:
            self.local.stop()

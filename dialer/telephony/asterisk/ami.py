"""The Asterisk Manager Interface, through panoramisk, for code that is not asyncio.

panoramisk keeps the connection: it logs in, pings, and reconnects when the link drops;
it matches each action with its response by ActionID and gathers list replies (why it
was picked over `asterisk-ami`, whose reader thread dies after 3 s without traffic and
which neither pairs an Originate with its OriginateResponse nor gathers lists). Its
asyncio loop runs in a thread of its own: actions cross into it with
`run_coroutine_threadsafe`, events come out through `on_event` as plain dicts, called
from that thread (receivers hand them on and return quickly).
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tierdial.config import Asterisk

log = logging.getLogger(__name__)


class _Quiet(logging.Filter):
    """Raw AMI messages name the numbers dialled (DialString, CallerIDNum, Exten) and, at log-in, the secret: the
    client's own lines (`wire`) stay out of the log below WARNING, and those it does write lose any Secret value."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return False
        record.msg, record.args = SECRET_FIELD.sub(r"\1***", record.getMessage()), ()
        return True


SECRET_FIELD = re.compile(r"((?:'|\b)[Ss]ecret'?\s*[:=]\s*'?)[^'\s,}]+")
wire = logging.getLogger(f"{__name__}.wire")
wire.addFilter(_Quiet())

AmiEvent = dict[str, str]


@dataclass(frozen=True, slots=True)
class AmiAddress:
    host: str
    port: int
    username: str
    secret: str

    @classmethod
    def of(cls, settings: Asterisk) -> AmiAddress:
        """The AMI that config.yaml's `asterisk:` section names."""
        return cls(settings.ami_host, settings.ami_port, settings.ami_username, settings.ami_secret)


class AmiError(RuntimeError):
    """Asterisk refused an action, or did not answer it in time."""


class AmiClient:
    def __init__(
        self,
        address: AmiAddress,
        on_event: Callable[[AmiEvent], None],
        on_login: Callable[[], None] | None = None,
        reconnect_seconds: int = 1,
    ) -> None:
        self.address, self._on_event, self._on_login = address, on_event, on_login
        self._reconnect_seconds = reconnect_seconds
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="ami", daemon=True)
        self._logged_in = threading.Event()
        self._manager: Any = None

    def start(self, timeout: float = 10) -> AmiClient:
        from panoramisk import Manager

        self._thread.start()

        def connect() -> None:
            self._manager = Manager(
                loop=self._loop,
                host=self.address.host,
                port=self.address.port,
                username=self.address.username,
                secret=self.address.secret,
                reconnect_timeout=self._reconnect_seconds,
                ping_delay=5,
                ping_interval=5,
                on_login=self._logged_in_now,
                on_disconnect=self._disconnected,
                log=wire,
            )
            self._manager.register_event("*", self._event)
            self._manager.connect()

        self._loop.call_soon_threadsafe(connect)
        if not self._logged_in.wait(timeout):
            self.stop()
            raise AmiError(f"no AMI login at {self.address.host}:{self.address.port} within {timeout:.0f} s")
        return self

    @property
    def connected(self) -> bool:
        return self._logged_in.is_set()

    def wait_connected(self, timeout: float) -> bool:
        return self._logged_in.wait(timeout)

    def action(
        self, fields: dict[str, str | list[str]], timeout: float = 10, as_list: bool | None = None
    ) -> list[AmiEvent]:
        """Send one action (a list value repeats its header); its response, and for list actions every event of the
        list, in order."""
        if not self._logged_in.is_set():
            raise AmiError(f"AMI is not connected; {fields.get('Action')} was not sent")

        async def send() -> Any:
            return await self._manager.send_action(dict(fields), as_list=as_list)

        future = asyncio.run_coroutine_threadsafe(send(), self._loop)
        try:
            reply = future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise AmiError(f"no answer to {fields.get('Action')} within {timeout:.0f} s") from None
        replies = [dict(m) for m in (reply if isinstance(reply, list) else [reply])]
        if replies and replies[0].get("Response") == "Error":
            raise AmiError(f"{fields.get('Action')}: {replies[0].get('Message', 'refused')}")
        return replies

    def drop_connection(self) -> None:
        """Cut the link as a network failure would; the client reconnects by itself."""
        done = threading.Event()

        def cut() -> None:
            self._logged_in.clear()
            self._manager.protocol.transport.abort()
            done.set()

        self._loop.call_soon_threadsafe(cut)
        done.wait(5)

    def stop(self) -> None:
        if self._manager is not None:
            self._loop.call_soon_threadsafe(self._close)
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)

    def _close(self) -> None:
        # panoramisk reconnects on a lost connection; a close we asked for must not.
        self._manager.connection_lost = lambda exc: None
        self._manager.close()

    def _logged_in_now(self, _manager: Any) -> None:
        self._logged_in.set()
        log.info("AMI logged in at %s:%d", self.address.host, self.address.port)
        if self._on_login:
            threading.Thread(target=self._on_login, name="ami-login", daemon=True).start()

    def _disconnected(self, _manager: Any, exc: Exception | None) -> None:
        self._logged_in.clear()
        log.warning("AMI connection lost (%s); reconnecting", exc)

    def _event(self, _manager: Any, message: Any) -> None:
        try:
            self._on_event(dict(message))
        except Exception:  # a receiver's bug must not stop the event stream
            log.exception("AMI event receiver failed on %s", message.get("Event"))

"""Writes that find the database away (a PostgreSQL restart or failover, SQLite's disk full), held in memory in order
and made once it answers again.

Calls in progress go on while the database is away, and what they produce must not be lost: an opt-out heard, a
transcript, how a call ended. Each is handed here as a function of a session; made at once when the database
answers, else kept, and every later write queues behind it so that they reach the database in the order they
happened. Opt-outs go before everything else: the first thing the database learns when it is back is who must not
be called. While anything is held, or the database is away, no call is placed (see `answers`): a claim cannot be
made safely, and a number whose opt-out is held here is not yet on the do-not-call list.

A write that fails for another reason (a bad row, a constraint) is the caller's error, raised as before.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)
Write = Callable[[Session], object]
ASK_EVERY_SECONDS = 1.0  # while the database is away: how often to ask whether it is back


def unreachable(exc: BaseException) -> bool:
    """Whether a database error means the database is away (the write is worth holding), not that the write is bad."""
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def reason(exc: BaseException) -> str:
    """The driver's first line (a connection refused, the server shutting down, a constraint), without the SQL."""
    cause = getattr(exc, "orig", None) or exc
    return str(cause).strip().splitlines()[0][:160] if str(cause).strip() else type(cause).__name__


class HeldWrites:
    def __init__(self, sessions: sessionmaker[Session], drained: Callable[[], None] | None = None) -> None:
        """`drained`: called once everything held is written (what was kept elsewhere as well may go)."""
        self.sessions = sessions
        self.drained = drained
        self._first: deque[tuple[str, Write]] = deque()  # opt-outs
        self._rest: deque[tuple[str, Write]] = deque()
        self._lock = threading.RLock()
        self._away_since: float | None = None
        self._asked = 0.0

    @property
    def held(self) -> int:
        with self._lock:
            return len(self._first) + len(self._rest)

    @property
    def away(self) -> bool:
        return self._away_since is not None

    def write(self, what: str, write: Write, *, first: bool = False) -> bool:
        """Make `write` in a transaction of its own now, or hold it (`what` names it in the log, without the number);
        `first`: an opt-out. True when it is in the database."""
        with self._lock:
            if not self.held and not self.away:
                try:
                    with self.sessions.begin() as session:
                        write(session)
                    return True
                except DBAPIError as exc:
                    if not unreachable(exc):
                        raise
                    self.went_away(exc)
            (self._first if first else self._rest).append((what, write))
            log.info("%s kept in memory until the database answers (%d held)", what, self.held)
            return False

    def went_away(self, exc: BaseException) -> None:
        """The database did not answer (here, or to anyone who tried): say so once, and hold dialling."""
        with self._lock:
            if self._away_since is not None:
                return
            self._away_since, self._asked = time.monotonic(), time.monotonic()
        log.error("the database does not answer (%s): no call is placed until it does; calls in progress go on and "
                  "what they record is kept in memory", reason(exc))  # fmt: skip

    def answers(self) -> bool:
        """Whether calls may be placed: the database answers and every held write is made (opt-outs first). While it
        is away, asked at most every `ASK_EVERY_SECONDS`."""
        with self._lock:
            if not self.away and not self.held:
                return True
            if self.away and time.monotonic() - self._asked < ASK_EVERY_SECONDS:
                return False
            self._asked = time.monotonic()
        try:  # asked outside the lock: a server that does not answer at all takes its timeout, and calls write here
            with self.sessions() as session:
                session.execute(text("SELECT 1"))
        except DBAPIError as exc:
            if not unreachable(exc):
                raise
            self.went_away(exc)
            return False
        with self._lock:
            if not self.away and not self.held:
                return True  # another thread wrote them meanwhile
            made = self.held
            try:
                for queue in (self._first, self._rest):
                    while queue:
                        what, write = queue[0]
                        self._replay(what, write)
                        queue.popleft()
            except DBAPIError as exc:  # away again: `_replay` raised it
                self.went_away(exc)
                return False
            away = time.monotonic() - self._away_since if self._away_since is not None else 0.0
            self._away_since = None
            if self.drained is not None:
                self.drained()
        log.warning("the database answers again after %.1f s: %d records kept in memory written; dialling resumes",
                    away, made)  # fmt: skip
        return True

    def _replay(self, what: str, write: Write) -> None:
        try:
            with self.sessions.begin() as session:
                write(session)
        except Exception as exc:
            if isinstance(exc, DBAPIError) and unreachable(exc):
                raise
            # Not the database's absence: this write would fail for ever, and must not hold back those behind it.
            log.exception("%s could not be written once the database answered; dropped", what)

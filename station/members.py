"""Which stations are running: each one registers, beats every few seconds, and is taken for dead when it stops.

A station that stops beating (killed, machine gone) is recovered by any live station:
its calls are closed as interrupted and its claims freed (`dialer.interrupted`). A
restarted node recovers its own previous run at once, without waiting.
"""

from __future__ import annotations

import datetime as dt
import os
import socket

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from station.models import StationRecord
from tierdial.config import Config
from tierdial.db import utcnow
from tierdial.errors import UserError

HEARTBEAT_SECONDS = 3.0
DEAD_AFTER_SECONDS = 12.0  # four beats missed


def node_name(config: Config) -> str:
    return config.station.name or socket.gethostname()


def register(session: Session, instance: str, name: str, console_url: str | None = None) -> None:
    """Enter this run; refuses if a station of the same name is alive (two nodes given one name)."""
    now = utcnow()
    alive = session.scalars(
        select(StationRecord).where(
            StationRecord.name == name,
            StationRecord.stopped_at.is_(None),
            StationRecord.heartbeat_at > now - dt.timedelta(seconds=DEAD_AFTER_SECONDS),
        )
    ).first()
    if alive is not None and not _gone(alive):
        raise UserError(
            f"a station named {name!r} is already running on {alive.host} (pid {alive.pid}); give each node its own "
            "station.name in config.yaml"
        )
    record = StationRecord(instance=instance, name=name, host=socket.gethostname(), pid=os.getpid())
    record.console_url, record.started_at, record.heartbeat_at = console_url, now, now
    session.add(record)


def _gone(record: StationRecord) -> bool:
    """A run on this host whose process no longer exists (killed a moment ago: its last beat is still fresh)."""
    if record.host != socket.gethostname():
        return False
    try:
        os.kill(record.pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def beat(session: Session, instance: str, draining: bool, console_url: str | None) -> None:
    session.execute(
        update(StationRecord)
        .where(StationRecord.instance == instance)
        .values(heartbeat_at=utcnow(), draining=draining, console_url=console_url)
    )


def stopped(session: Session, instance: str) -> None:
    session.execute(update(StationRecord).where(StationRecord.instance == instance).values(stopped_at=utcnow()))


def to_recover(session: Session, me: str, my_name: str) -> list[StationRecord]:
    """Runs that died and are not recovered yet: silent for too long, or an earlier run of this same node."""
    silent_since = utcnow() - dt.timedelta(seconds=DEAD_AFTER_SECONDS)
    query = select(StationRecord).where(
        StationRecord.instance != me,
        StationRecord.stopped_at.is_(None),
        StationRecord.recovered_at.is_(None),
        (StationRecord.heartbeat_at < silent_since) | (StationRecord.name == my_name),
    )
    return list(session.scalars(query))


def mark_recovered(session: Session, instance: str) -> None:
    session.execute(update(StationRecord).where(StationRecord.instance == instance).values(recovered_at=utcnow()))


def live_stations(session: Session) -> list[StationRecord]:
    silent_since = utcnow() - dt.timedelta(seconds=DEAD_AFTER_SECONDS)
    query = select(StationRecord).where(StationRecord.stopped_at.is_(None), StationRecord.heartbeat_at >= silent_since)
    return list(session.scalars(query.order_by(StationRecord.name)))

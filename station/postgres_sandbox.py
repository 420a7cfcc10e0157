"""A throwaway PostgreSQL server on a free loopback port, for the cluster benchmark and the tests.

Debian's `postgresql` package provides the binaries (`scripts/setup.sh --test` installs it).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tierdial.errors import UserError
from tierdial.ports import free_port


class PostgresServer:
    """A throwaway PostgreSQL cluster on a free loopback port, run as the `postgres` user when we are root."""

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            raise UserError("PostgreSQL binaries not found: run scripts/setup.sh --test (installs postgresql)")
        self.bin = Path(found[-1]).parent
        # Its own folder: pytest's temporary folders are private to the user running the tests.
        base = Path(tempfile.mkdtemp(prefix="tierdial-pg-"))
        self.data = base / "pgdata"
        self.port = free_port()
        self._as_user: list[str] = []
        if os.geteuid() == 0:  # initdb refuses to run as root
            user = pwd.getpwnam("postgres")
            shutil.chown(base, user.pw_uid, user.pw_gid)
            self._as_user = ["runuser", "-u", "postgres", "--"]
        self.socket_dir = base

    def _run(self, *command: str) -> None:
        subprocess.run([*self._as_user, *command], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "tierdial", "--auth=trust", "-E", "UTF8")
        self.resume()

    def resume(self) -> None:
        """Start the server on its port and data folder (again, after `halt`); returns once it accepts connections."""
        options = f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-w",
            "-l",
            str(self.socket_dir / "pg.log"),
            "start",
        )
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)

    def halt(self) -> None:
        """Stop the server as an administrator's restart does (its clients disconnected), keeping its data."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def new_database(self, name: str) -> str:
        """An empty database of its own, for a test that must not share one; returns its URL."""
        self._run(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "tierdial", name)
        return f"postgresql+psycopg://tierdial@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        subprocess.run(
            [*self._as_user, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(self.socket_dir, ignore_errors=True)

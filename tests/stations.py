"""Running `tierdial serve` nodes in tests: their configuration, callees inside the calling window, polls."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

from dialer.sim.setup import phones_inside_calling_window  # noqa: F401  (tests import it from here)
from station.sim_nodes import scenario_file, station_config  # noqa: F401  (tests import them from here)
from tests.helpers import ROOT
from tierdial import processes


def serve(config: Path, *extra: str) -> processes.Service:
    """`tierdial serve` with this config, started and listening (its console's address is the service's)."""
    return processes.start_service(["--config", str(config), *extra, "serve"], "listening on", cwd=ROOT)


def get_json(url: str, token: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


class Person:
    """Someone signed in to a node's console over HTTP, as a browser is: a session cookie and the page's CSRF token.
    The session outlives a restart of the node (its signing key is kept in the data folder)."""

    def __init__(self, console: str, name: str, password: str) -> None:
        import http.cookiejar
        import re
        import urllib.parse

        self.console = console
        self._opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        page = self._opener.open(f"{console}/login", timeout=10).read().decode()
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        form = urllib.parse.urlencode({"name": name, "password": password, "csrf_token": csrf}).encode()
        self._opener.open(f"{console}/login", data=form, timeout=10)
        page = self._opener.open(f"{console}/", timeout=10).read().decode()
        self.csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)  # type: ignore[union-attr]

    def get(self, path: str) -> dict:
        with self._opener.open(f"{self.console}{path}", timeout=10) as reply:
            return json.loads(reply.read())

    def post(self, path: str, body: dict) -> dict:
        headers = {"Content-Type": "application/json", "X-CSRFToken": self.csrf}
        request = urllib.request.Request(f"{self.console}{path}", json.dumps(body).encode(), headers, method="POST")
        with self._opener.open(request, timeout=10) as reply:
            return json.loads(reply.read())

"""The console faults of `tierdial bench faults`: a console-only node (`tierdial console serve`, on the station's
database) killed with SIGKILL while calls are up.

console_killed_upload: a script sends a call list too big to load within the request (it is loaded in the
background) to a console node, which is killed twice: once while it receives the file, once while it loads it. A
second console node is then asked what became of the upload, and the script sends the list again there. Figures
added to the fault's:

- half_written: killed uploads that left contacts in the campaign, or whose import is not reported failed once
  another console node has looked (or that left their file, with its names and numbers, on disk);
- list_wrong: contacts the campaign holds after the upload that went through, minus the rows of the list, plus the
  numbers it holds twice (0 when the list is there whole, once).

console_killed_takeover (on PostgreSQL, where a console node reaches the station holding a call): the agent clicks
Take over on a console node, which is killed while the click is still arriving (the takeover must not happen, the
call must stay up with the bot); the agent clicks again on a second node, killed the moment the station carries the
takeover out, before it can answer; then again on a third. Figure added:

- takeover_lost: 1 when the call, at the end, is not bridged to the agent who clicked (or ended without being), or
  the second click was refused; 0 when the agent has the call.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from sqlalchemy import func, select

from console.tokens import create_token
from dialer.campaigns import create_campaign
from dialer.models import CallAttempt, CampaignStatus, Contact
from dialer.sim.setup import AGENT
from tierdial.messages import Bridged, Takeover
from tierdial.polling import poll_until
from tierdial.processes import Service, start_service

if TYPE_CHECKING:
    from station.assembly import Station

LIST_ROWS = 80_000  # 1.1 MB: over the console's 1 MB loaded within the request, so it loads in the background
LOADING_CPU_SECONDS = 1.0  # into the load when the node is killed
TERMS = "source=crm+export&consent_basis=existing_customer&name=leads.csv&format=csv"


def big_list(rows: int = LIST_ROWS) -> bytes:
    return ("phone\n" + "".join(f"010-5{k // 10_000:03d}-{k % 10_000:04d}\n" for k in range(rows))).encode()


class ConsoleNodes:
    """Console-only nodes on the station's database and one data folder of their own (as a node restarted on the
    same machine would find it), and a script's token."""

    def __init__(self, station: Station) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="tierdial-faults-console-"))
        data = station.config.model_dump(mode="json")
        data["data_dir"] = str(self.folder / "var")
        data["console"] = {**data["console"], "port": 0}
        self.config = self.folder / "console.yaml"
        self.config.write_text(yaml.safe_dump(data), encoding="utf-8")
        with station.sessions.begin() as session:
            self.token = create_token(session, "faults bench", ["lists:write", "calls:write"], "bench")
        self.nodes: list[Service] = []

    def start(self) -> Service:
        node = start_service(["--config", str(self.config), "console", "serve", "--port", "0"], "console listening on")
        self.nodes.append(node)
        return node

    def uploads_left(self) -> list[Path]:
        return list((self.folder / "var" / "uploads").glob("*.upload"))

    def request(self, node: Service, method: str, path: str, body: bytes | dict | None = None) -> tuple[int, dict]:
        connection = http.client.HTTPConnection(*node.address, timeout=60)
        headers = {"Authorization": f"Bearer {self.token}"}
        if isinstance(body, dict):
            body, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        try:
            connection.request(method, path, body=body, headers=headers)
            reply = connection.getresponse()
            return reply.status, json.loads(reply.read() or b"{}")
        finally:
            connection.close()

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def kill(node: Service) -> None:
    os.kill(node.pid, signal.SIGKILL)
    node.process.wait(10)


def _kill_receiving(nodes: ConsoleNodes, campaign: str, body: bytes) -> None:
    """Send most of the list, and kill the node once it has spooled half of it (its web server spools a body to a
    file of its own before the console sees it: what is cut here never reaches the console)."""
    node = nodes.start()
    before = _bytes_written(node.pid)
    connection = http.client.HTTPConnection(*node.address, timeout=60)
    connection.putrequest("POST", f"/api/v1/campaigns/{campaign}/lists?{TERMS}")
    connection.putheader("Authorization", f"Bearer {nodes.token}")
    connection.putheader("Content-Type", "text/csv")
    connection.putheader("Content-Length", str(len(body)))
    connection.endheaders()
    connection.send(body[: len(body) * 19 // 20])
    spooled = lambda: _bytes_written(node.pid) - before > len(body) // 2  # noqa: E731
    poll_until(spooled, 30, "the node spooling the upload", every=0.05)
    kill(node)
    connection.close()


def _bytes_written(pid: int) -> int:
    """What the process has written so far (files, pipes; sockets are not counted)."""
    fields = dict(line.split(": ") for line in Path(f"/proc/{pid}/io").read_text().splitlines())
    return int(fields["wchar"])


def _kill_loading(nodes: ConsoleNodes, campaign: str, body: bytes) -> tuple[int, float]:
    """Send the whole list, and kill the node while it loads it (once the load has taken a second of its CPU: the
    whole load takes several); returns the import and the seconds it had been loading."""
    node = nodes.start()
    status, accepted = nodes.request(node, "POST", f"/api/v1/campaigns/{campaign}/lists?{TERMS}", body)
    accepted_at, cpu = time.monotonic(), _cpu_seconds(node.pid)
    assert status == 202, (status, accepted)
    poll_until(lambda: _cpu_seconds(node.pid) - cpu >= LOADING_CPU_SECONDS, 60, "the node loading the list", every=0.02)
    kill(node)
    return accepted["import_id"], time.monotonic() - accepted_at


def _cpu_seconds(pid: int) -> float:
    """The process's CPU time so far (user and system), from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def upload_killed(station: Station, seen) -> tuple[float, str]:  # type: ignore[no-untyped-def]
    poll_until(lambda: len(seen.up()) >= 2, 120, "calls up before the console is killed (bench faults)", every=0.1)
    with station.sessions.begin() as session:
        defaults = station.config.campaign_defaults
        campaign_id = create_campaign(session, "faults upload", defaults, status=CampaignStatus.draft).id
    nodes, body = ConsoleNodes(station), big_list()
    try:
        _kill_receiving(nodes, "faults%20upload", body)
        killed = time.time()
        import_id, loading_s = _kill_loading(nodes, "faults%20upload", body)
        survivor = nodes.start()
        _, after = nodes.request(survivor, "GET", f"/api/v1/imports/{import_id}")
        kept, left = _contacts(station, campaign_id), nodes.uploads_left()  # the survivor swept on its first request
        reported = after.get("status") == "failed" and str(after.get("error", "")).startswith("interrupted")
        half_written = int(kept > 0) + int(not reported) + int(bool(left))
        status, accepted = nodes.request(survivor, "POST", f"/api/v1/campaigns/faults%20upload/lists?{TERMS}", body)
        assert status == 202, (status, accepted)
        done = poll_until(
            lambda: (r := nodes.request(survivor, "GET", accepted["status_url"])[1])["status"] != "running" and r,
            120, "the list uploaded again to load", every=0.2,
        )  # fmt: skip
        loaded_s = time.time() - killed
        told = "was interrupted; marked failed" in survivor.errors()
        said = "the other node's log says so" if told else "no log says so"
    finally:
        nodes.stop()
    total, distinct = _contacts(station, campaign_id), _contacts(station, campaign_id, distinct=True)
    list_wrong = abs(total - LIST_ROWS) + (total - distinct)
    seen.audit.update(half_written=half_written, list_wrong=list_wrong)
    notes = (
        f"console node killed receiving a list of {LIST_ROWS} rows, then {loading_s:.1f} s into loading it, "
        f"{len(seen.up())} calls up; another node reports the import {after.get('status')} ({after.get('error')}), "
        f"{kept} contacts kept, {len(left)} upload files left ({said}); sent again there: {done['status']}, "
        f"{done['loaded']} loaded, {total} contacts ({total - distinct} numbers twice), {loaded_s:.1f} s after the "
        "first kill"
    )
    return killed, notes


def _contacts(station: Station, campaign_id: int, *, distinct: bool = False) -> int:
    counted = func.count(func.distinct(Contact.phone_e164)) if distinct else func.count(Contact.id)
    with station.sessions() as session:
        return session.scalar(select(counted).where(Contact.campaign_id == campaign_id)) or 0


def takeover_killed(station: Station, seen) -> tuple[float, str]:  # type: ignore[no-untyped-def]
    nodes = ConsoleNodes(station)
    try:
        cut, first, second = nodes.start(), nodes.start(), nodes.start()  # all listening before the clicks
        call_id = poll_until(lambda: _takeable(station, seen), 120, "a call up to take over (bench faults)", every=0.1)
        killed: list[float] = []
        bridged = threading.Event()

        def on_takeover(message: Takeover) -> None:  # in the station, as it carries the click out
            if message.call_id == call_id and not killed:
                os.kill(first.pid, signal.SIGKILL)  # before the station's answer can reach the node
                killed.append(time.time())

        def on_bridged(message: Bridged) -> None:
            if message.call_id == call_id:
                bridged.set()

        unsubscribe = [station.bus.subscribe(on_takeover, Takeover), station.bus.subscribe(on_bridged, Bridged)]
        path, click = f"/api/v1/calls/{call_id}/takeover", {"agent": AGENT}
        _click_cut(nodes, cut, path, json.dumps(click).encode())
        untouched = call_id in station.flow.calls and station.flow.calls[call_id].taken_over_by is None
        try:
            answer = str(nodes.request(first, "POST", path, click))
        except (OSError, http.client.HTTPException) as exc:  # the node died under the click
            answer = f"no answer ({type(exc).__name__})"
        first.process.wait(10)
        status, again = nodes.request(second, "POST", path, click)
        agent_has_it = bridged.wait(15) and _bridged_to(station, call_id) == AGENT
        for stop in unsubscribe:
            stop()
    finally:
        nodes.stop()
    seen.audit["takeover_lost"] = int(not (untouched and agent_has_it and status == 202 and killed))
    notes = (
        f"console node killed with a takeover click half sent: the call {'stayed' if untouched else 'did not stay'} "
        f"up with the bot; another killed as the station carried the click out, {len(seen.up())} calls up: it got "
        f"{answer}; clicked again on another node: {status} {again.get('status') or again.get('message')}; the "
        f"call is {'bridged to the agent' if agent_has_it else 'not bridged to the agent'}"
    )
    return (killed[0] if killed else time.time()), notes


def _click_cut(nodes: ConsoleNodes, node: Service, path: str, click: bytes) -> None:
    """Send the click's headers and half its body, then kill the node: the click never reaches the station."""
    connection = http.client.HTTPConnection(*node.address, timeout=60)
    connection.putrequest("POST", path)
    connection.putheader("Authorization", f"Bearer {nodes.token}")
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Content-Length", str(len(click)))
    connection.endheaders()
    connection.send(click[: len(click) // 2])
    kill(node)
    connection.close()


def _takeable(station: Station, seen) -> str | None:  # type: ignore[no-untyped-def]
    """A call up whose callee has not opted out (an opt-out is never handed to an agent), answered a moment ago."""
    for call_id in reversed(seen.up()):
        call = station.flow.calls.get(call_id)
        if call is not None and call.final_tier not in ("E",) and not call.taken_over_by:
            return call_id
    return None


def _bridged_to(station: Station, call_id: str) -> str | None:
    with station.sessions() as session:
        return session.scalar(select(CallAttempt.agent_name).where(CallAttempt.call_id == call_id))

"""`tierdial serve` as an operations team runs it: started, asked if it is ready, given a campaign from the command
line while it runs, stopped with SIGTERM (drained), and killed with -9 mid-campaign then started again."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select

from asr.models import TranscriptSegment
from dialer.campaign_stats import campaign_stats
from dialer.models import CallAttempt, CallOutcome, Contact, ContactStatus, DoNotCall
from intent.models import TierDecision
from station.models import StationRecord
from tests.helpers import run_cli, wait_until
from tests.stations import (
    Person,
    get_json,
    phones_inside_calling_window,
    scenario_file,
    serve,
    station_config,
)
from tierdial.db import utcnow
from tierdial.processes import child_processes, command_line, running
from tierdial.schema import migrated_database

pytestmark = pytest.mark.realtime

HOT = [{"wav": "heldout/ko_A_003.wav"}, {"wav": "heldout/ko_C_020.wav", "after": "pause", "pause": 1.5}]
LATER = [{"wav": "heldout/ko_C_020.wav"}]
OPT_OUT = [{"wav": "heldout/ko_E_040.wav"}]


def _load_campaign(config: Path, folder: Path, phones: list[str], name: str = "spring") -> None:
    """As an operator would: create the campaign, load its list with source and consent basis, start it."""
    for command in (
        ("campaigns", "create", name),
        ("lists", "import", str(_csv(folder, phones)), "--campaign", name, "--source", "crm export",
         "--consent-basis", "existing_customer"),
        ("campaigns", "start", name),
    ):  # fmt: skip
        result = run_cli("--config", str(config), *command)
        assert result.returncode == 0, result.stderr


def _csv(folder: Path, phones: list[str]) -> Path:
    path = folder / f"list-{len(list(folder.glob('list-*.csv')))}.csv"
    path.write_text("phone\n" + "\n".join(phones) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def callees(tmp_path: Path, start_service):  # type: ignore[no-untyped-def]
    """A callee simulator for the numbers given; returns its port."""

    def start(numbers: dict[str, dict]) -> int:
        address, _ = start_service("sim", "callees", "--scenario", str(scenario_file(tmp_path, numbers)))
        return address[1]

    return start


def test_serve_dials_a_campaign_started_while_it_runs_and_drains_on_sigterm(
    tmp_path: Path, model_file: Path, callees, start_service
) -> None:
    phones = phones_inside_calling_window(3)
    port = callees({phones[0]: {"say": LATER}, phones[1]: {"say": OPT_OUT}, phones[2]: {"say": LATER}})
    headset, _ = start_service("sim", "agent")
    config = station_config(tmp_path, port, headset_port=headset[1], lines=2, intent={"model_path": str(model_file)})
    node = serve(config)
    try:
        console = f"http://{node.address[0]}:{node.address[1]}"
        status, ready = get_json(f"{console}/readyz")
        assert status == 200 and ready["checks"] == {
            "database": True, "engine": True, "asr": True, "accepting_calls": True,
        }, ready  # fmt: skip
        _load_campaign(config, tmp_path, phones)  # started from the command line while the station runs
        sessions = migrated_database(f"sqlite:///{tmp_path / 'var' / 'tierdial.db'}")

        def answered() -> int:
            with sessions() as session:
                return session.scalar(select(func.count()).where(CallAttempt.answered_at.is_not(None)))

        wait_until(answered, 90, "a call of the campaign started meanwhile to be answered")
        node.process.send_signal(signal.SIGTERM)
        asked_to_stop = utcnow()
        assert node.process.wait(timeout=90) == 0
    finally:
        node.stop()
    assert "draining: no new dials" in node.errors()
    with sessions() as session:
        attempts = list(session.scalars(select(CallAttempt)))
        assert attempts and all(a.outcome is not CallOutcome.in_progress for a in attempts)  # ended normally
        assert all(a.started_at < asked_to_stop for a in attempts)  # no dial after SIGTERM
        assert session.scalar(select(StationRecord.stopped_at).where(StationRecord.name == "node-a")) is not None


def test_a_killed_station_loses_nothing_and_its_restart_dials_nobody_twice(
    tmp_path: Path, model_file: Path, callees, start_service
) -> None:
    phones = phones_inside_calling_window(5)
    talkers = {phone: {"say": HOT, "hangup_after_seconds": 60} for phone in phones[:3]}
    port = callees({**talkers, phones[3]: {"say": OPT_OUT}, phones[4]: {"say": LATER}})
    headset, _ = start_service("sim", "agent")
    config = station_config(
        tmp_path, port, headset_port=headset[1], lines=4, intent={"model_path": str(model_file)},
        campaign_defaults={"pacing": "lines"},  # every line busy: several calls up when the station dies
    )  # fmt: skip
    node = serve(config)
    sessions = migrated_database(f"sqlite:///{tmp_path / 'var' / 'tierdial.db'}")
    try:
        _load_campaign(config, tmp_path, phones[:4])

        def mid_call() -> list[CallAttempt] | None:
            with sessions() as session:
                if not session.scalar(select(func.count()).select_from(DoNotCall)):
                    return None  # the opt-out first: it must survive the crash
                talking = [
                    a
                    for a in session.scalars(select(CallAttempt).where(CallAttempt.outcome == CallOutcome.in_progress))
                    if a.answered_at
                    and session.scalar(select(func.count()).where(TranscriptSegment.call_id == a.call_id))
                ]
            return talking if len(talking) >= 2 else None

        cut = wait_until(mid_call, 120, "an opt-out committed and two calls up with words transcribed")
        with sessions() as session:
            heard_before = session.scalar(select(func.count()).select_from(TranscriptSegment))
            tiers_before = session.scalar(select(func.count()).select_from(TierDecision))
        children = child_processes(node.pid)
        assert children, "the station runs its ASR service and SIP workers as processes of its own"
        os.kill(node.pid, signal.SIGKILL)
        node.process.wait(timeout=10)
    finally:
        node.stop()

    # Nothing of the killed station keeps running, holding ports or calls: its ASR service and SIP workers end too.
    def left() -> list[str]:
        return [" ".join(command_line(pid)) for pid in children if running(pid)]

    try:
        wait_until(lambda: not left(), 20, "the killed station's processes to end")
    except AssertionError as failure:
        raise AssertionError(f"{failure}; still running: {left()}") from None
    restarted_at = utcnow()
    node = serve(config)  # the same node again, seconds later
    try:
        cut_ids = {a.call_id for a in cut}

        def closed() -> list[CallAttempt] | None:
            with sessions() as session:
                rows = list(session.scalars(select(CallAttempt).where(CallAttempt.call_id.in_(cut_ids))))
            return rows if all(a.outcome is CallOutcome.interrupted for a in rows) else None

        for attempt in wait_until(closed, 30, "the cut calls to be closed as interrupted"):
            assert attempt.ended_at is not None and attempt.hangup_cause.startswith("station node-a")
        # A contact loaded after the restart is dialled: the restarted station has served the campaign since.
        _load_more(config, tmp_path, phones[4:])

        def dialled_new() -> bool:
            with sessions() as session:
                contact = session.scalar(select(Contact.id).where(Contact.phone_e164 == phones[4]))
                return bool(session.scalar(select(func.count()).where(CallAttempt.contact_id == contact)))

        wait_until(dialled_new, 90, "the contact loaded after the restart to be dialled")
    finally:
        node.stop()
    with sessions() as session:
        for attempt in cut:
            contact = session.get(Contact, attempt.contact_id)
            assert contact.claimed_by is None and contact.attempts == 1
            if session.get(CallAttempt, attempt.id).final_tier == "E":  # cut while confirming the opt-out
                assert contact.status is ContactStatus.closed
            else:  # answered, no agent had it: treated as abandoned, so not called again within 72 h
                assert contact.next_attempt_at - restarted_at > dt.timedelta(hours=71)
            later = session.scalar(
                select(func.count()).where(
                    CallAttempt.contact_id == contact.id, CallAttempt.started_at > attempt.started_at
                )
            )
            assert later == 0, "dialled twice"
        assert session.scalar(select(func.count()).select_from(DoNotCall)) == 1
        assert session.scalar(select(func.count()).select_from(TranscriptSegment)) >= heard_before
        assert session.scalar(select(func.count()).select_from(TierDecision)) >= tiers_before
        # The cut calls count against the campaign's abandonment: its budget does not forget them.
        today = campaign_stats(session, utcnow())["campaigns"][0]["today"]
        assert today["abandoned"] >= len(cut) and today["live_answers"] >= len(cut)


def test_an_agent_paused_before_a_crash_is_still_paused_after_the_restart(
    tmp_path: Path, model_file: Path, callees, start_service
) -> None:
    port = callees({})
    headset, _ = start_service("sim", "agent")
    config = station_config(tmp_path, port, headset_port=headset[1], lines=1, intent={"model_path": str(model_file)})
    added = run_cli("--config", str(config), "accounts", "add", "agent1", "--role", "agent", "--password-stdin",
                    input_text="a long enough passphrase\n")  # fmt: skip
    assert added.returncode == 0, added.stderr
    node = serve(config)
    try:
        agent = Person(f"http://{node.address[0]}:{node.address[1]}", "agent1", "a long enough passphrase")
        wait_until(lambda: agent.get("/api/v1/agents/me")["phone"] == "connected", 30, "the shift phone to be up")
        assert agent.post("/api/v1/agents/me/state", {"state": "paused", "reason": "lunch"})["state"] == "paused"
        os.kill(node.pid, signal.SIGKILL)
        node.process.wait(timeout=10)
    finally:
        node.stop()
    node = serve(config)
    try:
        agent.console = f"http://{node.address[0]}:{node.address[1]}"  # the restarted console may have a new port
        # The restart rings the phone for the shift again, and she is still on her break: offered no call.
        status = wait_until(
            lambda: (me := agent.get("/api/v1/agents/me"))["phone"] == "connected" and me, 30, "the phone rung again"
        )
        assert (status["state"], status["reason"]) == ("paused", "lunch"), status
    finally:
        node.stop()


def test_the_asr_service_killed_under_a_station_runs_again_and_the_next_calls_are_heard(
    tmp_path: Path, model_file: Path, callees, start_service
) -> None:
    """A list loaded while no recogniser answers waits for one: a call placed then would go unheard, and an opt-out
    said on it would be lost."""
    phones = phones_inside_calling_window(1)
    port = callees({phones[0]: {"say": LATER}})
    config = station_config(tmp_path, port, lines=1, intent={"model_path": str(model_file)})
    node = serve(config)
    try:
        console = f"http://{node.address[0]}:{node.address[1]}"
        (asr,) = [pid for pid in child_processes(node.pid) if "asr" in command_line(pid)]
        os.kill(asr, signal.SIGKILL)
        _load_campaign(config, tmp_path, phones)  # the ASR service starts again meanwhile: several seconds

        def serving_again() -> bool:
            status, ready = get_json(f"{console}/readyz")
            return status == 200 and ready["checks"]["asr"] and asr not in child_processes(node.pid)

        wait_until(serving_again, 60, "the station to start its ASR service again")
        sessions = migrated_database(f"sqlite:///{tmp_path / 'var' / 'tierdial.db'}")

        def heard() -> int:
            with sessions() as session:
                return session.scalar(select(func.count()).select_from(TranscriptSegment))

        wait_until(heard, 90, "the next call's words to be transcribed")
    finally:
        node.stop()
    assert "the ASR service ended" in node.errors()
    assert "no recogniser answers: no call is placed until one does" in node.errors()


def _load_more(config: Path, folder: Path, phones: list[str]) -> None:
    result = run_cli("--config", str(config), "lists", "import", str(_csv(folder, phones)), "--campaign", "spring",
                     "--source", "crm export", "--consent-basis", "existing_customer")  # fmt: skip
    assert result.returncode == 0, result.stderr


def test_serve_refuses_a_second_node_of_the_same_name(tmp_path: Path, model_file: Path, callees) -> None:
    port = callees({})
    config = station_config(tmp_path, port, intent={"model_path": str(model_file)})
    node = serve(config)
    try:
        second = subprocess.run(
            [*node.process.args[:3], "--config", str(config), "serve"], capture_output=True, text=True, timeout=120
        )
        assert second.returncode == 2
        assert "a station named 'node-a' is already running" in second.stderr
    finally:
        node.stop()

"""A site's own Asterisk, configured from config.yaml: `tierdial asterisk config`, trunks with digest auth and
registration, agents' phones registering to their endpoints, and recording, against the real sandbox Asterisk."""

from __future__ import annotations

import json
import subprocess
import time
import wave
from pathlib import Path

import pytest
import yaml

from dialer.telephony.asterisk.sandbox import AsteriskSandbox, sandbox_for
from dialer.telephony.engine import Dial
from tests.helpers import (
    SPEECH,
    asterisk_config,
    following_calls,
    free_udp_port,
    heard_pcm,
    messages_until,
    pieces_heard,
    require_sandbox_tools,
    run_cli,
    sipp,
    wait_until,
)
from tierdial.messages import Answered, CallEnded, FinalTranscript

pytestmark = [pytest.mark.asterisk, pytest.mark.realtime]


def _finished(process: subprocess.Popen[bytes], timeout: float = 20) -> int:
    try:
        return process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return -1


def test_asterisk_config_writes_the_files_and_never_overwrites_unasked(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    settings = {
        "engine": "asterisk",
        "asterisk": {"ami_secret": "s3cret", "sip_bind": "0.0.0.0:5060", "amd": True, "record_calls": True},
        "trunks": [{"name": "carrier", "uri": "sip:sip.carrier.test:5060", "username": "acme", "password": "pw",
                    "registration": True}],
        "caller_numbers": [{"number": "+82 2 3456 7890", "trunk": "carrier", "region": "KR", "owned": True}],
        "agents": [{"name": "agent1", "sip_secret": "a1"}, {"name": "agent2"}],
    }  # fmt: skip
    config.write_text(yaml.safe_dump(settings))
    out = tmp_path / "asterisk"
    result = run_cli("--config", str(config), "asterisk", "config", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "give them a sip_secret" in result.stdout and "agent2" in result.stdout
    pjsip = (out / "pjsip.conf").read_text()
    for line in ("bind = 0.0.0.0:5060", "outbound_auth = carrier-auth", "server_uri = sip:sip.carrier.test:5060",
                 "client_uri = sip:acme@sip.carrier.test:5060", "[agent1-auth]", "password = a1"):  # fmt: skip
        assert line in pjsip
    assert "[agent2]" not in pjsip
    dialplan = (out / "extensions.conf").read_text()
    assert "AMD(" in dialplan and "MixMonitor(" in dialplan
    assert "secret = s3cret" in (out / "manager.conf").read_text()
    # Secrets inside: the owner's alone, the folder too (made by the command), until installed for Asterisk's user.
    assert {path.name: path.stat().st_mode & 0o777 for path in out.iterdir()} == dict.fromkeys(
        ("manager.conf", "pjsip.conf", "extensions.conf"), 0o600
    )
    assert out.stat().st_mode & 0o777 == 0o700

    (out / "pjsip.conf").write_text("; the site's own edits\n")
    (out / "pjsip.conf").chmod(0o644)
    again = run_cli("--config", str(config), "asterisk", "config", "--out", str(out))
    assert again.returncode == 2 and "--force" in again.stderr
    assert (out / "pjsip.conf").read_text() == "; the site's own edits\n"
    forced = run_cli("--config", str(config), "asterisk", "config", "--out", str(out), "--force")
    assert forced.returncode == 0 and "[carrier]" in (out / "pjsip.conf").read_text()
    assert (out / "pjsip.conf").stat().st_mode & 0o777 == 0o600  # narrowed before the secrets went in


def test_asterisk_config_refuses_an_ami_user_without_a_secret(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"engine": "asterisk", "asterisk": {"sandbox": True}}))
    result = run_cli("--config", str(config), "asterisk", "config", "--out", str(tmp_path / "out"))
    assert result.returncode == 2 and "ami_secret" in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_trunk_with_digest_auth_registers_and_its_calls_authenticate(asr_service) -> None:  # type: ignore[no-untyped-def]
    require_sandbox_tools()
    registrar_port, carrier_port = free_udp_port(), free_udp_port()
    registrar = sipp("carrier_registrar.xml", port=registrar_port)  # up before Asterisk registers
    carrier = sipp("carrier_challenges_invite.xml", port=carrier_port)  # both want user acme, password pw
    trunk = {"name": "carrier", "uri": f"sip:127.0.0.1:{registrar_port}", "username": "acme", "password": "pw",
             "registration": True}  # fmt: skip
    with (
        sandbox_for(asterisk_config(trunk)) as (sandboxed, sandbox),
        following_calls(sandboxed, asr_service) as (
            follower,
            seen,
        ),
    ):
        assert _finished(registrar) == 0, registrar.stderr.read().decode()[-2000:] if registrar.stderr else ""
        assert _registered(sandbox, "carrier-registration")
        follower.originate(Dial("authed", f"sip:+821012345678@127.0.0.1:{carrier_port}", "+8225550100",
                                trunk="carrier"))  # fmt: skip
        messages_until(seen, lambda m: isinstance(m, Answered | CallEnded), 15)
        follower.hangup("authed")
        ended = messages_until(seen, lambda m: isinstance(m, CallEnded), 15)[-1]
    assert _finished(carrier) == 0, "the carrier did not accept the INVITE's digest"
    assert isinstance(ended, CallEnded) and ended.outcome == "answered", ended


def _registered(sandbox: AsteriskSandbox, name: str, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if "Registered" in sandbox.cli(f"pjsip show registration {name}"):
            return True
        time.sleep(0.2)
    return False


def test_an_agents_phone_registers_with_its_secret_and_gets_the_shift_leg(asterisk, asr_service, start_service) -> None:  # type: ignore[no-untyped-def]
    config = asterisk[2]
    (_, headset_port), _ = start_service("sim", "agent", ready="agent simulator")
    sip = config.asterisk.sip_bind
    register = ["-s", "agent1", "-au", "agent1", "-key", "contact_port", str(headset_port), sip]
    wrong = sipp("agent_phone_registers.xml", *register, "-ap", "not-the-secret", "-recv_timeout", "3000")
    assert _finished(wrong) != 0, "a phone with the wrong secret must not register"
    assert wrong.stderr and "SIP/2.0 401" in wrong.stderr.read().decode()  # refused for its secret, not as unknown
    right = sipp("agent_phone_registers.xml", *register, "-ap", "agent1-secret")
    assert _finished(right) == 0, right.stderr.read().decode()[-2000:] if right.stderr else ""
    with following_calls(config, asr_service) as (follower, seen):
        follower.connect_agent("agent1", "agent-agent1")  # the endpoint's name: wherever the phone registered
        answered = messages_until(seen, lambda m: isinstance(m, Answered | CallEnded), 15)[-1]
        assert answered == Answered("agent-agent1")
        follower.hangup("agent-agent1")
        messages_until(seen, lambda m: isinstance(m, CallEnded), 15)


def test_answered_calls_are_recorded_when_enabled(asr_service, start_service, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    require_sandbox_tools()
    phone, words = "+821020000009", SPEECH / "heldout" / "ko_A_003.wav"
    scenario = tmp_path / "scenario.yaml"
    line = {"wav": str(words), "after": "pause", "pause": 0.5}
    scenario.write_text(json.dumps({"numbers": {phone: {"action": "answer", "ring_seconds": 0.2, "say": [line]}}}))
    (_, callee_port), _ = start_service("sim", "callees", "--scenario", str(scenario), ready="listening on")
    with (
        sandbox_for(asterisk_config(record_calls=True)) as (sandboxed, sandbox),
        following_calls(sandboxed, asr_service) as (follower, seen),
    ):
        follower.originate(Dial("recorded", f"sip:{phone}@127.0.0.1:{callee_port}", "+8225550100", trunk="sim"))
        messages_until(seen, lambda m: isinstance(m, Answered), 15)
        answered_at = time.monotonic()
        messages_until(seen, lambda m: isinstance(m, FinalTranscript) and bool(m.text), 15)  # the line was said
        # The call lasts 4.5 s (longer if the line came late), the length its recording is checked against.
        time.sleep(max(0.0, answered_at + 4.5 - time.monotonic()))
        follower.hangup("recorded")
        messages_until(seen, lambda m: isinstance(m, CallEnded), 15)
        recording = sandbox.outside(sandboxed.asterisk.recordings_dir) / "recorded.wav"
        assert sandboxed.asterisk.recordings_readable_at / "recorded.wav" == recording  # where call review finds it
        wait_until(recording.exists, 5, f"Asterisk's recording of the call, {recording}")
        with wave.open(str(recording)) as w:
            assert 3.5 < w.getnframes() / w.getframerate() < 8
        pieces = pieces_heard(heard_pcm(recording), heard_pcm(words))
        recording.unlink()
    assert pieces and min(pieces) > 0.8, [round(p, 3) for p in pieces]  # the callee's words, at 8 kHz

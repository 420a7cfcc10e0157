"""The Asterisk configuration tierdial needs, as files laid over Debian's defaults.

manager.conf: one AMI user for tierdial, on loopback. pjsip.conf: a UDP transport and the
trunk endpoint (codecs in tierdial's order of preference; P-Asserted-Identity carries the
caller number). extensions.conf: where an answered call goes (to tierdial, over AudioSocket).
"""

from __future__ import annotations

from dialer.telephony.asterisk.ami import AmiAddress

ANSWERED_CONTEXT = "tierdial-answered"
AGENT_HOLD_CONTEXT = "tierdial-agent-hold"
TAKEOVER_CONTEXT = "tierdial-takeover"
SHIFT_SECONDS = 12 * 3600
TRUNK = "trunk"


def manager_conf(ami: AmiAddress) -> str:
    return (
        f"[general]\nenabled = yes\nport = {ami.port}\nbindaddr = {ami.host}\n\n"
        f"[{ami.username}]\nsecret = {ami.secret}\n"
        f"deny = 0.0.0.0/0.0.0.0\npermit = {ami.host}/255.255.255.255\nread = all\nwrite = all\n"
    )


def pjsip_conf(sip_host: str, sip_port: int, codecs: tuple[str, ...] = ("g722", "ulaw", "alaw")) -> str:
    return (
        f"[udp]\ntype = transport\nprotocol = udp\nbind = {sip_host}:{sip_port}\n\n"
        f"[{TRUNK}]\ntype = endpoint\ntransport = udp\ncontext = tierdial-inbound\ndisallow = all\n"
        f"allow = {','.join(codecs)}\nsend_pai = yes\ntrust_id_outbound = yes\n"
    )


def extensions_conf() -> str:
    # The answered callee is bridged to an AudioSocket channel to tierdial: what the callee says streams there at
    # 16 kHz, and what tierdial sends back (the bot) is what the callee hears. The AudioSocket channel, not the
    # AudioSocket() application, which speaks 8 kHz only (so does ChanSpy), and the recogniser needs 16.
    return (
        f"[{ANSWERED_CONTEXT}]\nexten => s,1,NoOp(tierdial call ${{TIERDIAL_CALL_ID}})\n"
        " same => n,Dial(AudioSocket/${TIERDIAL_TAP}/${TIERDIAL_STREAM}/c(slin16))\n"
        " same => n,Hangup()\n\n"
        # An agent's leg, nailed up for the shift: it waits here between calls.
        f"[{AGENT_HOLD_CONTEXT}]\nexten => s,1,Answer()\n same => n(wait),Wait({SHIFT_SECONDS})\n\n"
        # Takeover: the agent hears the callee (ChanSpy, o: the callee's own voice) and talks to the callee (w:
        # whisper), so the callee's bridge to tierdial, and its transcription, go on with no agent voice in them.
        # When the call ends the agent's leg goes back to waiting.
        f"[{TAKEOVER_CONTEXT}]\nexten => s,1,ChanSpy(${{TIERDIAL_CALLEE}},qowE)\n"
        f" same => n,Goto({AGENT_HOLD_CONTEXT},s,wait)\n"
    )


def asterisk_files(ami: AmiAddress, sip_host: str, sip_port: int) -> dict[str, str]:
    return {
        "manager.conf": manager_conf(ami),
        "pjsip.conf": pjsip_conf(sip_host, sip_port),
        "extensions.conf": extensions_conf(),
    }

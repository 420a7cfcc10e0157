"""The Asterisk configuration tierdial needs, as files laid over Debian's defaults.

manager.conf: one AMI user for tierdial, on loopback. pjsip.conf: a UDP transport and the
trunk endpoint (codecs in tierdial's order of preference; P-Asserted-Identity carries the
caller number). extensions.conf: where an answered call goes.
"""

from __future__ import annotations

from dialer.telephony.asterisk.ami import AmiAddress

ANSWERED_CONTEXT = "tierdial-answered"
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
    # For now an answered call waits for tierdial to act on it over AMI, for at most an hour.
    return f"[{ANSWERED_CONTEXT}]\nexten => s,1,NoOp(tierdial call ${{TIERDIAL_CALL_ID}})\n same => n,Wait(3600)\n"


def asterisk_files(ami: AmiAddress, sip_host: str, sip_port: int) -> dict[str, str]:
    return {
        "manager.conf": manager_conf(ami),
        "pjsip.conf": pjsip_conf(sip_host, sip_port),
        "extensions.conf": extensions_conf(),
    }

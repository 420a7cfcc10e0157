"""Setting up a PJSUA2 endpoint the way every tierdial SIP process needs it.

Polling mode (no PJSIP worker threads, events handled by our loop), no sound card,
a 16 kHz conference bridge, and codecs ranked G.722 (16 kHz, what the recogniser
needs) then G.711. Speex is off: PJSIP picks it by default and it degrades the audio.
"""

from __future__ import annotations

import ctypes
import functools
import logging
import os
import sys
from collections.abc import Callable
from typing import Any, TextIO

import pjsua2 as pj

from asr.audio_breaks import AudioArrivals
from dialer.telephony.codecs import PJSIP_CODEC_IDS

BRIDGE_RATE = 16_000
CODEC_PRIORITY = {"G722/16000/1": 255, "PCMU/8000/1": 200, "PCMA/8000/1": 199}
FRAME_USEC = 20_000


def silence_native_stdout() -> TextIO:
    """PJSIP prints a banner on stdout before any log setting applies, and logs nothing there after:
    send the process's file descriptor 1 to /dev/null and return a stream on the original stdout
    for our own output. Our logging goes to stderr, untouched."""
    sys.stdout.flush()
    ours = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    with open(os.devnull, "wb") as devnull:
        os.dup2(devnull.fileno(), 1)
    return ours


def logged(callback: Callable[..., None]) -> Callable[..., None]:
    """Exceptions raised in a PJSUA2 callback vanish inside the library: log them instead."""

    @functools.wraps(callback)
    def wrapper(*args: Any) -> None:
        try:
            callback(*args)
        except Exception:
            logging.getLogger(callback.__module__).exception("error in %s", callback.__qualname__)

    return wrapper


def call_limit() -> int:
    """Calls one process can hold: the wheel is compiled with a fixed limit, read it rather than assume it."""
    return int(pj.UaConfig().maxCalls)


def start_endpoint(
    host: str = "127.0.0.1", port: int = 0, only_codec: str | None = None, drop_percent: int = 0
) -> tuple[Any, int]:
    """A started endpoint with one UDP transport; returns it and the port it listens on.

    `only_codec` (a key of PJSIP_CODEC_IDS) leaves that codec alone enabled, as a narrowband carrier does;
    `drop_percent` of the RTP packets it sends and receives are lost, as on a lossy network (simulated peers)."""
    endpoint = pj.Endpoint()
    endpoint.libCreate()
    config = pj.EpConfig()
    config.uaConfig.threadCnt = 0
    config.uaConfig.mainThreadOnly = True
    config.uaConfig.userAgent = "tierdial"
    config.logConfig.level = 0
    config.logConfig.consoleLevel = 0
    config.medConfig.clockRate = BRIDGE_RATE
    config.medConfig.sndClockRate = BRIDGE_RATE
    config.medConfig.noVad = True
    config.medConfig.ecTailLen = 0
    config.medConfig.txDropPct = config.medConfig.rxDropPct = drop_percent
    endpoint.libInit(config)
    transport = pj.TransportConfig()
    transport.boundAddress = host
    transport.port = port
    transport_id = endpoint.transportCreate(pj.PJSIP_TRANSPORT_UDP, transport)
    endpoint.libStart()
    endpoint.audDevManager().setNullDev()
    priority = CODEC_PRIORITY if only_codec is None else {PJSIP_CODEC_IDS[only_codec]: 255}
    for codec in endpoint.codecEnum2():
        endpoint.codecSetPriority(codec.codecId, priority.get(codec.codecId, 0))
    bound = endpoint.transportGetInfo(transport_id).localName
    return endpoint, int(bound.rsplit(":", 1)[1])


def audio_format() -> Any:
    fmt = pj.MediaFormatAudio()
    fmt.type = pj.PJMEDIA_TYPE_AUDIO
    fmt.clockRate = BRIDGE_RATE
    fmt.channelCount = 1
    fmt.bitsPerSample = 16
    fmt.frameTimeUsec = FRAME_USEC
    return fmt


def frame_bytes(frame: Any) -> bytes:
    """The PCM of a MediaFrame, read through the vector's data pointer: bytes(frame.buf) is ~200x slower."""
    data = ctypes.c_void_p.from_address(int(frame.buf.this)).value
    return ctypes.string_at(data, frame.size) if data and frame.size else b""


def active_audio_index(call: Any) -> int | None:
    # Hold the CallInfo: its `media` vector is owned by it, and a temporary is freed at once.
    info = call.getInfo()
    for index, media in enumerate(info.media):
        if media.type == pj.PJMEDIA_TYPE_AUDIO and media.status == pj.PJSUA_CALL_MEDIA_ACTIVE:
            return index
    return None


class AudioTap(pj.AudioMediaPort):
    """A bridge port that hands every received 20 ms frame to `sink`, and counts them; reused across calls."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.start(None)
        self.createPort(name, audio_format())

    def start(self, sink: Any) -> None:
        """Hand frames to `sink` (None: to nobody), counting them afresh."""
        self.sink: Any = sink
        self.arrivals = AudioArrivals(FRAME_USEC // 1000)

    def onFrameReceived(self, frame: Any) -> None:
        sink = self.sink
        if sink is not None and frame.type == pj.PJMEDIA_FRAME_TYPE_AUDIO:
            self.arrivals.arrived(FRAME_USEC / 1000)
            sink(frame_bytes(frame))

"""The calls a station has up: what it knows of each, how far transcription lags behind it, and the refusal of a
command on one.

State and pure readings only; what the bot does with them is `dialer.call_flow`'s business.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from asr.load import AsrLoad
from dialer.optout_check import OptOutCheck
from tierdial.messages import AsrProgress

# The ASR service reports its progress every half second; this long without a report, it is behind.
ASR_STALE_SECONDS = 2.0


class CallCommandError(Exception):
    """A command on a call refused, with the HTTP status the console answers with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class LiveCall:
    call_id: str
    campaign: str
    campaign_id: int
    contact_id: int
    phone: str
    started: float
    language: str  # the campaign's: the bot's prompts and the opt-out question are in it
    answered_at: float = 0.0  # monotonic; 0 until the callee answers
    # The same moment as a record. Records keep real time; `CallFlow.clock` only judges calling windows and retries
    # (a demo runs it at noon in Seoul).
    answered_on: dt.datetime | None = None
    listening_since: float = 0.0
    asr_lag: float = 0.0  # seconds of the callee's audio waiting to be transcribed, as last reported
    asr_reported_at: float = 0.0
    asr_heard_ms: int = 0  # audio decoded and time spent decoding it, as last reported: for the real-time factor
    asr_decode_ms: int = 0
    closing: bool = False
    machine: bool = False
    playing: str = ""  # the bot's prompt being played, if any
    final_tier: str | None = None
    final_text: str = ""  # what the callee said that decided the final tier (tier C: when to call back)
    offered_at: float = 0.0  # monotonic: since when an agent has been promised (the takeover wait), 0 if not
    offered_tier: str | None = None  # the hottest tier the call was offered to agents with
    taken_over_by: str | None = None
    listeners: dict[str, str] = field(default_factory=dict)  # supervisors' legs listening in -> who
    opt_out_check: OptOutCheck = field(init=False)  # asked once when an opt-out is in doubt

    def __post_init__(self) -> None:
        self.opt_out_check = OptOutCheck(self.language)


def note_progress(call: LiveCall, progress: AsrProgress, load: AsrLoad, now: float) -> None:
    """The recogniser's report on the call: how far behind it is (pacing and silence go by it), and the audio and
    decoding time since its last report, for the station's real-time factor."""
    call.asr_lag, call.asr_reported_at = progress.lag_ms / 1000, now
    load.add(progress.heard_ms - call.asr_heard_ms, progress.decode_ms - call.asr_decode_ms)
    call.asr_heard_ms, call.asr_decode_ms = progress.heard_ms, progress.decode_ms


def transcription_lag(call: LiveCall, now: float) -> float:
    """Seconds of the call's audio the recogniser has yet to transcribe."""
    if not call.answered_at:
        return 0.0
    # A service that has stopped reporting is behind by at least the time since its last report.
    overdue = now - (call.asr_reported_at or call.answered_at) - ASR_STALE_SECONDS
    return max(call.asr_lag, overdue, 0.0)


def silence_heard(call: LiveCall, now: float) -> float:
    """How long the callee has been silent while the bot listens, in audio the recogniser has got through:
    words still queued for transcription are not silence."""
    if not call.listening_since:
        return 0.0
    return max(0.0, now - transcription_lag(call, now) - call.listening_since)

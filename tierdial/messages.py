"""The messages every stage speaks. Stages import these, never each other.

Data only: no behaviour, no I/O. Times are milliseconds from the start of the call's
audio unless a field says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class CallStarted:
    call_id: str
    campaign: str
    contact: str = ""  # how people see the contact: a name, or the masked number


@dataclass(frozen=True, slots=True)
class AudioChunk:
    """Signed 16-bit little-endian mono PCM, normally 20 ms of it."""

    call_id: str
    pcm: bytes
    sample_rate: int


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    start_ms: int
    end_ms: int
    confidence: float


@dataclass(frozen=True, slots=True)
class PartialTranscript:
    call_id: str
    text: str
    at_ms: int


@dataclass(frozen=True, slots=True)
class FinalTranscript:
    call_id: str
    text: str
    start_ms: int
    end_ms: int
    words: tuple[Word, ...] = ()
    speaker: str = "callee"
    # The same utterance as another recogniser read it (under a second pass: the streaming one's reading). Only the
    # opt-out rules look at it: an opt-out either recogniser heard is honoured.
    other_readings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AsrProgress:
    """How far the recogniser has got with a call: audio decoded so far, audio waiting behind it, and the time
    spent decoding it so far (over `heard_ms`: the real-time factor)."""

    call_id: str
    heard_ms: int
    lag_ms: int
    decode_ms: int = 0


@dataclass(frozen=True, slots=True)
class TierDecided:
    call_id: str
    tier: str
    confidence: float
    evidence: tuple[str, ...]
    text: str
    is_final: bool
    by_rule: bool = False
    # Another recogniser's reading of the final utterance came out an opt-out by the model's reading, where this one
    # did not: the bot asks before it acts (dialer.optout_check).
    opt_out_read_otherwise: bool = False


@dataclass(frozen=True, slots=True)
class Ringing:
    call_id: str


@dataclass(frozen=True, slots=True)
class Answered:
    call_id: str
    codec: str = ""


@dataclass(frozen=True, slots=True)
class PromptFinished:
    call_id: str
    prompt: str


@dataclass(frozen=True, slots=True)
class MachineDetected:
    """Answering-machine detection heard a machine; the callee still hears the bot's opening, then the call ends."""

    call_id: str
    cause: str  # the detector's reason, e.g. "LONGGREETING-2100-1500"


@dataclass(frozen=True, slots=True)
class CallEnded:
    """The engine's last word on a call: how it ended (a `CallOutcome` value) and the SIP cause."""

    call_id: str
    outcome: str
    sip_status: int
    reason: str


# Three frames and more broken at once is past what packet-loss concealment hides: a syllable may be lost.
AUDIBLE_GAP_MS = 60


@dataclass(frozen=True, slots=True)
class AudioGaps:
    """How much of an answered callee's audio reached the recogniser broken, told once as the call ends.

    `concealed_ms`: what the jitter buffer had to fill in (packets that came late or never);
    `missing_ms`: what never came through (the SIP process's bridge skipped it, a stream stopped);
    `longest_ms`: the most of either within one half-second reading that stayed broken (audio held up and then
    read whole is late, not broken).
    """

    call_id: str
    concealed_ms: int
    missing_ms: int
    longest_ms: int

    @property
    def total_ms(self) -> int:
        return self.concealed_ms + self.missing_ms

    @property
    def audible(self) -> bool:
        return self.longest_ms >= AUDIBLE_GAP_MS


@dataclass(frozen=True, slots=True)
class PacingUpdate:
    """What the pacing controller of a running campaign is doing, for supervisors."""

    campaign: str
    controller: str
    dial_level: float  # calls in progress per active agent
    forecast: dict[str, float]
    abandon_budget: float  # abandons the campaign can still afford against its cap
    calls_in_progress: int
    agents_connected: int
    lines: int = 0  # the lines in use: the campaign's, or fewer while transcription catches up
    transcription_lag: float = 0.0  # seconds of audio waiting to be transcribed, on the call furthest behind
    hot_leads: int = 0  # offered to agents this run
    hot_leads_lost: int = 0  # of them, not taken within the grace period: the live dialer's abandons


@dataclass(frozen=True, slots=True)
class Takeover:
    call_id: str
    agent: str


@dataclass(frozen=True, slots=True)
class HotLeadOffered:
    """A hot lead offered to agents (what makes one: `intent.tiers.HOT_TIERS`), with the decision that made it hot.
    Offered once per call, and again if it turns hotter (B to A: to the front of the queue). `paced`: a lead pacing
    answers for, lost against the campaign's cap if nobody takes it in time."""

    call_id: str
    campaign: str
    tier: str
    confidence: float
    evidence: tuple[str, ...]
    text: str
    by_rule: bool = False
    paced: bool = False


@dataclass(frozen=True, slots=True)
class HotLeadExpired:
    """Nobody took an offered hot lead within the takeover wait: the bot promises a callback and ends the call."""

    call_id: str
    campaign: str
    tier: str


@dataclass(frozen=True, slots=True)
class Monitoring:
    """A supervisor's phone hears the call (`leg` is its leg); with `whisper` the agent hears the supervisor."""

    call_id: str
    leg: str
    whisper: bool


@dataclass(frozen=True, slots=True)
class Bridged:
    """The callee and the agent hear each other."""

    call_id: str
    agent_leg: str


@dataclass(frozen=True, slots=True)
class HangUp:
    call_id: str
    cause: str


@dataclass(frozen=True, slots=True)
class StageError:
    """An error travels as a message so one failing stage does not bring down the others."""

    call_id: str
    stage: str
    error: str
    details: dict[str, str] = field(default_factory=dict)


Message = CallStarted | AudioChunk | PartialTranscript | FinalTranscript | TierDecided | Takeover | HangUp | StageError


@dataclass(frozen=True, slots=True)
class AgentStatus:
    """An agent's availability and phone, as supervisors and the agent's own page show it."""

    agent: str
    state: str  # ready or paused
    reason: str
    phone: str  # connected, ringing or not connected


@dataclass(frozen=True, slots=True)
class KpiAlert:
    """A supervisor's KPI target has been missed for longer than they allow: the alert begins."""

    kpi: str
    label: str
    campaign: str | None  # None: all campaigns together
    target: float
    actual: float | None
    missed_for_seconds: int

"""`config.yaml`: one file, validated at start, every default safe.

The compliance limits of the product are bounds of the schema, so a configuration
can only make them stricter: an abandonment cap above 3 %, a calling window wider
than 08:00-21:00, a ring timeout under 15 s or a caller number the organisation does
not own are refused with a message naming the key.
"""

from __future__ import annotations

import os
from datetime import date, time
from pathlib import Path
from typing import Annotated, Literal, get_args

import phonenumbers
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from tierdial.errors import UserError

MAX_ABANDON_CAP = 0.03
EARLIEST_CALL = time(8, 0)
LATEST_CALL = time(21, 0)
MIN_RING_SECONDS = 15
MIN_ABANDONED_RETRY_HOURS = 72
CONFIG_ENV = "TIERDIAL_CONFIG"
# The modes a campaign can run on, named as in the dialer's table of them (dialer/pacing/registry.py, which says
# what each does); the shared plumbing does not import the dialer, so a test keeps the two equal.
PACING_MODES = ("lines", "progressive", "vicidial", "tierdial")
# The recognisers `asr.backend` names (asr/engine.py builds them): listed here, where the schema needs them, and
# imported there, since the shared plumbing does not import the domain packages.
AsrBackend = Literal["auto", "vosk", "whisper", "vosk+whisper"]
ASR_BACKENDS: tuple[str, ...] = get_args(AsrBackend)


class _Section(BaseModel):
    # A misspelt key is an error, not a silently ignored setting.
    model_config = ConfigDict(extra="forbid", frozen=True)


def e164(value: str) -> str:
    """A number in international form as E.164; ValueError with the reason otherwise."""
    try:
        parsed = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"{value!r} is not a phone number in international form (+country...): {exc}") from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValueError(f"{value!r} is not a valid phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


class Organisation(_Section):
    name: Annotated[str, Field(min_length=1)] = "tierdial demo"


class Database(_Section):
    url: str | None = Field(default=None, description="SQLAlchemy URL; default: a SQLite file in data_dir")


class Asr(_Section):
    model_path: Path | None = Field(default=None, description="a Vosk model folder; default: the packaged Korean model")
    threads: Annotated[int, Field(ge=1, le=64)] = 2
    backend: AsrBackend = Field(
        default="auto",
        description="vosk: partials and finals from Vosk; whisper: finals from Whisper base, no partials; "
        "vosk+whisper: Vosk's partials, Whisper's finals; auto: vosk where a Vosk model exists for the language, "
        "else whisper",
    )
    language: Literal["ko", "zh", "en"] = Field(default="ko", description="what callees speak: Whisper is held to it")
    languages: list[Literal["ko", "zh", "en"]] = Field(
        default_factory=list,
        description="further languages campaigns speak, each heard by Whisper alone (Whisper base is installed with "
        "tierdial; the Vosk model hears `language` only); a campaign in a language not listed is not transcribed",
    )
    whisper_workers: Annotated[int, Field(ge=1, le=64)] | None = Field(
        default=None, description="utterances Whisper decodes at once, one core each; default: the cores there are"
    )
    host: str = Field(
        default="127.0.0.1",
        description="address `tierdial asr serve` listens on: loopback, or a private network's address for stations "
        "on other machines (callees' audio travels unencrypted: never a public address)",
    )
    port: Annotated[int, Field(ge=0, le=65535)] = 0
    nice: Annotated[int, Field(ge=0, le=19)] = Field(
        default=10,
        description="niceness `tierdial asr serve` adds to its own at start: on a busy node the calls' audio, the "
        "takeovers and the console come before transcription, whose lag the dialer already paces new calls on",
    )
    max_connections: Annotated[int, Field(ge=1, le=100_000)] | None = Field(
        default=None,
        description="connections `tierdial asr serve` carries at once (calls streaming, status requests); past it a "
        "new one is refused at once and the service is taken for full; default: 4 per recogniser it warms up, plus 16",
    )


class Sip(_Section):
    host: str = Field(default="127.0.0.1", description="address the embedded engine's SIP and RTP bind to")
    workers: Annotated[int, Field(ge=1, le=64)] = Field(default=2, description="SIP worker processes")
    realtime_priority: Annotated[int, Field(ge=0, le=99)] = Field(
        default=10,
        description="round-robin real-time priority of the SIP workers (1-99; 0: ordinary scheduling), so that a "
        "busy node never holds a call's audio back; needs CAP_SYS_NICE or an RLIMIT_RTPRIO, else a warning",
    )


class Intent(_Section):
    model_path: Path = Path("models/intent.skops")


class RateLimits(_Section):
    """Requests a minute the console serves one caller before answering 429 with `Retry-After`. A caller is an API
    token or a signed-in person, and separately a client address (so a stream of made-up tokens is counted too).
    On PostgreSQL the counts are kept in the database, so console nodes behind one load balancer count one minute
    together; on SQLite (one node) they live in the console's memory."""

    log_ins_per_minute: Annotated[int, Field(ge=1, le=10_000)] = Field(
        default=20, description="log-in attempts (form posts) from one address"
    )
    list_uploads_per_minute: Annotated[int, Field(ge=1, le=10_000)] = Field(
        default=10, description="call lists sent by one token or person, and from one address"
    )
    api_per_minute: Annotated[int, Field(ge=1, le=1_000_000)] = Field(
        default=1200, description="API requests by one token or signed-in person"
    )
    api_per_address_per_minute: Annotated[int, Field(ge=1, le=1_000_000)] = Field(
        default=6000, description="API requests from one address (a whole office behind one NAT shares it)"
    )


class Console(_Section):
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=0, le=65535)] = 8080
    threads: Annotated[int, Field(ge=4, le=2000)] = Field(
        default=64, description="requests served at once; each open page holds one for its live events"
    )
    trusted_proxy: str | None = Field(
        default=None,
        description="address of the reverse proxy in front that terminates TLS: its X-Forwarded-For names the client "
        "(for rate limits) and its X-Forwarded-Proto: https marks cookies Secure; unset, both headers are ignored",
    )
    rate_limits: RateLimits = RateLimits()


class Station(_Section):
    """This node: `tierdial serve` runs one station per machine; several share one PostgreSQL database."""

    name: Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9_.-]+$")] | None = Field(
        default=None, description="how the other nodes and the console name this one; default: the host name"
    )
    lines: Annotated[int, Field(ge=1, le=1000)] = Field(
        default=12, description="the most calls this node has up at once, over all its campaigns"
    )
    drain_seconds: Annotated[float, Field(ge=0, le=3600)] = Field(
        default=120, description="on SIGTERM: no new dials; calls in progress get this long to end, then are hung up"
    )
    asr_services: list[Annotated[str, Field(pattern=r"^[A-Za-z0-9_.:\[\]-]+:[0-9]{1,5}$")]] = Field(
        default_factory=list,
        description="host:port of ASR services (`tierdial asr serve`) on other machines; empty: one starts here",
    )


class Trunk(_Section):
    name: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")]
    uri: Annotated[str, Field(pattern=r"^sips?:")]
    username: str | None = None
    password: str | None = None
    registration: bool = Field(default=False, description="REGISTER with the trunk before calling")


class CallerNumber(_Section):
    number: str
    trunk: str
    region: Annotated[str, Field(min_length=2, max_length=2)]
    display_name: str | None = None
    owned: Literal[True] = Field(description="the organisation owns this number and it can be called back")
    attestation: Literal["A", "B", "C"] | None = None  # STIR/SHAKEN level the carrier signs calls with

    _normalise = field_validator("number")(classmethod(lambda cls, v: e164(v)))


class Hours(_Section):
    """Hours of the callee's local day when calls are allowed: only ever inside 08:00-21:00."""

    start: time = EARLIEST_CALL
    end: time = LATEST_CALL

    @model_validator(mode="after")
    def _inside_legal_hours(self) -> Hours:
        if self.start < EARLIEST_CALL or self.end > LATEST_CALL:
            raise ValueError(f"must lie inside {EARLIEST_CALL:%H:%M}-{LATEST_CALL:%H:%M} (callee's local time)")
        if self.start >= self.end:
            raise ValueError("start must be before end")
        return self


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class RegionRules(Hours):
    holidays: list[date] = Field(default_factory=list, description="local dates with no calls in this region")


class CallingWindow(Hours):
    """The campaign's window; weekday and regional rules and holidays only make it stricter."""

    weekdays: dict[Weekday, Hours | Literal["closed"]] = Field(default_factory=dict)
    regions: dict[Annotated[str, Field(pattern=r"^[A-Z]{2}$")], RegionRules] = Field(default_factory=dict)
    holidays: list[date] = Field(default_factory=list, description="local dates with no calls anywhere")


class RetryHours(_Section):
    """Hours before the next attempt after each outcome; an abandoned callee waits at least 72."""

    answered: Annotated[float, Field(gt=0)] = 24
    no_answer: Annotated[float, Field(gt=0)] = 4
    busy: Annotated[float, Field(gt=0)] = 1
    machine: Annotated[float, Field(gt=0)] = 24
    abandoned: Annotated[float, Field(ge=MIN_ABANDONED_RETRY_HOURS)] = MIN_ABANDONED_RETRY_HOURS


class CampaignDefaults(_Section):
    abandon_cap: Annotated[float, Field(gt=0, le=MAX_ABANDON_CAP)] = MAX_ABANDON_CAP
    pacing: str = "tierdial"  # one of PACING_MODES
    calling_window: CallingWindow = CallingWindow()
    ring_timeout_seconds: Annotated[int, Field(ge=MIN_RING_SECONDS, le=120)] = 25
    max_attempts_per_day: Annotated[int, Field(ge=1, le=10)] = 2
    max_attempts_total: Annotated[int, Field(ge=1, le=30)] = 6
    retry_hours: RetryHours = RetryHours()
    default_region: Annotated[str, Field(min_length=2, max_length=2)] = "KR"
    local_presence: bool = Field(
        default=False, description="show each contact an owned number of their own region, chosen once and kept"
    )
    hot_callback_minutes: Annotated[int, Field(ge=5, le=24 * 60)] = Field(
        default=30,
        description="a hot lead no agent took (the bot promised a call back, or they hung up waiting) "
        "is called back after this, inside the calling window and the attempt caps",
    )

    @field_validator("pacing")
    @classmethod
    def _known_pacing(cls, mode: str) -> str:
        if mode not in PACING_MODES:
            raise ValueError(f"one of {', '.join(PACING_MODES)}")
        return mode


class Reputation(_Section):
    """Reports per caller number that quarantine it and pause its campaigns for a person to review."""

    complaints: Annotated[int, Field(ge=1)] = 3
    spam_reports: Annotated[int, Field(ge=1)] = 1
    opt_outs: Annotated[int, Field(ge=1)] = 25


class Agent(_Section):
    """A person with a phone: an agent, or a supervisor who listens in. `name` is their console account's."""

    name: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")]
    display_name: str | None = None
    phone: str | None = Field(
        default=None, pattern=r"^sips?:", description="their phone's SIP URI, for the embedded engine"
    )
    sip_secret: str | None = Field(
        default=None,
        description="with Asterisk: the password the agent's phone registers with (its endpoint is the agent's name)",
    )
    shift: bool = Field(
        default=True,
        description="`tierdial serve` rings this phone for the shift and keeps it up (agents); false for a supervisor "
        "whose phone only rings to listen in",
    )


class Asterisk(_Section):
    """The Asterisk engine (`engine: asterisk`): its AMI, where Asterisk reaches tierdial's audio server, and
    what `tierdial asterisk config` generates for it."""

    sandbox: bool = Field(
        default=False,
        description="the demo and the live benchmark start a sandbox Asterisk of their own on free loopback ports",
    )
    ami_host: str = "127.0.0.1"
    ami_port: Annotated[int, Field(ge=1, le=65535)] = 5038
    ami_username: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+$")] = "tierdial"
    ami_secret: str = Field(default="", description="the AMI user's secret; required with engine: asterisk")
    sip_bind: Annotated[str, Field(pattern=r"^[0-9a-fA-F.:\[\]]+:[0-9]{1,5}$")] = Field(
        default="127.0.0.1:5060", description="host:port of the UDP transport in the generated pjsip.conf"
    )
    trunk_endpoint: Annotated[str, Field(min_length=1)] | None = Field(
        default=None,
        description="null: each call goes out through the endpoint named after its caller number's trunk (as the "
        "generated pjsip.conf names them); or one existing endpoint for every call",
    )
    audio_host: str = Field(default="127.0.0.1", description="address of tierdial's AudioSocket server")
    audio_max_streams: Annotated[int, Field(ge=1, le=100_000)] | None = Field(
        default=None,
        description="AudioSocket connections tierdial's audio server carries at once; past it a new one is closed at "
        "once; default: 4 per line of the station (station.lines), plus 16",
    )
    realtime_priority: Annotated[int, Field(ge=0, le=99)] = Field(
        default=10,
        description="round-robin real-time priority of the threads that play prompts to Asterisk over AudioSocket "
        "(1-99; 0: ordinary scheduling); needs CAP_SYS_NICE or an RLIMIT_RTPRIO, else a warning",
    )
    amd: bool = Field(
        default=False,
        description="answering-machine detection (app_amd) before the bot's opening; a machine still hears it",
    )
    record_calls: bool = Field(default=False, description="record every answered call with MixMonitor")
    recordings_dir: str = Field(
        default="/var/spool/asterisk/monitor/tierdial", description="where Asterisk writes recordings (its own path)"
    )
    recordings_readable_at: Path | None = Field(
        default=None,
        description="the same folder as tierdial's host sees it (a shared mount, say); set, call review plays them",
    )


class Retention(_Section):
    """How long what callees said is kept; the call records themselves (attempts, outcomes, tiers, consent, opt-outs)
    are kept for good."""

    transcripts_days: Annotated[int, Field(ge=1, le=3650)] = Field(
        default=365, description="transcripts, and the words quoted in tier decisions, are deleted after this"
    )
    recordings_days: Annotated[int, Field(ge=1, le=3650)] = Field(
        default=90, description="call recordings are deleted after this"
    )


class Config(_Section):
    organisation: Organisation = Organisation()
    data_dir: Path = Path("var")
    engine: Literal["pjsua2", "asterisk"] = "pjsua2"
    database: Database = Database()
    asr: Asr = Asr()
    sip: Sip = Sip()
    asterisk: Asterisk = Asterisk()
    intent: Intent = Intent()
    console: Console = Console()
    station: Station = Station()
    trunks: list[Trunk] = Field(default_factory=list)
    caller_numbers: list[CallerNumber] = Field(default_factory=list)
    campaign_defaults: CampaignDefaults = CampaignDefaults()
    quarantine_after: Reputation = Reputation()
    agents: list[Agent] = Field(default_factory=list)
    retention: Retention = Retention()

    @model_validator(mode="after")
    def _asterisk_has_its_secret(self) -> Config:
        if self.engine == "asterisk" and not self.asterisk.ami_secret and not self.asterisk.sandbox:
            raise ValueError(
                "engine is asterisk: set asterisk.ami_secret (the AMI user's secret), or asterisk.sandbox: true"
            )
        return self

    @model_validator(mode="after")
    def _numbers_use_known_trunks(self) -> Config:
        trunk_names = {t.name for t in self.trunks}
        for n in self.caller_numbers:
            if n.trunk not in trunk_names:
                raise ValueError(f"caller number {n.number} names trunk {n.trunk!r}, which is not in trunks")
        return self

    def trunk_for(self, caller_number: str) -> Trunk:
        """The trunk a caller number's calls go out on (the first trunk for a number not listed here)."""
        name = next((n.trunk for n in self.caller_numbers if n.number == caller_number), None)
        return next((t for t in self.trunks if t.name == name), self.trunks[0])

    @property
    def database_url(self) -> str:
        return self.database.url or f"sqlite:///{self.data_dir / 'tierdial.db'}"

    @property
    def intent_model_path(self) -> Path:
        path = self.intent.model_path
        return path if path.is_absolute() else self.data_dir / path


def _describe(error: ValidationError, source: str) -> str:
    lines = [f"{source}: invalid configuration"]
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"]) or "(top level)"
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key (a typo?)"
        shown = item.get("input")
        got = f" (got {shown!r})" if shown is not None and not isinstance(shown, dict | list) else ""
        lines.append(f"  {key}: {message}{got}")
    return "\n".join(lines)


def parse_config(data: dict, source: str = "config", base_dir: Path | None = None) -> Config:
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise UserError(_describe(exc, source)) from None
    if base_dir is not None and not config.data_dir.is_absolute():
        # Relative paths in the file mean "next to the file", whatever the working directory.
        config = config.model_copy(update={"data_dir": base_dir / config.data_dir})
    return config


def load_config(path: Path | str | None = None) -> Config:
    """Load the file named, else $TIERDIAL_CONFIG, else ./config.yaml, else the embedded defaults."""
    explicit = path or os.environ.get(CONFIG_ENV)
    candidate = Path(explicit) if explicit else Path("config.yaml")
    if not candidate.exists():
        if explicit:
            raise UserError(f"{candidate}: configuration file not found")
        return parse_config({}, "embedded defaults", Path.cwd())
    try:
        data = yaml.safe_load(candidate.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise UserError(f"{candidate}: not valid YAML: {exc}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise UserError(f"{candidate}: the top level must be a mapping of keys, not {type(data).__name__}")
    return parse_config(data, str(candidate), candidate.resolve().parent)

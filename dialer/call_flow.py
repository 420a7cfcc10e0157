"""The policy of live calls: what the bot says and does as a call unfolds, and the station's commands on its calls.

One entry point, `on_event`, takes what the engine reports (answered, transcripts,
prompt finished, ended) and reacts: the opening prompt on answer, a prompt chosen by
the tier after each utterance, a hot lead offered to the agents, and, on an opt-out,
the do-not-call entry committed *before* the goodbye is played and the call hung up.
Everything it decides is published on the bus for observers (console, storage).

The rest it coordinates and leaves to others: what is known of each live call
(`dialer.live_calls`), the agents' phones and states (`dialer.agent_desk`), and the
records of a call's end and wrap-up, with the callbacks they book (`dialer.wrap_up`).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import uuid
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from asr.load import AsrLoad
from dialer import held_records as held
from dialer.agent_desk import AgentDesk
from dialer.ended_calls import EndedCalls
from dialer.held_records import HeldRecord, HeldRecords
from dialer.live_calls import CallCommandError, LiveCall, note_progress, silence_heard, transcription_lag
from dialer.models import CallAttempt, CallOutcome, Campaign
from dialer.number_reports import report
from dialer.optout_check import PROMPT as CONFIRM_OPT_OUT
from dialer.prompt_uploads import approved_prompt
from dialer.script import prompt_wav
from dialer.telephony.engine import Dial, TelephonyEngine
from dialer.telephony.legs import LegKind, new_leg
from dialer.wrap_up import OPT_OUT_REASON, chosen_disposition, dispose
from intent.classifier import IntentModel
from intent.live import LiveScorer
from intent.rules import is_machine_greeting
from intent.tiers import HOT_TIERS, PACED_TIERS
from number_pool.reputation import ReportKind
from tierdial.bus import EventBus
from tierdial.config import Config
from tierdial.db import utcnow
from tierdial.held_writes import HeldWrites, unreachable
from tierdial.logs import mask_number
from tierdial.messages import (
    AgentStatus,
    Answered,
    AsrProgress,
    AudioGaps,
    CallEnded,
    CallStarted,
    FinalTranscript,
    HotLeadExpired,
    HotLeadOffered,
    MachineDetected,
    PartialTranscript,
    PromptFinished,
    Takeover,
    TierDecided,
)

log = logging.getLogger(__name__)
SILENCE_HANGUP_SECONDS = 10.0
TAKEOVER_WAIT_SECONDS = 10.0  # a hot call offered to agents; after this, the bot books a callback
MAX_BOT_SECONDS = 120.0
# After each final utterance of the callee, the bot answers according to the tier.
REPLY = {"A": "agent", "B": "question", "C": "callback", "D": "goodbye", "E": "opt_out"}
CLOSING = {"callback", "goodbye", "opt_out"}


class CallFlow:
    def __init__(
        self,
        config: Config,
        sessions: sessionmaker[Session],
        model: IntentModel,
        bus: EventBus,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        station_id: str | None = None,
        held_records: HeldRecords | None = None,
    ) -> None:
        """`held_records`: where what calls record while the database is away is kept on disk as well, so that a
        station dying meanwhile loses none of it; emptied once every held write is made."""
        self.config = config
        # Whose claims and calls these are in the database: the station's instance (a process of its own by default).
        self.station_id = station_id or uuid.uuid4().hex
        self.clock = clock
        self.sessions = sessions
        self.model = model
        self.scorer = LiveScorer(model)
        self.bus = bus
        # What calls record while the database is away, kept in order until it answers (the station then dials again).
        self.held_records = held_records
        self.records = HeldWrites(sessions, drained=held_records.clear if held_records else None)
        self.desk = AgentDesk(config, sessions, bus, self._record)
        self._engine: TelephonyEngine | None = None
        self.calls: dict[str, LiveCall] = {}
        self.ended_calls = EndedCalls(self.scorer.end_call)  # for the recogniser's last words after a call's end
        self.asr_load = AsrLoad()
        self._lock = threading.RLock()

    @property
    def engine(self) -> TelephonyEngine | None:
        return self._engine

    @engine.setter
    def engine(self, engine: TelephonyEngine | None) -> None:
        """Set once the engine is made (it is handed `on_event`, so it comes after the flow)."""
        self._engine = self.desk.engine = engine

    # dialling -----------------------------------------------------------------------------------
    def dial(self, campaign: str, campaign_id: int, contact_id: int, phone: str, caller_number: str) -> str:
        assert self.engine is not None
        call_id = str(uuid.uuid4())
        with self.sessions.begin() as session:
            session.add(
                CallAttempt(
                    call_id=call_id,
                    campaign_id=campaign_id,
                    contact_id=contact_id,
                    caller_number=caller_number,
                    station=self.station_id,
                )
            )
            language = session.execute(select(Campaign.language).where(Campaign.id == campaign_id)).scalar_one()
        with self._lock:
            self.calls[call_id] = LiveCall(
                call_id, campaign, campaign_id, contact_id, phone, time.monotonic(), language
            )
        trunk = self.config.trunk_for(caller_number)
        dial = Dial(
            call_id,
            f"sip:{phone}@{trunk.uri.split(':', 1)[1]}",
            caller_number,
            self.config.organisation.name,
            self.config.campaign_defaults.ring_timeout_seconds,
            trunk=trunk.name,
            language=language,
        )
        try:
            self.engine.originate(dial)
        except Exception as exc:  # no line free, the engine stopping: the attempt fails and the contact is freed
            log.warning("not dialled: %s", exc, extra={"call_id": call_id, "campaign": campaign})
            self.on_event(CallEnded(call_id, "failed", 0, str(exc)[:80]))
            return call_id
        log.info("dialling", extra={"call_id": call_id, "campaign": campaign})
        self.bus.publish(CallStarted(call_id, campaign, mask_number(phone)))
        return call_id

    def take_over(self, call_id: str, agent: str) -> None:
        """Bridge the callee to the agent's phone; the bot falls silent, transcription goes on."""
        with self._lock:
            call = self.calls.get(call_id)
            if call is None:
                raise CallCommandError(404, f"no live call {call_id}")
            leg = self.desk.leg_of(agent)
            if leg is None:
                raise CallCommandError(409, f"agent {agent}'s phone is not connected")
            if call.taken_over_by == agent:  # the same click again: its first answer was lost (a console node died)
                return
            if call.taken_over_by:
                raise CallCommandError(409, f"already taken over by {call.taken_over_by}")
            if call.final_tier == "E":  # an agent's pitch after "stop calling me" is the call the law forbids
                raise CallCommandError(409, "the callee opted out: the bot is ending the call")
            call.taken_over_by, call.closing, call.offered_at, call.listening_since = agent, False, 0.0, 0.0
            call.playing = ""
            # Announced before the bridge is asked for: the engine's Bridged must not overtake it.
            self.bus.publish(Takeover(call_id, agent))
            self.engine.stop_playing(call_id)
            self.engine.bridge(call_id, leg)
        self._record(held.takeover(call_id, agent, utcnow()))
        log.info("taken over by %s", agent, extra={"call_id": call_id, "campaign": call.campaign})

    def listen_in(self, call_id: str, supervisor: str, whisper: bool = False) -> str:
        """Ring the supervisor's phone and let it hear the call; with `whisper` the agent hears the supervisor
        (never the callee). Returns the supervisor's leg; `stop_listening` ends it, and so does the call's end."""
        phone = self.desk.phones.get(supervisor)
        if phone is None:
            raise CallCommandError(409, f"{supervisor} has no phone known to the dialer (agents: in config.yaml)")
        with self._lock:
            call = self.calls.get(call_id)
            if call is None:
                raise CallCommandError(404, f"no live call {call_id}")
            if whisper and not call.taken_over_by:
                raise CallCommandError(409, "whispering is to the agent, and no agent has taken this call: listen in")
            leg = new_leg(LegKind.listener, supervisor)  # a leg to one of our people: not a call
            call.listeners[leg] = supervisor
        assert self.engine is not None  # there are live calls
        self.engine.listen_in(call_id, leg, phone, whisper)
        log.info("%s listens in%s", supervisor, " and whispers" if whisper else "",
                 extra={"call_id": call_id, "campaign": call.campaign})  # fmt: skip
        return leg

    def stop_listening(self, call_id: str, supervisor: str) -> int:
        """Hang up the supervisor's legs on the call; returns how many there were."""
        with self._lock:
            call = self.calls.get(call_id)
            legs = [leg for leg, who in (call.listeners if call else {}).items() if who == supervisor]
            for leg in legs:
                del call.listeners[leg]  # type: ignore[union-attr]
        for leg in legs:
            self.engine.hangup(leg)  # type: ignore[union-attr]
        return len(legs)

    def hang_up(self, call_id: str) -> None:
        """End a live call now (the agent's End call)."""
        with self._lock:
            call = self.calls.get(call_id)
            if call is None:
                raise CallCommandError(404, f"no live call {call_id}")
            call.closing = True
            self.engine.hangup(call_id)

    # the agents' desk (`dialer.agent_desk`), as the station and the console ask for it ---------------------
    def connect_agent(self, agent: str, uri: str) -> None:
        self.desk.connect_agent(agent, uri)

    def set_agent_state(self, agent: str, ready: bool, reason: str = "") -> AgentStatus:
        return self.desk.set_agent_state(agent, ready, reason)

    def confirm_agent_states(self) -> None:
        self.desk.confirm_agent_states()

    def agent_status(self, agent: str) -> AgentStatus:
        return self.desk.agent_status(agent)

    def agents_ready(self) -> int:
        return self.desk.agents_ready()

    def dispose(self, call_id: str, disposition: str, notes: str, by: str, callback_at: str | None = None) -> bool:
        """Record the wrap-up of a call, live or ended (see `dialer.wrap_up`). True when it is in the database; False
        when the database is away and the call is this station's (up, or ended a moment ago): held with its other
        records, and a do-not-call kept on disk as well."""
        chosen = chosen_disposition(disposition, callback_at)
        with self._lock:
            call = self.calls.get(call_id) or self.ended_calls.get(call_id)
        if call is None:
            dispose(self.sessions, call_id, chosen, notes, by, callback_at, self.clock())
            return True
        written = self._record(held.wrap_up(call, chosen, notes, by, callback_at, self.clock()))
        log.info("disposition %s by %s%s", chosen.value, by, "" if written else ", held until the database answers",
                 extra={"call_id": call_id, "campaign": call.campaign})  # fmt: skip
        return written

    def in_flight(self) -> set[int]:
        with self._lock:
            return {call.contact_id for call in self.calls.values()}

    # the one entry point ------------------------------------------------------------------------
    def on_event(self, message: object) -> None:
        with self._lock:
            call = self.calls.get(getattr(message, "call_id", ""))
            if isinstance(message, AsrProgress):
                if call is not None:  # for the dialer alone: it paces and times silence by it
                    note_progress(call, message, self.asr_load, time.monotonic())
                return
            if call is None:
                if isinstance(message, FinalTranscript):  # the recogniser's last words of a call that just ended
                    self._late_final(message)
                    return
                self._leg_event(message)
                self.bus.publish(message)
                return
            if isinstance(message, Answered):
                call.answered_at, call.answered_on = time.monotonic(), utcnow()
                self._say(call, "opening")
                self._store_answer(call)
            elif isinstance(message, MachineDetected):
                # The opening still plays to the end (a person misjudged as a machine hears who called and how to
                # stop calls; a voicemail records it); then the call ends.
                call.machine = True
                log.info("answering machine detected (%s)", message.cause, extra={"call_id": call.call_id})
            elif isinstance(message, PromptFinished):
                self._prompt_finished(call, message.prompt)
            elif isinstance(message, CallEnded):
                message = self._ended(call, message)
            elif isinstance(message, AudioGaps):
                self._note_gaps(call, message)
            else:
                for out in self.scorer.process(message):
                    self._observe(call, out)
                return
        self.bus.publish(message)

    def _store_answer(self, call: LiveCall) -> None:
        """Kept at once, not only at the end: if this station dies mid-call, the call is known to have been answered
        (it counts as an attempt, and as abandoned unless an agent had it)."""
        self._record(held.answer(call))

    def _store_final(self, final: FinalTranscript) -> None:
        self._record(held.transcript(final))

    @staticmethod
    def _note_gaps(call: LiveCall, gaps: AudioGaps) -> None:
        if gaps.total_ms:
            level = logging.WARNING if gaps.audible else logging.INFO
            log.log(level, "callee audio broken for %d ms (%d concealed, %d not delivered; %d ms at once)",
                    gaps.total_ms, gaps.concealed_ms, gaps.missing_ms, gaps.longest_ms,
                    extra={"call_id": call.call_id})  # fmt: skip

    def _leg_event(self, message: object) -> None:
        """A leg that is no call: an agent's phone, or a supervisor's listening in."""
        if isinstance(message, CallEnded):
            for call in self.calls.values():
                call.listeners.pop(message.call_id, None)  # a supervisor hung up
        self.desk.on_leg_event(message)

    def transcription_lag(self) -> float:
        """Seconds of audio the recogniser has yet to transcribe, on the call furthest behind."""
        now = time.monotonic()
        with self._lock:
            return max((transcription_lag(call, now) for call in self.calls.values()), default=0.0)

    def watchdog(self) -> None:
        """Hang up calls where nobody speaks, or that the bot has held too long. Call it periodically."""
        now = time.monotonic()
        with self._lock:
            for call in list(self.calls.values()):
                if call.taken_over_by:
                    continue  # the agent runs the call now
                if call.offered_at and not call.closing and now - call.offered_at > TAKEOVER_WAIT_SECONDS:
                    self.bus.publish(HotLeadExpired(call.call_id, call.campaign, call.offered_tier or ""))
                    self._say(call, "callback")  # nobody took the hot call in time
                    continue
                silent = not call.closing and silence_heard(call, now) > SILENCE_HANGUP_SECONDS
                if silent or (call.answered_at and now - call.started > MAX_BOT_SECONDS):
                    if silent and call.final_tier is None:
                        call.final_tier = "F"
                    call.closing = True
                    self.engine.hangup(call.call_id)

    # reactions ----------------------------------------------------------------------------------
    def _observe(self, call: LiveCall, message: object) -> None:
        if isinstance(message, FinalTranscript):
            call.listening_since = time.monotonic() if not call.closing else 0.0
            call.machine = call.machine or is_machine_greeting(message.text)
            self._store_final(message)
            self.bus.publish(message)  # once stored: what a console has shown is never lost with the station
            return
        if not isinstance(message, TierDecided):
            self.bus.publish(message)  # the transcript first, then the tier it caused
        if isinstance(message, PartialTranscript) and call.listening_since:
            call.listening_since = time.monotonic()  # the callee is speaking: not silence, however long
        if not isinstance(message, TierDecided):
            return
        ask = False
        if message.is_final and not (call.closing or call.taken_over_by or call.machine):
            message, ask = call.opt_out_check.review(message, self.model.probabilities)
        self._record(held.tier(message, self.model.version))
        self.bus.publish(message)
        if ask:  # unanswered, the call ends on the tier put aside
            call.final_tier, call.final_text = message.tier, message.text
            self._say(call, CONFIRM_OPT_OUT)
            return
        if not message.is_final or call.closing:
            return
        call.final_tier, call.final_text = message.tier, message.text
        if message.tier == "E":
            # Honoured before anything else happens on the call, in its own committed transaction; with the database
            # away, kept first in line for it (and no call is placed meanwhile).
            if self._record(held.opt_out(call.phone, OPT_OUT_REASON, f"call {call.call_id}", call.call_id)):
                log.info("opt-out recorded", extra={"call_id": call.call_id, "campaign": call.campaign})
            self._count_against_number(call, ReportKind.opt_out)
        if call.taken_over_by:
            return  # the bot is silent once an agent has the call
        if message.tier == "F":
            call.closing = True
            if call.machine and call.playing:
                return  # a machine records the opening to its end (who called, how to stop calls); then it ends
            self.engine.hangup(call.call_id)
            return
        self._offer(call, message)
        self._say(call, REPLY[message.tier])

    def _late_final(self, final: FinalTranscript) -> None:
        """Stored like any final; on a call that ended a moment ago, scored on its last turn, and an opt-out honoured
        (`dialer.ended_calls`). Other tiers heard late go into the tier history only: the call's end was decided on
        what was heard while it was up."""
        self._store_final(final)
        self.bus.publish(final)
        call = self.ended_calls.get(final.call_id)
        if call is None:
            return
        version = self.model.version
        for decided in self.scorer.process(final):
            if not isinstance(decided, TierDecided) or not decided.is_final:
                continue
            self._record(held.tier(decided, version))
            if decided.tier == "E" and call.final_tier != "E":
                call.final_tier, call.final_text = decided.tier, decided.text
                if self._record(held.late_opt_out(call)):
                    log.info("opt-out recorded, heard after the call ended",
                             extra={"call_id": call.call_id, "campaign": call.campaign})  # fmt: skip
                self._count_against_number(call, ReportKind.opt_out)

    def _record(self, record: HeldRecord) -> bool:
        """A record of the calls (or the agents) written at once; with the database away, held in memory in order
        (opt-outs first) and kept on disk as well. True when it is in the database."""
        written = self.records.write(record.what, record.write, first=record.first)
        if not written and self.held_records is not None:
            self.held_records.keep(record)
        return written

    def _offer(self, call: LiveCall, decided: TierDecided) -> None:
        """A hot lead (`HOT_TIERS`) is offered to the agents once, and again if it turns hotter (B to A)."""
        if decided.tier not in HOT_TIERS:
            return
        if call.offered_tier and HOT_TIERS.index(call.offered_tier) <= HOT_TIERS.index(decided.tier):
            return
        call.offered_tier = decided.tier
        self.bus.publish(HotLeadOffered(call.call_id, call.campaign, decided.tier, decided.confidence, decided.evidence,
                                        decided.text, decided.by_rule, paced=decided.tier in PACED_TIERS))  # fmt: skip

    def _count_against_number(self, call: LiveCall, kind: ReportKind) -> None:
        def count(session: Session) -> None:
            caller_number = session.scalar(select(CallAttempt.caller_number).where(CallAttempt.call_id == call.call_id))
            outcome = report(session, caller_number, kind, f"call {call.call_id}", self.config.quarantine_after)
            if outcome.quarantined:
                paused = ", ".join(outcome.paused) or "no campaign"
                log.warning("caller number quarantined; paused %s", paused, extra={"call_id": call.call_id})

        self.records.write(f"a report against call {call.call_id}'s caller number", count)

    def _say(self, call: LiveCall, prompt: str) -> None:
        call.closing = call.closing or prompt in CLOSING
        call.listening_since = 0.0
        self.scorer.new_turn(call.call_id)
        call.playing = prompt
        try:
            with self.sessions() as session:  # the campaign's own approved recording, else the product's
                own = approved_prompt(session, self.config.data_dir, call.campaign_id, prompt)
        except DBAPIError as exc:  # the database away: the product's own prompt says who calls and how to stop calls
            if not unreachable(exc):
                raise
            own = None
        self.engine.play(call.call_id, own or prompt_wav(prompt, call.language), prompt)

    def _prompt_finished(self, call: LiveCall, prompt: str) -> None:
        if call.playing == prompt:
            call.playing = ""
        if prompt in CLOSING or (call.machine and not call.taken_over_by):
            self.engine.hangup(call.call_id)
            return
        call.listening_since = time.monotonic()
        if prompt == "agent" and not call.offered_at:
            call.offered_at = call.listening_since

    def _ended(self, call: LiveCall, ended: CallEnded) -> CallEnded:
        """Store how the call ended (`dialer.wrap_up`); returns the end as the dialer sees it (a voicemail is a
        machine)."""
        del self.calls[call.call_id]
        for leg in call.listeners:  # nothing left to listen to
            self.engine.hangup(leg)
        self.ended_calls.add(call)  # its turn is kept in the scorer a while: the callee's last words may come late
        outcome = CallOutcome.machine if ended.outcome == "answered" and call.machine else ended.outcome
        tier = call.final_tier if outcome == "answered" else None
        cause, defaults = f"{ended.sip_status} {ended.reason}", self.config.campaign_defaults
        self._record(held.end(call, CallOutcome(outcome).value, tier, cause, self.station_id, defaults, self.clock()))
        log.info("call ended: %s tier %s", outcome, tier, extra={"call_id": call.call_id, "campaign": call.campaign})
        return CallEnded(call.call_id, str(outcome), ended.sip_status, ended.reason)

"""What calls record while the database is away, kept on this station's disk as well until the database has it.

Held writes live in memory (`tierdial.held_writes`): a station killed, or its machine lost, while the database is
away would lose them: an opt-out heard (a person called again after saying stop), what a callee said and the tiers
read from it, how a call ended, an agent's wrap-up or pause. So each record held is also appended here, one JSON line
of its kind and fields, synced to disk before the call goes on. The file is emptied once every held write is made; a
station starting replays what an earlier run of it left before it dials anyone: opt-outs first, then the rest in the
order they happened, each in a transaction of its own (one the database refuses is set aside, not in the way of the
rest). Replaying twice is harmless (a run may die while the database takes its
held writes): each kind skips what the database already has.

Not kept here: a claim given back undialled and a report against a caller number. The station's restart releases the
claims of its dead run; a report lost costs a number one count of reputation, not a person's wish.

The file holds full numbers and callees' words, as the database does: it is readable by its owner alone, and kept
only while needed.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from asr.models import TranscriptSegment
from asr.transcripts import record_final
from dialer.agent_time import record_state
from dialer.dnc import add_opt_out
from dialer.live_calls import CallCommandError, LiveCall
from dialer.models import AgentState, CallAttempt, CallOutcome, Disposition
from dialer.wrap_up import AGENT_OPT_OUT_REASON, record_disposition, record_end, record_late_opt_out
from intent.history import record_decision
from intent.models import TierDecision
from tierdial.config import CampaignDefaults
from tierdial.errors import UserError
from tierdial.held_writes import reason, unreachable
from tierdial.messages import FinalTranscript, TierDecided

log = logging.getLogger(__name__)


def held_records_file(data_dir: Path, station_name: str) -> Path:
    """One file per station name: stations sharing a data folder never empty each other's."""
    return data_dir / "held-records" / f"{station_name}.jsonl"


@dataclass(frozen=True)
class HeldRecord:
    """One record for the database: its kind (a key of `KINDS`) and fields as JSON has them. `what` names it in the
    log without a number; `first`: an opt-out, written before anything else."""

    kind: str
    fields: dict[str, Any] = field(default_factory=dict)
    what: str = ""

    @property
    def first(self) -> bool:
        return self.kind in OPT_OUT_KINDS

    def write(self, session: Session) -> None:
        KINDS[self.kind].write(session, **self.fields)

    def already_written(self, session: Session) -> bool:
        check = KINDS[self.kind].already_written
        return check is not None and check(session, **self.fields)


# the kinds ---------------------------------------------------------------------------------------------------------
def opt_out(phone: str, reason: str, source: str, call_id: str) -> HeldRecord:
    return HeldRecord("opt_out", {"phone": phone, "reason": reason, "source": source}, f"the opt-out of call {call_id}")


def late_opt_out(call: LiveCall) -> HeldRecord:
    return HeldRecord("late_opt_out", {"call": _call_fields(call)}, f"the opt-out of call {call.call_id}")


def transcript(final: FinalTranscript) -> HeldRecord:
    fields = {"call_id": final.call_id, "text": final.text, "start_ms": final.start_ms, "end_ms": final.end_ms,
              "speaker": final.speaker}  # fmt: skip
    return HeldRecord("transcript", fields, f"a transcript of call {final.call_id}")


def tier(decided: TierDecided, model_version: str) -> HeldRecord:
    fields = {"call_id": decided.call_id, "tier": decided.tier, "confidence": decided.confidence,
              "evidence": list(decided.evidence), "text": decided.text, "is_final": decided.is_final,
              "by_rule": decided.by_rule, "model_version": model_version}  # fmt: skip
    return HeldRecord("tier", fields, f"a tier of call {decided.call_id}")


def answer(call: LiveCall) -> HeldRecord:
    fields = {"call_id": call.call_id, "answered_at": _moment(call.answered_on)}
    return HeldRecord("answer", fields, f"call {call.call_id}'s answer")


def takeover(call_id: str, agent: str, at: dt.datetime) -> HeldRecord:
    return HeldRecord("takeover", {"call_id": call_id, "agent": agent, "at": _moment(at)}, f"call {call_id}'s takeover")


def end(call: LiveCall, outcome: str, final_tier: str | None, cause: str, station: str,
        defaults: CampaignDefaults, now: dt.datetime) -> HeldRecord:  # fmt: skip
    fields = {"call": _call_fields(call), "outcome": outcome, "tier": final_tier, "cause": cause, "station": station,
              "defaults": defaults.model_dump(mode="json"), "now": _moment(now)}  # fmt: skip
    return HeldRecord("end", fields, f"the end of call {call.call_id}")


def wrap_up(call: LiveCall, chosen: Disposition, notes: str, by: str, callback_at: str | None,
            now: dt.datetime) -> HeldRecord:  # fmt: skip
    fields = {"call_id": call.call_id, "disposition": chosen.value, "notes": notes, "by": by,
              "callback_at": callback_at, "now": _moment(now)}  # fmt: skip
    if chosen is not Disposition.do_not_call:
        return HeldRecord("wrap_up", fields, f"the wrap-up of call {call.call_id}")
    # The number itself: the agent's "do not call" holds even if the call's record is gone by the time it is written.
    return HeldRecord("wrap_up_do_not_call", fields | {"phone": call.phone}, f"the wrap-up of call {call.call_id}")


def agent_state(agent: str, state: str, reason: str, at: dt.datetime) -> HeldRecord:
    fields = {"agent": agent, "state": state, "reason": reason, "at": _moment(at)}
    return HeldRecord("agent_state", fields, f"agent {agent}'s state")


# how each kind is written, and how a replay knows the database has it ----------------------------------------------
@dataclass(frozen=True)
class Kind:
    write: Callable[..., None]
    already_written: Callable[..., bool] | None = None  # None: writing it again changes nothing


def _write_late_opt_out(session: Session, call: dict[str, Any]) -> None:
    record_late_opt_out(session, _call_from(call))


def _write_transcript(session: Session, **fields: Any) -> None:
    record_final(session, FinalTranscript(**fields))


def _transcript_there(session: Session, call_id: str, text: str, start_ms: int, end_ms: int, speaker: str) -> bool:
    stored = select(TranscriptSegment.id).where(
        TranscriptSegment.call_id == call_id, TranscriptSegment.start_ms == start_ms,
        TranscriptSegment.end_ms == end_ms, TranscriptSegment.speaker == speaker, TranscriptSegment.text == text,
    )  # fmt: skip
    return session.scalar(stored.limit(1)) is not None


def _write_tier(session: Session, model_version: str, evidence: list[str], **fields: Any) -> None:
    record_decision(session, TierDecided(evidence=tuple(evidence), **fields), model_version)


def _tier_there(session: Session, call_id: str, tier: str, text: str, is_final: bool, model_version: str,
                **_: Any) -> bool:  # fmt: skip
    stored = select(TierDecision.id).where(
        TierDecision.call_id == call_id, TierDecision.tier == tier, TierDecision.source_text == text,
        TierDecision.is_final == is_final, TierDecision.model_version == model_version,
    )  # fmt: skip
    return session.scalar(stored.limit(1)) is not None


def _write_answer(session: Session, call_id: str, answered_at: str | None) -> None:
    session.query(CallAttempt).filter_by(call_id=call_id).update({"answered_at": _from_moment(answered_at)})


def _write_takeover(session: Session, call_id: str, agent: str, at: str) -> None:
    taken = {"agent_name": agent, "connected_at": _from_moment(at)}
    session.query(CallAttempt).filter_by(call_id=call_id).update(taken)


def _write_end(session: Session, call: dict[str, Any], outcome: str, tier: str | None, cause: str, station: str,
               defaults: dict[str, Any], now: str) -> None:  # fmt: skip
    record_end(session, _call_from(call), outcome, tier, cause, station, CampaignDefaults.model_validate(defaults),
               _from_moment(now))  # fmt: skip


def _end_there(session: Session, call: dict[str, Any], **_: Any) -> bool:
    """An end closed as interrupted by another station is not this one's: the true account is written over it."""
    stored = select(CallAttempt.outcome).where(CallAttempt.call_id == call["call_id"])
    return session.scalar(stored) not in (None, CallOutcome.in_progress, CallOutcome.interrupted)


def _write_wrap_up(session: Session, call_id: str, disposition: str, notes: str, by: str, callback_at: str | None,
                   now: str, phone: str | None = None) -> None:  # fmt: skip
    try:  # refused before it writes anything when the call's record is gone
        record_disposition(session, call_id, Disposition(disposition), notes, by, callback_at, _from_moment(now))
    except CallCommandError:
        if phone is None:
            raise
        add_opt_out(session, phone, AGENT_OPT_OUT_REASON, f"{by}, call {call_id} (its record gone)")


def _write_agent_state(session: Session, agent: str, state: str, reason: str, at: str) -> None:
    record_state(session, agent, state, reason, _from_moment(at))


def _agent_state_there(session: Session, agent: str, at: str, **_: Any) -> bool:
    stored = select(AgentState.id).where(AgentState.agent == agent, AgentState.at == _from_moment(at))
    return session.scalar(stored.limit(1)) is not None


KINDS: dict[str, Kind] = {
    "opt_out": Kind(lambda session, phone, reason, source: add_opt_out(session, phone, reason, source)),
    "late_opt_out": Kind(_write_late_opt_out),
    "wrap_up_do_not_call": Kind(_write_wrap_up),
    "transcript": Kind(_write_transcript, _transcript_there),
    "tier": Kind(_write_tier, _tier_there),
    "answer": Kind(_write_answer),
    "takeover": Kind(_write_takeover),
    "end": Kind(_write_end, _end_there),
    "wrap_up": Kind(_write_wrap_up),
    "agent_state": Kind(_write_agent_state, _agent_state_there),
}
OPT_OUT_KINDS = frozenset({"opt_out", "late_opt_out", "wrap_up_do_not_call"})


# the file ----------------------------------------------------------------------------------------------------------
class HeldRecords:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._failing = False  # said once per outage: the disk refuses

    def keep(self, record: HeldRecord) -> bool:
        """Appended and synced; False when the disk refuses (full, or gone): the record is then held in memory only,
        and the file is left as it was, never with a line cut short."""
        with self._lock:
            try:
                self._append(_line(record).encode(), self.path)
            except OSError as exc:
                if not self._failing:
                    log.error("cannot keep held records in %s (%s): they are held in memory only until the database "
                              "answers", self.path, exc.strerror or exc)  # fmt: skip
                self._failing = True
                return False
            return True

    @staticmethod
    def _append(data: bytes, path: Path) -> None:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            size = os.fstat(descriptor).st_size
            try:
                written = os.write(descriptor, data)
                if written < len(data):
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                os.fsync(descriptor)
            except OSError:
                os.ftruncate(descriptor, size)  # a line cut short would stop the next start: leave none
                raise
        finally:
            os.close(descriptor)

    def clear(self) -> None:
        """Every held write is in the database: nothing here is needed any more."""
        with self._lock:
            self.path.unlink(missing_ok=True)
            self._failing = False

    def replay(self, sessions: sessionmaker[Session]) -> int:
        """What an earlier run left, written one record per transaction (opt-outs first); then the file is emptied.
        Returns how many records the file held.

        A record the database refuses for what it holds (its call deleted meanwhile, say) does not stop the others:
        it is set aside in `rejected_file` with the reason, and the station starts. An opt-out is the exception: the
        station must not dial past one it could not write, so the file keeps it and starting is refused, naming it.
        The database away stops the replay as it is: the file is left whole, and writing it again doubles nothing."""
        with self._lock:
            if not self.path.exists():
                return 0
            kept = [self._record(n, line) for n, line in enumerate(self.path.read_text().splitlines(), 1) if line]
            kept.sort(key=lambda record: not record.first)  # stable: in the order they happened otherwise
            had, refused = 0, list[tuple[HeldRecord, str]]()
            for record in kept:
                try:
                    with sessions.begin() as session:
                        if record.already_written(session):
                            had += 1
                            continue
                        record.write(session)
                except Exception as exc:
                    if unreachable(exc):
                        raise
                    refused.append((record, reason(exc)))
            self._set_aside([(record, why) for record, why in refused if not record.first])
            opt_outs_refused = [(record, why) for record, why in refused if record.first]
            if opt_outs_refused:
                self.path.write_text("".join(_line(record) for record, _ in opt_outs_refused))
                listed = "; ".join(f"{record.what}: {why}" for record, why in opt_outs_refused)
                raise UserError(f"{self.path}: the database refuses {listed}. Put the number on the do-not-call list "
                                f"by hand (tierdial dnc add), remove the line, then start again")  # fmt: skip
            self.path.unlink()
        if kept:
            log.warning("%d records an earlier run held while the database was away are written, %d opt-outs among "
                        "them (%d the database already had, %d refused)", len(kept), sum(r.first for r in kept), had,
                        len(refused))  # fmt: skip
        return len(kept)

    @property
    def rejected_file(self) -> Path:
        return self.path.with_suffix(".rejected.jsonl")

    def _set_aside(self, refused: list[tuple[HeldRecord, str]]) -> None:
        if not refused:
            return
        self._append("".join(_line(record, refused=why) for record, why in refused).encode(), self.rejected_file)
        for record, why in refused:
            log.error("%s held while the database was away is refused by it (%s); set aside in %s", record.what, why,
                      self.rejected_file)  # fmt: skip

    def _record(self, number: int, line: str) -> HeldRecord:
        try:
            entry = json.loads(line)
            kind, what = entry.pop("kind"), entry.pop("what", "")
            if kind in KINDS:
                return HeldRecord(kind, entry, what)
        except (json.JSONDecodeError, KeyError, AttributeError, TypeError):
            pass
        # A line cut short by a crash mid-write cannot be read; anything else here is not ours. Either way the station
        # must not start dialling past an opt-out it cannot read: say where it is.
        raise UserError(f"{self.path}, line {number}: not a held record; fix or remove the line, then start again")


def _line(record: HeldRecord, **extra: str) -> str:
    return json.dumps({"kind": record.kind, "what": record.what, **record.fields, **extra}, ensure_ascii=False) + "\n"


# a call's fields, for the records that need more of it than its id ------------------------------------------------
def _call_fields(call: LiveCall) -> dict[str, Any]:
    return {"call_id": call.call_id, "campaign": call.campaign, "campaign_id": call.campaign_id,
            "contact_id": call.contact_id, "phone": call.phone, "language": call.language,
            "answered_on": _moment(call.answered_on), "final_tier": call.final_tier, "final_text": call.final_text,
            "taken_over_by": call.taken_over_by}  # fmt: skip


def _call_from(fields: dict[str, Any]) -> LiveCall:
    answered_on = _from_moment(fields["answered_on"])
    known = {key: value for key, value in fields.items() if key != "answered_on"}
    return LiveCall(started=0.0, answered_on=answered_on, **known)


def _moment(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _from_moment(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None

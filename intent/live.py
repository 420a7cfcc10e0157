"""The live adapter around `classify`: re-scores a call on every partial and final transcript.

It scores the callee's current turn (the final utterances since the bot last spoke,
plus the partial being spoken), and publishes a `TierDecided` when the tier changes
and on every final utterance. An opt-out heard in a final utterance holds for the rest
of the call; one in a partial is announced but not yet held, because the recogniser
often revises a partial ("전화 주세요" passes through "전화 하" on its way).

A final utterance may come with another recogniser's reading of it (the streaming
recogniser's, under a second pass). The opt-out rules are checked on that reading too:
an opt-out either recogniser heard in so many words is honoured. Where only the model
reads an opt-out in the other reading, the decision says so (`opt_out_read_otherwise`)
and the bot asks the callee before acting; acting on it outright made false opt-outs of
Vosk's garbled narrowband readings. The tier otherwise rests on the final text alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from intent.classifier import Decision, IntentModel
from tierdial.messages import FinalTranscript, PartialTranscript, TierDecided


@dataclass
class _CallState:
    turn: list[str] = field(default_factory=list)
    last: TierDecided | None = None
    opt_out: Decision | None = None  # set by a final utterance, never cleared


class LiveScorer:
    def __init__(self, model: IntentModel) -> None:
        self.model = model
        self._calls: dict[str, _CallState] = {}

    def process(self, message: object) -> list[object]:
        """Entry point: transcripts in, tier decisions out; other messages pass through unchanged."""
        if isinstance(message, PartialTranscript):
            return [message, *self._score(message.call_id, message.text, is_final=False)]
        if isinstance(message, FinalTranscript) and message.speaker == "callee":
            return [message, *self._score(message.call_id, message.text, True, message.other_readings)]
        return [message]

    def new_turn(self, call_id: str) -> None:
        """The bot or an agent spoke: what the callee says next is a new turn."""
        self._calls.setdefault(call_id, _CallState()).turn.clear()

    def end_call(self, call_id: str) -> TierDecided | None:
        state = self._calls.pop(call_id, None)
        return state.last if state else None

    def current(self, call_id: str) -> TierDecided | None:
        state = self._calls.get(call_id)
        return state.last if state else None

    def _score(
        self, call_id: str, text: str, is_final: bool, other_readings: tuple[str, ...] = ()
    ) -> list[TierDecided]:
        state = self._calls.setdefault(call_id, _CallState())
        before = list(state.turn)
        spoken = " ".join([*before, text])
        if is_final:
            state.turn.append(text)
        decision = state.opt_out or self.model.classify(spoken)
        read_otherwise = False
        if decision.tier != "E":
            readings = [self.model.classify(" ".join([*before, r])) for r in other_readings]
            decision = next((d for d in readings if d.tier == "E" and d.by_rule), decision)
            read_otherwise = decision.tier != "E" and any(d.tier == "E" for d in readings)
        if is_final and decision.tier == "E":
            state.opt_out = decision
        changed = state.last is None or decision.tier != state.last.tier
        state.last = TierDecided(
            call_id, decision.tier, decision.confidence, decision.evidence, spoken, is_final, decision.by_rule,
            read_otherwise,
        )  # fmt: skip
        return [state.last] if changed or is_final else []

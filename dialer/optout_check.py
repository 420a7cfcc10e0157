"""Asking once before a doubtful opt-out is let go: "Shall we stop calling this number?"

The rules and a confident model make tier E on their own; this catches what they leave: a callee whose words the
model reads as an opt-out, but not surely enough to close the number for good ("이제는 안 해도 될 것 같은데요",
heard "이 제 는 안 했어 될것 같은데요": not interested first at 0.72, opt-out second at 0.20, so it comes out D).
When opt-out is among the model's two most likely tiers with probability `ASK_MIN_PROBABILITY` or more, the bot
asks one short question instead of acting on the tier. A yes, or anything read as an opt-out (the complaint again,
a threat to report), is an opt-out, honoured through the same path as any tier E; a no carries on with the tier
held while asking. Asked at most once a call; the question and the answer go into the tier history, with the rule's
name in the evidence. Under a second pass the bot also asks when the model reads an opt-out in the streaming
recogniser's reading of the utterance and the final text does not hold one (`TierDecided.opt_out_read_otherwise`):
acting on that reading outright made false opt-outs of Vosk's garbled narrowband readings.

How the threshold was chosen: the model's probabilities were scored on every line of intent/data/corpus (5-fold
cross-validation, stratified by tier, fitted on the augmented training folds as `intent.training` does, 1,060 lines)
and on intent/data/heldout (180 lines, model fitted on the whole corpus); `scripts/opt_out_ask_band.py` prints the
table. A line is in the "ask" band when the tier decided is not E, E is first or second, and P(E) is at least the
threshold. Cross-validated, 4 opt-outs came out as another tier; only one has E in its top two, the recogniser's
"범호 지 와 측 세요" (번호 지워 주세요) at P(E) = 0.20, so no threshold above 0.20 catches any of them. Below that,
each step down asks far more people with no opt-out to catch: at 0.15, 29 of 1,060 corpus lines are asked (by true
tier A 7, B 3, C 6, D 5, E 1, F 7: 2.7 %), at 0.10, 43, at 0.05, 67; held out, 0 of 180 lines at 0.10 and above
(4 at 0.05). 0.15 keeps a margin under the one opt-out the band exists for and asks under 3 % of utterances.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from dialer.script import prompt_text
from intent.classifier import RULE_CONFIDENCE
from intent.text import normalize
from tierdial.messages import TierDecided

RULE = "opt-out confirmation"
PROMPT = "confirm_opt_out"  # the bot's prompt that asks the question (dialer/prompts/<language>/)
ASK_MIN_PROBABILITY = 0.15

# Matched on normalised text with the hesitations before it taken off (Korean and Chinese also without spaces: the
# recogniser's spacing varies). 아니 alone opens many a complaint ("아니 왜 자꾸..."): only 아니요 and its kin are a no.
# The recogniser hears 아니요 as 아니 에 요. The Chinese question asks whether to stop ("不再拨打"), so "别打了",
# "不要再打了" are a yes though they open with a negation: a negation is a no only when no call, ring or contact
# follows it. An English "no problem" is a yes as often as a no: neither.
_HESITATION = {
    "ko": r"^(?:(?:음|어|아|저기|그|뭐)\s+)+",
    "zh": r"^(?:(?:嗯|那个|啊|哦|呃|就是)\s*)+",
    "en": r"^(?:(?:um|uh|er|erm|well|oh|so|hmm)\s+)+",
}
_YES = {
    "ko": r"^(?:네|내|예|응|그래|그렇|맞|좋|부탁|원합|원해)|그렇게해|그래주|부탁드|맞습니다|맞아요|원합니다",
    "zh": r"^(?:是|对|好|行|要|当然|没错|我?希望|可以(?!继续|再打|打))"
    r"|(?:别|不要|不用|不必|不想|不)再?(?:给我)?(?:打|拨|联系|来电|接)",
    "en": r"^(?:yes|yeah|yep|yup|sure|correct|ok|okay|absolutely|definitely|please|i do$)\b"
    r"|\bthat s (?:right|correct)\b|\bplease do\b|\bgo ahead\b|(?<!don t )(?<!do not )\bstop calling\b"
    r"|\btake me off\b|\bremove (?:me|my)\b",
}
_NO = {
    "ko": r"^(?:아니$|아뇨|안돼|안되|괜찮|됐어)|아니요|아니오|아니에요|아닙니다|원하지않|안그래도돼",
    "zh": r"^我?(?:不|没有|没$)(?!.*(?:打|拨|联系|来电|电话))|继续打|可以继续|还可以打",
    "en": r"^(?:no|nope|nah)\b(?! problem| worries)|^not really\b|\bno thanks\b|\bkeep calling\b|\bdon t stop\b"
    r"|\bdo not stop\b|\bi don t mind\b|\bthat s not what i (?:said|meant)\b",
}


def question(language: str) -> str:
    """The question as the bot asks it: its prompt's words in `language` (dialer/prompts/<language>/)."""
    return prompt_text(PROMPT, language)


class Answer(enum.StrEnum):
    yes = "yes"
    no = "no"
    unclear = "unclear"


def should_ask(probabilities: Mapping[str, float], threshold: float = ASK_MIN_PROBABILITY) -> bool:
    """Opt-out is one of the two most likely tiers, at `threshold` or more."""
    if "E" not in probabilities:
        return False
    top_two = sorted(probabilities, key=lambda tier: probabilities[tier], reverse=True)[:2]
    return "E" in top_two and probabilities["E"] >= threshold


def read_answer(text: str, language: str) -> Answer:
    """Yes or no to the question, by the patterns of its language; both or neither is unclear."""
    spaced = re.sub(_HESITATION[language], "", normalize(text))
    forms = (spaced, spaced.replace(" ", "")) if language in ("ko", "zh") else (spaced,)
    yes = any(re.search(_YES[language], form) for form in forms)
    no = any(re.search(_NO[language], form) for form in forms)
    if yes == no:
        return Answer.unclear
    return Answer.yes if yes else Answer.no


@dataclass
class OptOutCheck:
    """One call's question: whether it was asked, on what decision, and the answer."""

    language: str  # the call's campaign's
    held: TierDecided | None = None  # the decision put aside while the question is asked
    answer: Answer | None = None

    def review(
        self, decided: TierDecided, probabilities: Callable[[str], Mapping[str, float]]
    ) -> tuple[TierDecided, bool]:
        """A final decision in; out, the decision the call acts on and whether to ask the question first. When
        asking, the decision returned records the question and is not final: nobody acts on it."""
        if self.answer is not None:
            return decided, False
        if self.held is not None:
            return self._answered(decided, probabilities), False
        if decided.tier == "E" or decided.by_rule:
            return decided, False
        if decided.opt_out_read_otherwise:
            why = "the other recogniser's reading being an opt-out"
        elif should_ask(probabilities(decided.text)):
            why = "opt-out being a doubtful reading"
        else:
            return decided, False
        self.held = decided
        asked = f"{RULE}: asked {question(self.language)!r}, {why}"
        return replace(decided, evidence=(asked, *decided.evidence), is_final=False), True

    def _answered(self, said: TierDecided, probabilities: Callable[[str], Mapping[str, float]]) -> TierDecided:
        assert self.held is not None
        reading = read_answer(said.text, self.language)
        if said.tier == "E" or (reading is Answer.unclear and should_ask(probabilities(said.text))):
            reading = Answer.yes  # the complaint again, or a threat: an opt-out whatever else was said
        self.answer = reading
        evidence = (f"{RULE}: asked {question(self.language)!r}, answered {reading.value}: {said.text!r}",)
        if reading is Answer.yes:
            return replace(said, tier="E", confidence=RULE_CONFIDENCE, evidence=evidence + said.evidence, by_rule=True)
        if reading is Answer.no:
            # The call goes on as it would have without the question: a callback at the time named then, say.
            return replace(self.held, evidence=evidence + self.held.evidence)
        return replace(said, evidence=evidence + said.evidence)  # neither: the bot answers what was said, as ever

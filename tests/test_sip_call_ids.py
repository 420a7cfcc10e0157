"""PJSUA reuses a call id as soon as its call ends; an old wrapper dropped then must not end the new call.

Seen as a flaky campaign test: a simulated callee's ringing call ended with 603 Decline when the
wrapper of an earlier call on the same id was dropped. Real SIP on loopback, in a process of its own
(one PJSUA2 endpoint per process).
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.helpers import ROOT

# Calls from the endpoint to itself: "reject" answers 486, "ring" answers 180 and keeps ringing.
PROGRAM = """
import gc, json, time
import pjsua2 as pj
from dialer.telephony.pjsua2.endpoint import start_endpoint
from dialer.telephony.pjsua2.retired_calls import RetiredCalls

endpoint, port = start_endpoint()
retired = RetiredCalls()

class Account(pj.Account):
    incoming = []
    def onIncomingCall(self, prm):
        call = pj.Call(self, prm.callId)
        answer = pj.CallOpParam()
        answer.statusCode = 180 if "ring@" in call.getInfo().localUri else 486
        call.answer(answer)
        self.incoming.append(call)

account = Account()
config = pj.AccountConfig()
config.idUri = f"sip:me@127.0.0.1:{port}"
account.create(config)

def poll(seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        endpoint.libHandleEvents(10)
        retired.sweep()

def dial(user):
    call = pj.Call(account)
    call.makeCall(f"sip:{user}@127.0.0.1:{port}", pj.CallOpParam(True))
    poll(0.5)
    return call

ended = [dial("reject"), dial("reject")]
first_ids = [ended[0].getId(), account.incoming[0].getId()]
ringing = dial("ring")
reused = [ringing.getId(), account.incoming[-1].getId()] == first_ids
for call in ended + account.incoming[:2]:
    retired.add(call)
del ended, call
account.incoming[:2] = []
gc.collect()
poll(1.0)
still_ringing = ringing.getInfo().stateText
held = len(retired)
ringing.hangup(pj.CallOpParam())
poll(1.0)
print(json.dumps({"reused": reused, "still_ringing": still_ringing, "held": held, "held_after": len(retired)}))
"""


def test_an_ended_calls_wrapper_is_dropped_without_ending_the_call_that_reuses_its_id() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines, done.stderr[-2000:]
    result = json.loads(lines[-1])
    assert result["reused"], "the test needs the ringing call to take the first calls' ids"
    assert result["still_ringing"] == "EARLY", result
    assert result["held"] == 2 and result["held_after"] == 0, result

"""PJSUA reuses a call id as soon as its call ends; an old wrapper dropped then must not end the new call.

Seen as a flaky campaign test: a simulated callee's ringing call ended with 603 Decline when the
wrapper of an earlier call on the same id was dropped. Real SIP on loopback, in a process of its own
(one PJSUA2 endpoint per process).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.helpers import ROOT

pytestmark = pytest.mark.realtime

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

def run_until(done, what, seconds=10):
    end = time.monotonic() + seconds
    while not done():
        if time.monotonic() > end:
            raise SystemExit(f"waited {seconds} s for {what}")
        endpoint.libHandleEvents(10)
        retired.sweep()

def dial(user, answered):
    call = pj.Call(account)
    call.makeCall(f"sip:{user}@127.0.0.1:{port}", pj.CallOpParam(True))
    run_until(lambda: answered(call), f"{user} to answer")
    return call

def rejected(call):
    return not call.isActive() and not account.incoming[-1].isActive()

def ringing_now(call):
    return call.getInfo().state == pj.PJSIP_INV_STATE_EARLY

ended = [dial("reject", rejected), dial("reject", rejected)]
first_ids = [ended[0].getId(), account.incoming[0].getId()]
ringing = dial("ring", ringing_now)
reused = [ringing.getId(), account.incoming[-1].getId()] == first_ids
for call in ended + account.incoming[:2]:
    retired.add(call)
del ended, call
account.incoming[:2] = []
gc.collect()
# A dropped wrapper ending the ringing call would send its CANCEL or 603 before a later call's INVITE goes out, on
# the same loopback transport: once that later call has been rejected, the ringing call's state shows it.
later = dial("reject", rejected)
still_ringing = ringing.getInfo().stateText
held = len(retired)
ringing.hangup(pj.CallOpParam())
run_until(lambda: not len(retired), "the retired wrappers to be dropped once their ids are free")
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
